// SlackExportAdapter.discoverMany: one pass for a batch gives every subject exactly what discover gives it.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { slackExportFactory } from '../../src/adapters/slack/index.js';
import { slackSourceSchema } from '../../src/adapters/slack/config.js';
import { IdSearch } from '../../src/adapters/slack/ids.js';
import { arrayElements, elementsAround } from '../../src/adapters/slack/json-array.js';
import type { AdapterContext, SourceAdapter, TaggedItem } from '../../src/adapters/types.js';
import { SourceError } from '../../src/core/errors.js';
import { IdentityMatcher, type Identity } from '../../src/core/identity.js';
import { isIdentityLink, type IdentityLink, type PersonalRecord } from '../../src/core/record.js';
import { expectManyMatchesSingle, testContext } from '../helpers/many.js';
import { prng } from '../helpers/prng.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const SLACK = path.join(ROOT, 'fixtures', 'demo', 'slack');
const email = (value: string): Identity => ({ type: 'email', value });
const slackId = (value: string): Identity => ({ type: 'slack-id', value });
const matcher = (...ids: Identity[]) => new IdentityMatcher(ids);

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'privacyctl-slack-many-'));
  fs.cpSync(SLACK, path.join(dir, 'slack'), { recursive: true });
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function adapter(cfg: Record<string, unknown> = {}): SourceAdapter {
  const parsed = slackSourceSchema.parse({ name: 'slack', kind: 'slack-export', path: 'slack', ...cfg });
  return slackExportFactory.create(parsed, { configDir: dir, stateDir: path.join(dir, '.privacyctl') });
}

const records = (items: Array<PersonalRecord | IdentityLink>) => items.filter((x): x is PersonalRecord => !isIdentityLink(x));
const summary = (items: Array<PersonalRecord | IdentityLink>) =>
  records(items)
    .map((r) => `${r.type} ${r.locator}`)
    .sort();

async function many(a: SourceAdapter, subjects: IdentityMatcher[], ctx: AdapterContext = testContext()): Promise<TaggedItem[]> {
  const out: TaggedItem[] = [];
  for await (const t of a.discoverMany!(subjects, ctx)) out.push(t);
  return out;
}

/** Every day file of the export, rewritten by `f` (its parsed messages → new text). */
function rewriteDayFiles(f: (messages: unknown[]) => string): void {
  const root = path.join(dir, 'slack');
  for (const folder of fs.readdirSync(root, { withFileTypes: true })) {
    if (!folder.isDirectory()) continue;
    for (const day of fs.readdirSync(path.join(root, folder.name))) {
      const file = path.join(root, folder.name, day);
      fs.writeFileSync(file, f(JSON.parse(fs.readFileSync(file, 'utf8')) as unknown[]));
    }
  }
}

/** Ann's records in the demo export, with messages retained (copies of her profile in them included) or redacted. */
const ANN_RECORDS = { retain: 37, redact: 30 };

const demoSubjects = () => [
  matcher(email('ann@example.org'), { type: 'github', value: 'ann-example' }),
  matcher(email('bo@lanternfish.example'), { type: 'github', value: 'botr' }),
  matcher(email('joann@example.org')),
  matcher(email('zoë.lindqvist@example.net')),
  matcher(email('dana.ruiz@example.com')), // a deleted account
  matcher(slackId('u01ann')), // Ann again, by her id alone: the same account for two subjects
  matcher(email('ann@example.org'), slackId('u01ann')), // the expansion round's Ann
  matcher(slackId('u09gone')), // an id no longer in users.json, and in no message
  matcher(email('nobody@example.com')), // no data
  matcher({ type: 'github', value: 'ann-example' }), // nothing this source matches
];

