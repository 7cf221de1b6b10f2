// The Slack export adapter's identities(): the profile email and id of every account in
// users.json, and every id a message names (author, `<@U…>` mentions, user elements of its
// blocks) in every day file, canonical, so that `replay` recognises an erased person a restore
// brought back — also one whose account is no longer in users.json.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { slackSourceSchema } from '../../src/adapters/slack/config.js';
import { slackExportFactory } from '../../src/adapters/slack/index.js';
import type { SourceAdapter } from '../../src/adapters/types.js';
import { loadConfig } from '../../src/core/config.js';
import { SourceError } from '../../src/core/errors.js';
import { normalizeEmail, type Identity } from '../../src/core/identity.js';
import { findRestored, type ErasedSubject } from '../../src/core/replay.js';
import { StateDir } from '../../src/state/state-dir.js';
import { ROOT, demoSource } from '../helpers/demo-config.js';
import { discoverAll, testContext } from '../helpers/many.js';
import { expectCanonical, expectEachFinds, expectMatchedListed, keys, listIdentities } from '../helpers/identities.js';

const email = (value: string): Identity => ({ type: 'email', value });
const slackId = (value: string): Identity => ({ type: 'slack-id', value });
const ctx = testContext;

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'privacyctl-slack-ids-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/** The Slack source of the demo config (privacyctl.yaml). */
function demoAdapter(): { adapter: SourceAdapter; root: string } {
  const { cfg, adapter } = demoSource(slackExportFactory, path.join(dir, '.privacyctl'));
  return { adapter, root: path.join(ROOT, cfg.path) };
}

/** An export written from `files` (path → JSON value, or raw text) under `dir/slack`. */
function writeExport(files: Record<string, unknown>): string {
  const root = path.join(dir, 'slack');
  for (const [rel, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), typeof content === 'string' ? content : JSON.stringify(content, null, 4));
  }
  return root;
}

function adapter(files: Record<string, unknown>, cfg: Record<string, unknown> = {}): SourceAdapter {
  writeExport(files);
  const parsed = slackSourceSchema.parse({ name: 'slack', kind: 'slack-export', path: 'slack', ...cfg });
  return slackExportFactory.create(parsed, { configDir: dir, stateDir: path.join(dir, '.privacyctl') });
}

/** Every file of an export, as text. */
function exportTexts(root: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(path.join(d, e.name));
      else if (e.name.endsWith('.json')) out.push(fs.readFileSync(path.join(d, e.name), 'utf8'));
    }
  };
  walk(root);
  return out;
}

/**
 * Candidates read from the export's text without the adapter's parsers: every address-like
 * token, and every word that looks like a Slack id (a capital U, W or B and more capitals or digits).
 */
