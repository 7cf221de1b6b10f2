import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { slackExportFactory } from '../../src/adapters/slack/index.js';
import { slackSourceSchema } from '../../src/adapters/slack/config.js';
import { arrayElements } from '../../src/adapters/slack/json-array.js';
import type { AdapterContext, SourceAdapter, StepResult } from '../../src/adapters/types.js';
import { SourceError } from '../../src/core/errors.js';
import { IdentityMatcher, type Identity } from '../../src/core/identity.js';
import { stepsFor } from '../../src/core/plan.js';
import { policyViolation } from '../../src/core/policy.js';
import { isIdentityLink, publicRecord, type IdentityLink, type PersonalRecord } from '../../src/core/record.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const SLACK = path.join(ROOT, 'fixtures', 'demo', 'slack');
const ANN: Identity = { type: 'email', value: 'ann@example.org' };
const email = (value: string): Identity => ({ type: 'email', value });
const ctx = (): AdapterContext => ({ signal: new AbortController().signal, log: { info() {}, warn() {} }, stats: {} });

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'privacyctl-slack-'));
  fs.cpSync(SLACK, path.join(dir, 'slack'), { recursive: true });
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function adapter(cfg: Record<string, unknown> = {}): SourceAdapter {
  const parsed = slackSourceSchema.parse({ name: 'slack', kind: 'slack-export', path: 'slack', ...cfg });
  return slackExportFactory.create(parsed, { configDir: dir, stateDir: path.join(dir, '.privacyctl') });
}

async function discoverAll(a: SourceAdapter, ids: Identity[] = [ANN]): Promise<{ records: PersonalRecord[]; links: IdentityLink[] }> {
  const records: PersonalRecord[] = [];
  const links: IdentityLink[] = [];
  for await (const item of a.discover(new IdentityMatcher(ids), ctx())) {
    if (isIdentityLink(item)) links.push(item);
    else records.push(item);
  }
  return { records, links };
}

/** The subject as a plan gives it to erase(): the address, and the slack-id its profile linked. */
async function eraseAll(a: SourceAdapter, records: PersonalRecord[], ids: Identity[] = [ANN, { type: 'slack-id', value: 'u01ann' }]): Promise<StepResult[]> {
  const out: StepResult[] = [];
  for await (const r of a.erase!(stepsFor(records), new IdentityMatcher(ids), ctx())) out.push(r);
  return out;
}

const summary = (rs: PersonalRecord[]) => rs.map((r) => `${r.type} ${r.locator}`);
const file = (rel: string) => fs.readFileSync(path.join(dir, 'slack', rel));
/** The raw bytes of each element of a JSON array file. */
const elementsOf = (rel: string) => {
  const buf = file(rel);
  return arrayElements(buf).map((e) => buf.subarray(e.start, e.end).toString('utf8'));
};