describe('SlackExportAdapter.discoverMany on the demo export', () => {
  it.each([['retain'], ['redact']])('every subject gets what discover gives it (messages: %s)', async (messages) => {
    const got = await expectManyMatchesSingle(adapter({ erase: { messages } }), demoSubjects());
    // Bo's message that mentions Ann: his message, her mention
    expect(summary(got[1]!)).toContain('chat-message general/2024-01-08.json#1704704400.000100');
    expect(summary(got[0]!)).toContain('chat-mention general/2024-01-08.json#1704704400.000100');
    // her profile, messages, mentions, the copies of her profile, reactions, memberships, …
    expect(summary(got[0]!)).toHaveLength(ANN_RECORDS[messages as 'retain' | 'redact']);
    expect(summary(got[5]!)).toEqual(summary(got[0]!));
    expect(got[0]!.filter(isIdentityLink)).toEqual([expect.objectContaining({ to: { type: 'slack-id', value: 'u01ann' }, strength: 'strong' })]);
    expect(summary(got[3]!)).toEqual([
      'chat-membership channels.json#C01GENERAL:members',
      'chat-membership channels.json#C02RELEASE:members',
      'chat-membership channels.json#C03MEETUPS:members',
      'chat-membership meetups/2024-01-04.json#1704387000.000007',
      'chat-mention general/2024-01-09.json#1704791000.000200',
      'chat-message general/2024-01-09.json#1704790800.000100',
      'chat-profile users.json#U04ZOE',
      ...(messages === 'retain' ? ['chat-profile-copy general/2024-01-09.json#1704790800.000100'] : []),
      'chat-profile-copy general/2024-01-09.json#1704791000.000200',
      'chat-profile-copy meetups/2024-01-04.json#1704387000.000007',
      'chat-reaction general/2024-01-11.json#1704963900.000200:message-reaction:raised_hands',
      'chat-reaction release/2024-01-09.json#1704794400.000100:message-reaction:tada',
    ]);
    expect(records(got[4]!)[0]!.data['deleted']).toBe(true);
    for (const k of [7, 8, 9]) expect(got[k]).toEqual([]);
  });

  it('messages by an id that is not in users.json, and a mention of it', async () => {
    const f = path.join(dir, 'slack', 'general', '2024-01-09.json');
    const msgs = JSON.parse(fs.readFileSync(f, 'utf8')) as Array<Record<string, unknown>>;
    msgs.push({ type: 'message', text: 'an old message', user: 'U09GONE', ts: '1704799999.000100' });
    msgs.push({ type: 'message', text: 'cc <@U09GONE> and <@U02BO>', user: 'U03JOANN', ts: '1704799999.000200' });
    fs.writeFileSync(f, JSON.stringify(msgs, null, 4));
    const got = await expectManyMatchesSingle(adapter(), demoSubjects());
    expect(summary(got[7]!)).toEqual(['chat-mention general/2024-01-09.json#1704799999.000200', 'chat-message general/2024-01-09.json#1704799999.000100']);
  });

  it('a message discover would not look at for a subject (its id only JSON-escaped) is not theirs in the batch either', async () => {
    const f = path.join(dir, 'slack', 'general', '2024-01-09.json');
    const msgs = JSON.parse(fs.readFileSync(f, 'utf8')) as Array<Record<string, unknown>>;
    msgs.push({ type: 'message', text: 'ping <@U02BO>', user: 'U01ANN', ts: '1704799999.000300' });
    fs.writeFileSync(
      f,
      JSON.stringify(msgs, null, 4).replace(
        '"user": "U01ANN",\n        "ts": "1704799999.000300"',
        '"user": "\\u005501ANN",\n        "ts": "1704799999.000300"',
      ),
    );
    expect(fs.readFileSync(f, 'utf8')).toContain('"\\u005501ANN"');
    const got = await expectManyMatchesSingle(adapter(), demoSubjects());
    expect(summary(got[1]!)).toContain('chat-mention general/2024-01-09.json#1704799999.000300');
    expect(summary(got[0]!).join()).not.toContain('1704799999.000300');
  });

  it('a minified export (no element on a line of its own) is read with the whole-file parse', async () => {
    rewriteDayFiles((m) => JSON.stringify(m));
    const buf = fs.readFileSync(path.join(dir, 'slack', 'general', '2024-01-08.json'));
    expect(elementsAround(buf, [buf.indexOf('U01ANN')])).toBeNull();
    const got = await expectManyMatchesSingle(adapter(), demoSubjects());
    expect(summary(got[0]!)).toHaveLength(ANN_RECORDS.retain);
  });

  it('CRLF line ends and tab indentation', async () => {
    rewriteDayFiles((m) => JSON.stringify(m, null, '\t').replace(/\n/g, '\r\n'));
    const got = await expectManyMatchesSingle(adapter({ erase: { messages: 'redact' } }), demoSubjects());
    expect(summary(got[0]!)).toHaveLength(ANN_RECORDS.redact);
  });

  it('a file whose layout the shortcut cannot vouch for falls back to the whole-file parse', async () => {
    // the first message's nested array holds an object written at the top-level indentation
    const f = path.join(dir, 'slack', 'general', '2024-01-08.json');
    const text = fs.readFileSync(f, 'utf8').replace('"reply_users": [', '"reply_users": [\n    {"user": "U01ANN"\n    },');
    fs.writeFileSync(f, text);
    const buf = fs.readFileSync(f);
    expect(arrayElements(buf)).toHaveLength(4);
    expect(elementsAround(buf, [buf.indexOf('"user": "U01ANN"\n    }')])).toBeNull();
    await expectManyMatchesSingle(adapter(), demoSubjects());
  });

  it('elementsAround gives the ranges arrayElements gives, and where hits count', () => {
    for (const rel of ['general/2024-01-08.json', 'general/2024-01-09.json', 'release/2024-01-09.json', 'D0ANNBO/2024-01-10.json']) {
      const buf = fs.readFileSync(path.join(dir, 'slack', rel));
      const elements = arrayElements(buf);
      const hits: number[] = [];
      for (let at = buf.indexOf('U0'); at !== -1; at = buf.indexOf('U0', at + 1)) hits.push(at);
      const near = elementsAround(buf, hits)!;
      expect(near).not.toBeNull();
      for (const e of near) {
        const k = elements.findIndex((x) => x.start === e.range.start);
        expect(elements[k]).toEqual(e.range);
        expect(e.from).toBe(k === 0 ? 0 : elements[k]!.start);
        expect(e.to).toBe(k + 1 < elements.length ? elements[k + 1]!.start : buf.length);
      }
    }
  });

  it('answers the expansion round from memory while no file has changed (and discover does too)', async () => {
    const subjects = [matcher(email('ann@example.org'), slackId('u01ann')), matcher(email('bo@lanternfish.example'), slackId('u02bo'))];
    const first = await many(adapter(), subjects);
    const c = testContext();
    const again = await many(adapter(), subjects, c);
    expect(c.stats['filesUnchanged']).toBe(6);
    expect(c.stats['files']).toBeUndefined();
    const canon = (ts: TaggedItem[]) => ts.map((t) => JSON.stringify(t)).sort();
    expect(canon(again)).toEqual(canon(first));
    const single = testContext();
    const bo: Array<PersonalRecord | IdentityLink> = [];
    for await (const x of adapter().discover(subjects[1]!, single)) bo.push(x);
    expect(single.stats['filesUnchanged']).toBe(6);
    expect(summary(bo)).toEqual(summary(first.filter((t) => t.subject === 1).map((t) => t.item)));
    // a changed file: read again
    const f = path.join(dir, 'slack', 'general', '2024-01-09.json');
    fs.writeFileSync(f, fs.readFileSync(f, 'utf8').replace('<@U01ANN|ann> can you', 'can you'));
    const c2 = testContext();
    const third = await many(adapter(), subjects, c2);
    expect(c2.stats['files']).toBe(6);
    expect(third.filter((t) => t.subject === 0 && !isIdentityLink(t.item))).toHaveLength(ANN_RECORDS.retain - 2); // the mention, and her handle in it
  });

  it('fails as discover does when the folder is not a Slack export', async () => {
    await expect(many(adapter({ path: 'nowhere' }), demoSubjects())).rejects.toThrow(SourceError);
    fs.writeFileSync(path.join(dir, 'slack', 'users.json'), '{"not": "an array"}');
    await expect(many(adapter(), demoSubjects())).rejects.toThrow(/not a Slack export file/);
  });
});

