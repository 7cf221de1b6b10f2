// The mbox adapter's identities(): every address discover could match in a message's address
// headers (decoded, canonical, pipermail's "user at domain" too), so that `replay` recognises an
// erased person whose posts a restore brought back.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { mboxSourceSchema } from '../../src/adapters/mbox/config.js';
import { mboxFactory } from '../../src/adapters/mbox/index.js';
import type { SourceAdapter } from '../../src/adapters/types.js';
import type { LoadedConfig } from '../../src/core/config.js';
import { IdentityMatcher, identityKey, type Identity } from '../../src/core/identity.js';
import { isIdentityLink, type PersonalRecord } from '../../src/core/record.js';
import { findRestored } from '../../src/core/replay.js';
import { StateDir } from '../../src/state/state-dir.js';
import { testContext } from '../helpers/many.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const MAIL = path.join(ROOT, 'fixtures', 'demo', 'mail');
const email = (value: string): Identity => ({ type: 'email', value });

const EXTRA = [
  'From pia at quarry.example  Tue Feb  4 10:00:00 2025',
  'From: pia at quarry.example (Pia Marsh)',
  'To: dev@lists.lanternfish.example',
  'Message-ID: <pipermail@t>',
  '',
  'Posted through an old archive.',
  '',
  'From someone@example.com Tue Feb  4 11:00:00 2025',
  'From: =?utf-8?q?Ol=C3=BA_Fenn?= <=?utf-8?q?OLU?=@Quarry.example>',
  'Cc: =?x-unknown-charset?q?Ivo?= <ivo@quarry.example>',
  'Message-ID: <encoded@t>',
  '',
  'An encoded word that no decoder knows: mailparser reads these headers.',
  '',
].join('\n');

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'privacyctl-mbox-ids-'));
  fs.mkdirSync(path.join(dir, 'mail'));
  for (const f of fs.readdirSync(MAIL)) fs.copyFileSync(path.join(MAIL, f), path.join(dir, 'mail', f));
  fs.writeFileSync(path.join(dir, 'mail', 'extra.mbox'), EXTRA);
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function adapter(): SourceAdapter {
  const cfg = mboxSourceSchema.parse({ name: 'dev-list', kind: 'mbox', paths: ['mail/*.mbox'] });
  return mboxFactory.create(cfg, { configDir: dir, stateDir: path.join(dir, '.privacyctl') });
}

async function listed(a: SourceAdapter): Promise<string[]> {
  const out: string[] = [];
  for await (const id of a.identities!(testContext())) out.push(identityKey(id));
  return out;
}

async function records(a: SourceAdapter, ids: Identity[]): Promise<PersonalRecord[]> {
  const out: PersonalRecord[] = [];
  for await (const x of a.discover(new IdentityMatcher(ids), testContext())) if (!isIdentityLink(x)) out.push(x);
  return out;
}

describe('MboxAdapter.identities', () => {
  it('lists each address once, canonical: decoded words, pipermail form, mailparser for what will not decode', async () => {
    const ids = await listed(adapter());
    expect(new Set(ids).size).toBe(ids.length);
    for (const want of [
      'email:ann@example.org',
      'email:bo@lanternfish.example',
      'email:zoë.lindqvist@example.net',
      'email:pia@quarry.example',
      'email:olu@quarry.example',
      'email:ivo@quarry.example',
    ]) {
      expect(ids).toContain(want);
    }
    for (const id of ids) expect(id).toBe(id.toLowerCase());
  });

  it('misses nothing discover finds, and each address listed finds a record on its own', async () => {
    const a = adapter();
    const ids = await listed(a);
    const emails = ids.filter((k) => k.startsWith('email:')).map((k) => k.slice('email:'.length));
    // every address-like word of the files (bodies and envelopes too, both spellings), searched
    // for: whatever record discover finds, its address is listed
    const raw = fs
      .readdirSync(path.join(dir, 'mail'))
      .map((f) => fs.readFileSync(path.join(dir, 'mail', f), 'latin1'))
      .join('\n');
    const words = new Set<string>();
    for (const m of raw.matchAll(/[^\s<>(),;:"'=?]+@[^\s<>(),;:"'=?]+/g)) words.add(m[0].toLowerCase());
    for (const m of raw.matchAll(/([^\s<>(),;:"'@]+) at ([^\s<>(),;:"'@]+\.[a-z]+)/gi)) words.add(`${m[1]}@${m[2]}`.toLowerCase());
    for (const w of ['olu@quarry.example', 'ivo@quarry.example', 'zoë.lindqvist@example.net']) words.add(w);
    const all = await records(a, [...words].map(email));
    expect(all.length).toBeGreaterThan(10);
    for (const r of all) for (const m of r.matched) expect(ids).toContain(identityKey(m));
    // and every address listed is one discover matches (no listing of body text, names, ids)
    for (const e of emails) expect((await records(a, [email(e)])).length).toBeGreaterThan(0);
  });

  it('lets replay recognise an erased person whose posts a restore brought back', async () => {
    const state = new StateDir(path.join(dir, '.privacyctl'));
    const hashes = new Set([state.hashIdentity(email('pia@quarry.example'))]);
    const a = adapter();
    const config = {
      file: 'x.yaml',
      dir,
      stateDir: state.path,
      controller: { name: 'T', contact: 't@example.org', responseDays: 30 },
      sources: [
        {
          index: 0,
          name: 'dev-list',
          kind: 'mbox',
          config: { name: 'dev-list', kind: 'mbox' },
          facts: mboxFactory.suggestedFacts,
          factory: { ...mboxFactory, create: () => a },
        },
      ],
    } as unknown as LoadedConfig;
    const { restored, sources } = await findRestored(config, state, [{ ref: 'r', hashes, planIds: ['p'], lastErasedAt: '' }], {
      signal: new AbortController().signal,
      log: { info() {}, warn() {} },
    });
    expect(sources).toEqual([expect.objectContaining({ name: 'dev-list', status: 'ok' })]);
    expect(restored.map((r) => r.identities.map((i) => i.value))).toEqual([['pia@quarry.example']]);
  });
});