describe('SlackExportAdapter.discover', () => {
  it('finds the profile by email, links the slack-id (strong), and finds messages and mentions by id', async () => {
    const { records, links } = await discoverAll(adapter());
    expect(summary(records.filter((r) => ['chat-profile', 'chat-message', 'chat-mention'].includes(r.type)))).toEqual([
      'chat-profile users.json#U01ANN',
      'chat-mention D0ANNBO/2024-01-10.json#1704877200.000100',
      'chat-message D0ANNBO/2024-01-10.json#1704877300.000200',
      'chat-mention general/2024-01-08.json#1704704400.000100',
      'chat-message general/2024-01-08.json#1704704700.000200',
      'chat-message general/2024-01-08.json#1704708000.000400',
      'chat-mention general/2024-01-09.json#1704791000.000200',
      'chat-message general/2024-01-11.json#1704963600.000100',
      'chat-message meetups/2024-01-04.json#1704384000.000004',
      'chat-mention meetups/2024-01-04.json#1704385000.000005',
      'chat-message meetups/2024-01-04.json#1704386000.000006',
      'chat-message release/2024-01-09.json#1704794400.000100',
    ]);
    expect(links).toEqual([
      expect.objectContaining({ from: ANN, to: { type: 'slack-id', value: 'u01ann' }, strength: 'strong', locator: 'users.json#U01ANN' }),
    ]);
    for (const r of records) expect(policyViolation(r)).toBeNull();
  });

  it('exports the profile fields, and never an image or file URL', async () => {
    const { records } = await discoverAll(adapter());
    expect(records[0]!.data).toEqual({
      id: 'U01ANN',
      name: 'ann',
      realName: 'Ann Example',
      displayName: 'ann',
      title: 'Release manager',
      phone: '+49 30 5550100',
      timeZone: 'Europe/Berlin',
      timeZoneLabel: 'Central European Time',
      email: 'ann@example.org',
    });
    expect(records[0]!.disposition).toBe('erase');
    expect(records[0]!.action).toBe('redact-profile');
    const json = JSON.stringify(records.map(publicRecord));
    for (const secret of ['xoxe', 'url_private', 'files.slack.com', 'slack-files.com', 'avatars.slack-edge', 'permalink']) expect(json).not.toContain(secret);
  });

  it("exports their messages with channel, time, thread and file names; mentions without the other person's text", async () => {
    const { records } = await discoverAll(adapter());
    const byLocator = new Map(records.filter((r) => r.type === 'chat-message' || r.type === 'chat-mention').map((r) => [r.locator, r]));
    expect(byLocator.get('general/2024-01-08.json#1704704700.000200')!.data).toEqual({
      channel: 'general',
      channelType: 'channel',
      ts: '1704704700.000200',
      date: '2024-01-08T09:05:00.000Z',
      threadTs: '1704704400.000100',
      text: 'Thanks Bo, happy to help with the 1.4 release.',
    });
    expect(byLocator.get('general/2024-01-08.json#1704708000.000400')!.data['files']).toEqual([
      { name: 'release-checklist.pdf', title: 'Release checklist', mimetype: 'application/pdf', size: 48213 },
    ]);
    const mention = byLocator.get('general/2024-01-08.json#1704704400.000100')!;
    expect(mention.data).toEqual({
      channel: 'general',
      channelType: 'channel',
      ts: '1704704400.000100',
      date: '2024-01-08T09:00:00.000Z',
      threadParent: true,
      mentionedIn: expect.stringContaining('another member'),
    });
    expect(mention.disposition).toBe('retain');
    const json = JSON.stringify(records);
    for (const others of ['Glad to have you', 'can we talk', 'Swedish translation', 'announcement', 'Ship it', 'changelog?'])
      expect(json).not.toContain(others);
    const dm = byLocator.get('D0ANNBO/2024-01-10.json#1704877300.000200')!;
    expect(dm.data['channelType']).toBe('dm');
    expect(dm.retention!.reason).toContain('private conversation');
    expect(byLocator.get('release/2024-01-09.json#1704794400.000100')!.retention!.ground).toContain(
      'legitimate interest (GDPR Art. 6(1)(f)) in an accurate record of the public forums',
    );
  });

  it('never matches a near miss, and finds a deleted user and a non-ASCII address', async () => {
    const jo = await discoverAll(adapter(), [email('joann@example.org')]);
    expect(summary(jo.records)).toEqual([
      'chat-profile users.json#U03JOANN',
      'chat-membership channels.json#C01GENERAL:members',
      'chat-thread general/2024-01-08.json#1704704400.000100',
      'chat-message general/2024-01-08.json#1704705000.000300',
      'chat-profile-copy general/2024-01-08.json#1704705000.000300',
    ]);
    const dana = await discoverAll(adapter(), [email('dana.ruiz@example.com')]);
    expect(dana.records[0]!.data['deleted']).toBe(true);
    expect(summary(dana.records)).toContain('chat-message release/2024-01-09.json#1704794500.000200');
    const zoe = await discoverAll(adapter(), [email('zoë.lindqvist@example.net')]);
    expect(summary(zoe.records)).toEqual([
      'chat-profile users.json#U04ZOE',
      'chat-membership channels.json#C01GENERAL:members',
      'chat-membership channels.json#C02RELEASE:members',
      'chat-membership channels.json#C03MEETUPS:members',
      'chat-message general/2024-01-09.json#1704790800.000100',
      'chat-profile-copy general/2024-01-09.json#1704790800.000100',
      'chat-mention general/2024-01-09.json#1704791000.000200',
      'chat-profile-copy general/2024-01-09.json#1704791000.000200',
      'chat-reaction general/2024-01-11.json#1704963900.000200:message-reaction:raised_hands',
      'chat-membership meetups/2024-01-04.json#1704387000.000007',
      'chat-profile-copy meetups/2024-01-04.json#1704387000.000007',
      'chat-reaction release/2024-01-09.json#1704794400.000100:message-reaction:tada',
    ]);
  });

  it('finds the same account from a slack-id alone (the expansion round)', async () => {
    const byId = await discoverAll(adapter(), [{ type: 'slack-id', value: 'u01ann' }]);
    const byEmail = await discoverAll(adapter());
    expect(summary(byId.records)).toEqual(summary(byEmail.records));
    expect(byId.records[0]!.matched).toEqual([{ type: 'slack-id', value: 'u01ann', field: 'id' }]);
  });

  it('answers the expansion round from memory while no file has changed, and reads again when one has', async () => {
    await discoverAll(adapter());
    const c = ctx();
    const again: PersonalRecord[] = [];
    for await (const x of adapter().discover(new IdentityMatcher([{ type: 'slack-id', value: 'u01ann' }]), c)) if (!isIdentityLink(x)) again.push(x);
    expect(c.stats['filesUnchanged']).toBe(6);
    expect(c.stats['files']).toBeUndefined();
    expect(again).toHaveLength(37);
    const f = path.join(dir, 'slack', 'general', '2024-01-09.json');
    fs.writeFileSync(f, fs.readFileSync(f, 'utf8').replace('<@U01ANN|ann> can you', 'can you'));
    const c2 = ctx();
    const third: PersonalRecord[] = [];
    for await (const x of adapter().discover(new IdentityMatcher([{ type: 'slack-id', value: 'u01ann' }]), c2)) if (!isIdentityLink(x)) third.push(x);
    expect(c2.stats['files']).toBe(6);
    expect(third).toHaveLength(35); // the mention, and the copy of her handle in it
  });

  it('fails with a SourceError when the folder is not a Slack export', async () => {
    await expect(discoverAll(adapter({ path: 'nowhere' }))).rejects.toThrow(SourceError);
    fs.rmSync(path.join(dir, 'slack', 'users.json'));
    await expect(discoverAll(adapter())).rejects.toThrow(/slack\/users\.json: cannot read the file \(no such file\)/);
    fs.writeFileSync(path.join(dir, 'slack', 'users.json'), '{"not": "an array"}');
    await expect(discoverAll(adapter())).rejects.toThrow(/not a Slack export file/);
    expect((await adapter().check(new AbortController().signal)).ok).toBe(false);
  });

  it('check() describes the export', async () => {
    expect(await adapter().check(new AbortController().signal)).toEqual({ ok: true, detail: 'slack: a Slack export, 5 users, 4 conversations' });
  });

  it('validates the config', () => {
    expect(slackSourceSchema.parse({ name: 's', kind: 'slack-export', path: 'x' }).erase).toEqual({ messages: 'retain' });
    expect(slackSourceSchema.safeParse({ name: 's', kind: 'slack-export', path: 'x', erase: { messages: 'delete' } }).success).toBe(false);
    expect(slackSourceSchema.safeParse({ name: 's', kind: 'slack-export', path: 'x', erase: 'redact' }).success).toBe(false);
  });
});