describe('SlackExportAdapter.discoverMany: profile spellings', () => {
  it('finds what discover finds in users.json: case, a JSON escape, a KELVIN SIGN, NFD, a shared address', async () => {
    const f = path.join(dir, 'slack', 'users.json');
    const users = JSON.parse(fs.readFileSync(f, 'utf8')) as Array<Record<string, unknown>>;
    const user = (id: string, mail: string) => ({ id, name: id.toLowerCase(), real_name: id, profile: { email: mail, display_name: id } });
    users.push(
      user('U10CASE', 'Case.Person@Example.ORG'),
      user('U11KATE', '\u212aate@example.org'),
      user('U12NFD', 'zoe\u0308@example.net'),
      user('U13TWO', 'pat@example.org, sam@example.org'),
    );
    // an address in gitdm's form: discover does not search users.json for it, so it finds this
    // account only by its id, and then only for a subject that has the id
    users.push(user('U14LEE', 'lee!example.org'));
    let text = JSON.stringify(users, null, 4);
    text = text.replace('"U10CASE"', '"U10\\u0043ASE"').replace('"u10case"', '"u10\\u0063ase"');
    fs.writeFileSync(f, text);
    const got = await expectManyMatchesSingle(adapter(), [
      matcher(email('case.person@example.org')),
      matcher(slackId('u10case')),
      matcher(email('kate@example.org')),
      matcher(email('zo\u00eb@example.net')),
      matcher(email('pat@example.org')),
      matcher(email('sam@example.org')),
      matcher(email('ann@example.org')),
      matcher(email('lee@example.org')),
      matcher(slackId('u14lee')),
      matcher(slackId('u14lee'), email('lee@example.org')),
    ]);
    expect(records(got[9]!)[0]!.matched).toEqual([
      { type: 'email', value: 'lee@example.org', field: 'profile.email' },
      { type: 'slack-id', value: 'u14lee', field: 'id' },
    ]);
    expect(
      got.map((items) =>
        records(items)
          .filter((r) => r.type === 'chat-profile')
          .map((r) => r.locator),
      ),
    ).toEqual([
      ['users.json#U10CASE'],
      ['users.json#U10CASE'],
      ['users.json#U11KATE'],
      ['users.json#U12NFD'],
      ['users.json#U13TWO'],
      ['users.json#U13TWO'],
      ['users.json#U01ANN'],
      [],
      ['users.json#U14LEE'],
      ['users.json#U14LEE'],
    ]);
  });
});