function candidates(texts: string[]): Identity[] {
  const out = new Map<string, Identity>();
  for (const text of texts) {
    for (const tok of text.split(/[\s,;<>"|()]+/)) {
      const e = normalizeEmail(tok);
      if (e) out.set(`email:${e}`, email(e));
    }
    for (const m of text.matchAll(/\b[UWB][A-Z0-9]{2,}\b/g)) out.set(`slack-id:${m[0].toLowerCase()}`, slackId(m[0].toLowerCase()));
  }
  return [...out.values()];
}

const user = (id: string, profileEmail?: string, extra: Record<string, unknown> = {}) => ({
  id,
  name: id.toLowerCase(),
  real_name: `Person ${id}`,
  profile: { real_name: `Person ${id}`, display_name: id.toLowerCase(), ...(profileEmail !== undefined ? { email: profileEmail } : {}) },
  ...extra,
});
const message = (userId: string, text: string, ts: string, extra: Record<string, unknown> = {}) => ({ type: 'message', user: userId, text, ts, ...extra });

/** A generated export: odd profile emails, an erased (redacted) account, ids named only in messages. */
const GENERATED = {
  'users.json': [
    user('U0UPPER', 'Ann.Upper@Example.ORG'),
    user('U0NAMED', 'Bo Named <BO@Example.org>'),
    user('U0DECOMP', 'Zoe\u0308@Example.NET'),
    user('W0ENTERPRISE', 'ent@example.com', { deleted: true }),
    user('B0BOT', undefined, { is_bot: true }),
    { id: 'U0REDACTED', name: 'redacted-user', deleted: true, real_name: '[redacted]', profile: { real_name: '[redacted]', display_name: '[redacted]' } },
    { name: 'no id at all', profile: { email: 'noid@example.org' } },
  ],
  'channels.json': [{ id: 'C01', name: 'general' }],
  'dms.json': [{ id: 'D0DM', members: ['U0UPPER', 'U0GONE'] }],
  'general/2024-01-08.json': [
    message('U0UPPER', 'hello <@U0MENTIONED> and <@U0PIPE|pipe>', '1704700000.000100'),
    message('U0GONE', 'an account deleted from users.json', '1704700001.000100'),
    message('U0NAMED', 'see block', '1704700002.000100', {
      blocks: [{ type: 'rich_text', elements: [{ type: 'rich_text_section', elements: [{ type: 'user', user_id: 'U0BLOCK' }] }] }],
    }),
    message('USLACKBOT', 'This message was deleted.', '1704700003.000100', { subtype: 'tombstone', hidden: true }),
    'not a message',
  ],
  // one line, not pretty-printed
  'D0DM/2024-01-09.json': JSON.stringify([
    message('U0GONE', 'a DM to <@U0UPPER>', '1704800000.000100'),
    message('U0REDACTED', 'still here', '1704800001.000100'),
  ]),
  'general/notes.json': JSON.stringify([message('U0NOTADAYFILE', 'not a day file', '1')]),
};

describe('slack identities() on the demo export (privacyctl.yaml)', () => {
  it('lists every identity in the records and links discover finds for the demo people, canonical and once each', async () => {
    const { adapter: a } = demoAdapter();
    const c = ctx();
    const ids = await listIdentities(a, c);
    expect(c.stats).toMatchObject({ users: 5, files: 6 });
    expectCanonical(ids);
    const listed = keys(ids);
    const people: Identity[][] = [
      [email('ann@example.org')],
      [email('ann@example.org'), slackId('u01ann')],
      [slackId('u01ann')],
      [email('bo@lanternfish.example')],
      [email('joann@example.org')],
      [email('zoë.lindqvist@example.net')],
      [slackId('u04zoe')],
      [email('dana.ruiz@example.com')],
    ];
    expect(await expectMatchedListed(a, listed, people, { links: true })).toBeGreaterThan(15);
    expect([...listed].sort()).toEqual(
      [
        'email:ann@example.org',
        'slack-id:u01ann',
        'email:bo@lanternfish.example',
        'slack-id:u02bo',
        'email:joann@example.org',
        'slack-id:u03joann',
        'email:zoë.lindqvist@example.net',
        'slack-id:u04zoe',
        'email:dana.ruiz@example.com',
        'slack-id:u05dana',
      ].sort(),
    );
  });

  it('misses nothing discover could match: every address or id-like token of the export, as a subject, finds only listed identities', async () => {
    const { adapter: a, root } = demoAdapter();
    const listed = keys(await listIdentities(a));
    const cands = candidates(exportTexts(root));
    expect(cands.length).toBeGreaterThanOrEqual(10); // 5 addresses, 5 ids
    expect(await expectMatchedListed(a, listed, [cands], { links: true })).toBeGreaterThan(10);
  });

  it('each identity listed, given to discover alone, finds a record or a link', async () => {
    const { adapter: a } = demoAdapter();
    await expectEachFinds(a, await listIdentities(a));
  });
});

describe('slack identities() on a generated export', () => {
  it('gives profile emails and ids in canonical form, and the ids of authors, mentions and block user elements', async () => {
    const c = ctx();
    const ids = await listIdentities(adapter(GENERATED), c);
    expect(c.stats).toMatchObject({ users: 7, files: 2 });
    expectCanonical(ids);
    expect([...keys(ids)].sort()).toEqual(
      [
        'email:ann.upper@example.org',
        'slack-id:u0upper',
        'email:bo@example.org', // Bo Named <BO@Example.org>
        'slack-id:u0named',
        'email:zo\u00eb@example.net', // NFC
        'slack-id:u0decomp',
        'email:ent@example.com',
        'slack-id:w0enterprise',
        'slack-id:b0bot',
        'slack-id:u0mentioned', // <@U0MENTIONED>
        'slack-id:u0pipe', // <@U0PIPE|pipe>
        'slack-id:u0gone', // an author no longer in users.json
        'slack-id:u0block', // a user element of a message's blocks
        'slack-id:uslackbot', // a tombstone's author: harmless
        'slack-id:u0redacted', // an erased account's id, from its messages (its profile names nobody)
      ].sort(),
    );
    const listed = keys(ids);
    // an account without an id is skipped, as discover skips it; a file that is not a day file is not read
    expect(listed.has('email:noid@example.org')).toBe(false);
    expect(listed.has('slack-id:u0notadayfile')).toBe(false);
  });

  it('a redacted account with no messages lists nothing', async () => {
    const ids = await listIdentities(
      adapter({
        'users.json': [
          { id: 'U0REDACTED', name: 'redacted-user', deleted: true, real_name: '[redacted]', profile: { real_name: '[redacted]' } },
          user('U0ANN', 'ann@example.org'),
        ],
      }),
    );
    expect([...keys(ids)].sort()).toEqual(['email:ann@example.org', 'slack-id:u0ann']);
  });

  it('lists every identity discover matches, and each identity listed finds a record or a link on its own', async () => {
    const a = adapter(GENERATED);
    const ids = await listIdentities(a);
    const listed = keys(ids);
    expect(await expectMatchedListed(a, listed, [candidates(exportTexts(path.join(dir, 'slack')))], { links: true })).toBeGreaterThan(10);
    await expectEachFinds(a, ids);
  });

  it('a malformed day file or users.json fails the listing as it fails discover', async () => {
    const broken = adapter({
      'users.json': [user('U0ANN', 'ann@example.org')],
      'general/2024-01-08.json': '[{"type": "message", "user": "U0ANN", "text": "hi", "ts": "1"},\n{"user": "U0ANN" ',
    });
    const fromDiscover = await discoverAll(broken, [email('ann@example.org')]).then(
      () => null,
      (err: unknown) => err as Error,
    );
    const fromList = await listIdentities(broken).then(
      () => null,
      (err: unknown) => err as Error,
    );
    expect(fromList).toBeInstanceOf(SourceError);
    expect(fromList?.message).toBe(fromDiscover?.message);
    fs.writeFileSync(path.join(dir, 'slack', 'users.json'), '{"not": "an array"}');
    await expect(listIdentities(broken)).rejects.toBeInstanceOf(SourceError);
    fs.rmSync(path.join(dir, 'slack'), { recursive: true });
    await expect(listIdentities(broken)).rejects.toBeInstanceOf(SourceError);
  });
});

describe('replay over a slack source', () => {
  function setUp(files: Record<string, unknown>) {
    writeExport(files);
    const file = path.join(dir, 'privacyctl.yaml');
    fs.writeFileSync(file, `stateDir: ${JSON.stringify(path.join(dir, '.privacyctl'))}\nsources:\n  - name: chat\n    kind: slack-export\n    path: slack\n`);
    const config = loadConfig(file);
    return { config, state: new StateDir(config.stateDir) };
  }
  const opts = { signal: new AbortController().signal, log: { info() {}, warn() {} } };

  it('recognises a person, erased by address and id, whose messages a restore brought back although users.json no longer names them', async () => {
    const { config, state } = setUp({
      'users.json': [user('U0BO', 'bo@example.org')],
      'general/2024-01-08.json': [message('U0ANN', 'restored from the backup', '1704700000.000100'), message('U0BO', 'hi <@U0ANN>', '1704700001.000100')],
    });
    const erased: ErasedSubject = {
      ref: 'r1',
      hashes: new Set([state.hashIdentity(email('ann@example.org')), state.hashIdentity(slackId('u0ann'))]),
      planIds: ['p1'],
      lastErasedAt: '',
    };
    const other: ErasedSubject = { ref: 'r2', hashes: new Set([state.hashIdentity(email('never@example.org'))]), planIds: ['p2'], lastErasedAt: '' };
    const { restored, sources } = await findRestored(config, state, [erased, other], opts);
    expect(sources).toEqual([{ name: 'chat', status: 'ok', identities: 3 }]);
    expect(restored.map((r) => [r.subject.ref, r.identities.map((i) => `${i.type}:${i.value}`)])).toEqual([['r1', ['slack-id:u0ann']]]);
  });

  it('recognises a person erased by address from a restored users.json that writes it in upper case', async () => {
    const { config, state } = setUp({ 'users.json': [user('U0ANN', 'ANN@Example.ORG')] });
    const erased: ErasedSubject = { ref: 'r1', hashes: new Set([state.hashIdentity(email('ann@example.org'))]), planIds: ['p1'], lastErasedAt: '' };
    const { restored } = await findRestored(config, state, [erased], opts);
    expect(restored.map((r) => r.identities.map((i) => `${i.type}:${i.value}`))).toEqual([['email:ann@example.org']]);
  });
});