describe('SlackExportAdapter.erase', () => {
  it('redacts the profile in users.json and every copy of it in messages, keeping every other byte; messages retained', async () => {
    const dayFiles = [
      'general/2024-01-08.json',
      'general/2024-01-09.json',
      'general/2024-01-11.json',
      'release/2024-01-09.json',
      'D0ANNBO/2024-01-10.json',
      'meetups/2024-01-04.json',
    ];
    const before = new Map(dayFiles.map((f) => [f, elementsOf(f)]));
    const others = new Map(['channels.json', 'dms.json'].map((f) => [f, file(f)]));
    const usersBefore = elementsOf('users.json');
    const a = adapter();
    const { records } = await discoverAll(a);
    const steps = stepsFor(records);
    expect(steps.map((s) => s.action).sort()).toEqual(['redact-profile', ...Array<string>(10).fill('redact-profile-copy')]);
    expect((await eraseAll(a, records)).map((r) => r.status)).toEqual(Array<string>(11).fill('done'));
    const usersAfter = elementsOf('users.json');
    expect(usersAfter).toHaveLength(usersBefore.length);
    usersAfter.forEach((u, i) => (i === 0 ? expect(u).not.toEqual(usersBefore[0]) : expect(u).toEqual(usersBefore[i])));
    const users = JSON.parse(file('users.json').toString('utf8')) as Array<Record<string, unknown>>;
    expect(users[0]).toEqual({
      id: 'U01ANN',
      team_id: 'T0LANTERN',
      name: 'redacted-user',
      deleted: true,
      real_name: '[redacted]',
      profile: { real_name: '[redacted]', display_name: '[redacted]' },
      is_bot: false,
    });
    // pretty-printed like the rest of the file
    expect(file('users.json').toString()).toContain('[\n    {\n        "id": "U01ANN",\n        "team_id": "T0LANTERN",\n');
    // In the day files, each element either is byte for byte as it was, or differs only by her
    // user_profile (removed) and her |label in a <@U01ANN|ann> mention (removed): nothing else.
    const strip = (el: string) => el.replace(/<@U01ANN\|ann>/g, '<@U01ANN>');
    let changed = 0;
    for (const f of dayFiles) {
      const after = elementsOf(f);
      expect(after).toHaveLength(before.get(f)!.length);
      after.forEach((el, i) => {
        const was = before.get(f)![i]!;
        if (el === was) return;
        changed++;
        const parsed = JSON.parse(was) as Record<string, unknown>;
        if (parsed['user'] === 'U01ANN') delete parsed['user_profile'];
        expect(JSON.parse(el)).toEqual(JSON.parse(strip(JSON.stringify(parsed))));
      });
    }
    expect(changed).toBe(10);
    // no message anywhere carries her profile any more
    for (const f of [...dayFiles, 'users.json'])
      expect(file(f).toString()).not.toMatch(/Ann Example|U01ANN_72|\|ann>|"ann@example\.org"|Release manager|5550100/);
    // the legacy file's \/ escapes, key order and layout are kept in the elements that changed
    expect(file('meetups/2024-01-04.json').toString()).toContain(
      '"text": "<@U01ANN> uploaded a file: <https:\\/\\/lanternfish.slack.com\\/files\\/ann\\/F02NOTES\\/meetup_notes|Meetup notes>",\n        "file": {',
    );
    for (const [f, b] of others) expect(file(f).equals(b)).toBe(true);
    // idempotent
    expect((await eraseAll(a, records)).map((r) => r.status)).toEqual(Array<string>(11).fill('gone'));
    expect((await discoverAll(a)).records).toEqual([]);
    // found by her id, only retained records are left, and nothing left says who she was
    const left = (await discoverAll(a, [{ type: 'slack-id', value: 'u01ann' }])).records;
    expect(left.filter((r) => r.disposition !== 'retain')).toEqual([]);
    expect(JSON.stringify(left)).not.toMatch(/Ann Example|"ann"/);
  });

  it("with messages: redact, turns their messages into tombstones and leaves everyone else's untouched", async () => {
    const a = adapter({ erase: { messages: 'redact' } });
    const { records } = await discoverAll(a);
    const gen = elementsOf('general/2024-01-08.json');
    const dmBefore = elementsOf('D0ANNBO/2024-01-10.json');
    const g09 = elementsOf('general/2024-01-09.json');
    const results = await eraseAll(a, records);
    expect(
      stepsFor(records)
        .map((s) => s.action)
        .sort(),
    ).toEqual([
      'redact-file-copy',
      ...Array<string>(7).fill('redact-message'),
      'redact-profile',
      ...Array<string>(3).fill('redact-profile-copy'),
      'redact-root-copy',
    ]);
    expect(results.every((r) => r.status === 'done')).toBe(true);
    const genAfter = elementsOf('general/2024-01-08.json');
    expect(genAfter[0]).toEqual(gen[0]); // Bo's message that mentions Ann: untouched
    expect(genAfter[2]).toEqual(gen[2]); // Jo Ann's reply
    const tomb = JSON.parse(genAfter[1]!) as Record<string, unknown>;
    expect(tomb).toEqual({
      type: 'message',
      subtype: 'tombstone',
      user: 'USLACKBOT',
      text: 'This message was deleted.',
      ts: '1704704700.000200',
      thread_ts: '1704704400.000100',
      parent_user_id: 'U02BO',
      hidden: true,
    });
    expect(JSON.parse(genAfter[3]!)).not.toHaveProperty('files');
    expect(file('general/2024-01-08.json').toString()).not.toMatch(/Ann Example|release-checklist|xoxe/);
    expect(elementsOf('D0ANNBO/2024-01-10.json')[0]).toEqual(dmBefore[0]);
    // Zoë's message keeps Ann's reaction (a pseudonymous fact); Bo's mention of her loses only the label
    const g09After = elementsOf('general/2024-01-09.json');
    expect(g09After[0]).toEqual(g09[0]);
    expect(g09After[1]).toEqual(g09[1]!.replace('<@U01ANN|ann>', '<@U01ANN>'));
    for (const f of [
      'general/2024-01-08.json',
      'general/2024-01-11.json',
      'release/2024-01-09.json',
      'D0ANNBO/2024-01-10.json',
      'meetups/2024-01-04.json',
      'users.json',
    ])
      expect(() => JSON.parse(file(f).toString())).not.toThrow();
    expect((await eraseAll(a, records)).every((r) => r.status === 'gone')).toBe(true);
    // found again by id: only retained records are left
    const left = await discoverAll(a, [{ type: 'slack-id', value: 'u01ann' }]);
    expect(left.records.every((r) => r.disposition === 'retain')).toBe(true);
    // and her id is left only where it keys one of them: every message, and every conversation,
    // that still names U01ANN is the place of a retained record (users.json keeps the stub)
    const keyed = new Set(left.records.map((r) => r.locator.replace(/:.*$/, '')));
    const slackDir = path.join(dir, 'slack');
    for (const folder of fs.readdirSync(slackDir, { withFileTypes: true })) {
      if (!folder.isDirectory()) continue;
      for (const day of fs.readdirSync(path.join(slackDir, folder.name))) {
        const rel = `${folder.name}/${day}`;
        for (const el of elementsOf(rel))
          if (el.includes('U01ANN'))
            expect({ rel, ts: (JSON.parse(el) as { ts: string }).ts, keyed: keyed.has(`${rel}#${(JSON.parse(el) as { ts: string }).ts}`) }).toMatchObject({
              keyed: true,
            });
      }
    }
    for (const f of ['channels.json', 'dms.json']) {
      for (const el of elementsOf(f)) if (el.includes('U01ANN')) expect(keyed.has(`${f}#${(JSON.parse(el) as { id: string }).id}`)).toBe(true);
    }
    // no token of her files, and none of her profile, anywhere
    const all = fs
      .readdirSync(slackDir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => fs.readFileSync(path.join(e.parentPath, e.name), 'utf8'))
      .join('\n');
    expect(all).not.toMatch(
      /T0LANTERN-F02NOTES[^"]*\?t=xoxe|T0LANTERN-F01CHECK[^"]*\?t=xoxe|Ann Example|U01ANN_72|\|ann>|"title": "Meetup notes"|Who can host/,
    );
  });

  it('refuses step files outside the export', async () => {
    const a = adapter();
    const steps = [
      {
        id: 'slack#1',
        source: 'slack',
        type: 'chat-message',
        locator: 'x',
        action: 'redact-message',
        params: { file: '../../etc/passwd', ts: '1', digest: 'x' },
      },
    ];
    const out: StepResult[] = [];
    for await (const r of a.erase!(steps, new IdentityMatcher([ANN]), ctx())) out.push(r);
    expect(out[0]!.status).toBe('failed');
  });
});