describe('IdSearch', () => {
  it.each([
    ['ids with a few first letters (anchored on them)', ['U01ANN', 'U01AN', 'U02BO', 'W0123ABC', 'U0BENCHSUBJ', 'B07', 'U01ANNX']],
    ['ids with many first letters (one regular expression)', ['U01ANN', 'ann', 'a.b', 'x|y', 'Zed', '(p)', 'q?', 'U01AN', 'nn', 'é', '\\u0041']],
  ])('finds every position where an id starts, as Buffer#indexOf does: %s', (_what, ids) => {
    const rnd = prng(7);
    const parts: string[] = [];
    for (let i = 0; i < 3000; i++) parts.push(rnd() < 0.3 ? ids[Math.floor(rnd() * ids.length)]! : rnd() < 0.5 ? 'UUU01A' : 'text, "<@U0');
    const buf = Buffer.from(parts.join(''), 'latin1');
    const needles = ids.map((id) => Buffer.from(id, 'latin1'));
    const expected = new Set<number>();
    for (const n of needles) for (let at = buf.indexOf(n); at !== -1; at = buf.indexOf(n, at + 1)) expected.add(at);
    expect(new IdSearch(needles).positions(buf)).toEqual([...expected].sort((x, y) => x - y));
  });
});

// ---- a generated export: ~100 subjects ----

describe('SlackExportAdapter.discoverMany: 100 generated subjects over a generated export', () => {
  it('gives each subject what a run for that subject alone gives', async () => {
    const rnd = prng(20240917);
    const pick = <T>(xs: T[]) => xs[Math.floor(rnd() * xs.length)]!;
    const root = path.join(dir, 'gen');
    fs.mkdirSync(root);
    const A = 'ABCDEFGHJKLMNPQRSTUVWXYZ0123456789';
    const id = () => `U${Array.from({ length: 8 }, () => pick(A.split(''))).join('')}`;
    const users = Array.from({ length: 300 }, (_, i) => ({
      id: i % 50 === 7 ? `U${String(i).padStart(8, '0')}` : id(),
      name: `user${i}`,
      deleted: i % 40 === 3,
      real_name: `User ${i}`,
      profile: {
        email: i % 30 === 5 ? `USER${i}@Example.COM` : `user${i}@example.com`,
        display_name: `user${i}`,
        image_72: `https://avatars.example/u${i}.png`,
      },
    }));
    fs.writeFileSync(path.join(root, 'users.json'), JSON.stringify(users, null, 4));
    fs.writeFileSync(
      path.join(root, 'channels.json'),
      JSON.stringify(
        [
          { id: 'C1', name: 'chan-0' },
          { id: 'C2', name: 'chan-1' },
          { id: 'C3', name: 'chan-2' },
        ],
        null,
        4,
      ),
    );
    let ts = 1600000000;
    for (const chan of ['chan-0', 'chan-1', 'chan-2', 'D0DIRECT']) {
      fs.mkdirSync(path.join(root, chan));
      for (let d = 0; d < 8; d++) {
        const msgs = Array.from({ length: 60 }, (_, k) => {
          const author = pick(users);
          const other = pick(users);
          const r = rnd();
          const text =
            r < 0.1
              ? `hi <@${other.id}>`
              : r < 0.15
                ? `<@${other.id}|${other.name}> and <@${pick(users).id}>`
                : r < 0.17
                  ? `mentions ${other.id} without brackets`
                  : 'plain words';
          const msg: Record<string, unknown> = {
            type: 'message',
            text,
            user: author.id,
            ts: `${ts++}.${String(k).padStart(6, '0')}`,
            user_profile: { name: author.name, image_72: `https://avatars.example/${author.id}_72.png` },
          };
          if (rnd() < 0.05) msg['blocks'] = [{ type: 'rich_text', elements: [{ type: 'rich_text_section', elements: [{ type: 'user', user_id: other.id }] }] }];
          if (rnd() < 0.05) msg['files'] = [{ name: 'f.png', title: 't', mimetype: 'image/png', size: 3 }];
          return msg;
        });
        const minified = chan === 'chan-2' && d % 2 === 0;
        fs.writeFileSync(path.join(root, chan, `2020-01-0${d + 1}.json`), minified ? JSON.stringify(msgs) : JSON.stringify(msgs, null, 4));
      }
    }
    const a = slackExportFactory.create(slackSourceSchema.parse({ name: 'gen', kind: 'slack-export', path: 'gen', erase: { messages: 'redact' } }), {
      configDir: dir,
      stateDir: path.join(dir, 'state'),
    });
    const subjects = users.slice(0, 100).map((u, i) => {
      const ids: Identity[] = [email(`user${i}@example.com`)];
      if (i % 3 === 0) ids.push(slackId(u.id.toLowerCase()));
      if (i % 10 === 9) return new IdentityMatcher([slackId(u.id.toLowerCase())]);
      return new IdentityMatcher(ids);
    });
    subjects.push(matcher(email('nobody@example.com')), matcher(slackId('u0nobody0')));
    const got = await expectManyMatchesSingle(a, subjects);
    const counts = got.map((items) => records(items).length);
    expect(counts.filter((c) => c > 1).length).toBeGreaterThan(80);
    expect(counts.slice(100)).toEqual([0, 0]);
    expect(got.flat().some((x) => !isIdentityLink(x) && x.type === 'chat-mention')).toBe(true);
  }, 120_000);
});
