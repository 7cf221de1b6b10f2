// The gitdm adapter's identities(): every login and address (either written form) of the
// affiliation files and email-map, canonical, with the login a noreply address names, so that
// `replay` recognises an erased person a restore brought back.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gitdmSourceSchema } from '../../src/adapters/gitdm/config.js';
import { gitdmFactory } from '../../src/adapters/gitdm/index.js';
import type { SourceAdapter } from '../../src/adapters/types.js';
import { loadConfig } from '../../src/core/config.js';
import { SourceError } from '../../src/core/errors.js';
import { normalizeEmail, normalizeGithub, type Identity } from '../../src/core/identity.js';
import { findRestored, type ErasedSubject } from '../../src/core/replay.js';
import { StateDir } from '../../src/state/state-dir.js';
import { ROOT, demoSource } from '../helpers/demo-config.js';
import { expectCanonical, expectEachFinds, expectMatchedListed, keys, listIdentities } from '../helpers/identities.js';
import { testContext } from '../helpers/many.js';

const email = (value: string): Identity => ({ type: 'email', value });
const github = (value: string): Identity => ({ type: 'github', value });
const ctx = testContext;

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'privacyctl-gitdm-ids-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/** The gitdm source of the demo config (privacyctl.yaml). */
function demoAdapter(): { adapter: SourceAdapter; files: string[] } {
  const { cfg, adapter } = demoSource(gitdmFactory, path.join(dir, '.privacyctl'));
  return { adapter, files: cfg.files.map((f) => path.join(ROOT, typeof f === 'string' ? f : f.path)) };
}

function adapter(files: Record<string, string>): SourceAdapter {
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  const cfg = gitdmSourceSchema.parse({ name: 'gitdm', kind: 'gitdm', files: Object.keys(files) });
  return gitdmFactory.create(cfg, { configDir: dir, stateDir: path.join(dir, '.privacyctl') });
}

/** Candidates read from the files' text without the adapter's parser: address-like tokens and login-like words. */
function candidates(texts: string[]): Identity[] {
  const out = new Map<string, Identity>();
  for (const text of texts) {
    for (const tok of text.split(/[\s,;:<>]+/)) {
      const e = normalizeEmail(tok);
      if (e) out.set(`email:${e}`, email(e));
      for (const part of tok.split(/[@!/+]/)) {
        const g = normalizeGithub(part);
        if (g) out.set(`github:${g}`, github(g));
      }
    }
  }
  return [...out.values()];
}

describe('gitdm identities() on the demo files (privacyctl.yaml)', () => {
  it('lists every identity in the records discover finds for the demo people, canonical and once each', async () => {
    const { adapter: a } = demoAdapter();
    const c = ctx();
    const ids = await listIdentities(a, c);
    expect(c.stats['files']).toBe(3);
    expectCanonical(ids);
    const listed = keys(ids);
    const people: Identity[][] = [
      [email('ann@example.org'), github('ann-example')],
      [email('ann@lanternfish.example')],
      [email('1234567+ann-example@users.noreply.github.com')],
      [github('ann-example')],
      [email('bo@lanternfish.example'), github('botr')],
      [github('dana-r')],
      [email('dana.ruiz@example.com')],
      [email('joann@example.org')],
      [email('zoë.lindqvist@example.net')],
      [github('quinn-k')],
    ];
    expect(await expectMatchedListed(a, listed, people)).toBeGreaterThan(15);
    expect([...listed].sort()).toEqual(
      [
        'github:ann-example',
        'email:ann@example.org',
        'email:ann@lanternfish.example',
        'email:1234567+ann-example@users.noreply.github.com',
        'github:botr',
        'email:bo@lanternfish.example',
        'email:1234568+botr@users.noreply.github.com',
        'github:dana-r',
        'email:dana.ruiz@example.com',
        'email:4242+dana-r@users.noreply.github.com',
        'github:joann-d',
        'email:joann@example.org',
        'github:zoe-lq',
        'email:zoë.lindqvist@example.net',
        'github:quinn-k',
        'email:quinn@quayside.example',
      ].sort(),
    );
  });

  it('misses nothing discover could match: every token of the files, as a subject, finds only listed identities', async () => {
    const { adapter: a, files } = demoAdapter();
    const listed = keys(await listIdentities(a));
    const cands = candidates(files.map((f) => fs.readFileSync(f, 'utf8')));
    expect(cands.length).toBeGreaterThan(30);
    expect(await expectMatchedListed(a, listed, [cands])).toBeGreaterThan(15);
  });

  it('each identity listed, given to discover alone, finds a record', async () => {
    const { adapter: a } = demoAdapter();
    await expectEachFinds(a, await listIdentities(a));
  });
});

describe('gitdm identities() on generated files', () => {
  const FILES = {
    'developers_affiliations1.txt': [
      '# comment: not-a-login: nobody!example.org',
      'Quinn-K: QUINN!Quayside.example, quinn@quayside.example',
      '\tQuayside Systems',
      'github.com/Zoe-LQ: zoe\u0308.lindqvist!example.net',
      '\tLanternfish Labs',
      'shared-desk: bo!lanternfish.example, joann!example.org, 99+Dana-R!users.noreply.github.com',
      '\tLanternfish Labs',
      'xann: xann!example.org, ann!example.org.uk',
      '\tElsewhere',
      'bad_login: mailto:Odd!Example.com',
      '\tNowhere',
      '',
    ].join('\n'),
    'developers_affiliations2.txt': 'Ann-Example: ANN!Example.org\r\n\tLanternfish Labs\r\nlonely:\r\n\tNo addresses', // CRLF, no final newline
    'email-map':
      '# a comment\nANN!Lanternfish.Example Lanternfish Labs < 2021-03-01\nMixed@Case.example   Someone Inc\n7+Map-Login!users.noreply.github.com Independent\nnot-an-address Some Company\n',
  };

  it('gives every spelling in canonical form: upper case, user!domain, @ form, decomposed Unicode, profile-link logins, noreply logins', async () => {
    const a = adapter(FILES);
    const ids = await listIdentities(a);
    expectCanonical(ids);
    expect(ids.some((id) => /[A-Z!]/.test(id.value))).toBe(false);
    expect([...keys(ids)].sort()).toEqual(
      [
        'github:quinn-k',
        'email:quinn@quayside.example', // QUINN!Quayside.example and quinn@quayside.example: one identity
        'github:zoe-lq', // github.com/Zoe-LQ
        'email:zo\u00eb.lindqvist@example.net', // NFC
        'github:shared-desk',
        'email:bo@lanternfish.example',
        'email:joann@example.org',
        'email:99+dana-r@users.noreply.github.com',
        'github:dana-r', // named by the noreply address
        'github:xann',
        'email:xann@example.org',
        'email:ann@example.org.uk',
        'email:odd@example.com', // mailto:Odd!Example.com; bad_login is no GitHub login
        'github:ann-example',
        'email:ann@example.org',
        'github:lonely',
        'email:ann@lanternfish.example',
        'email:mixed@case.example',
        'email:7+map-login@users.noreply.github.com',
        'github:map-login',
      ].sort(),
    );
  });

  it('lists every identity discover matches, and each identity listed finds a record on its own', async () => {
    const a = adapter(FILES);
    const ids = await listIdentities(a);
    expect(await expectMatchedListed(a, keys(ids), [candidates(Object.values(FILES))])).toBeGreaterThan(15);
    await expectEachFinds(a, ids);
  });

  it('a missing file fails the listing as it fails discover', async () => {
    const cfg = gitdmSourceSchema.parse({ name: 'gitdm', kind: 'gitdm', files: ['email-map'] });
    const a = gitdmFactory.create(cfg, { configDir: dir, stateDir: path.join(dir, '.privacyctl') });
    await expect(listIdentities(a)).rejects.toBeInstanceOf(SourceError);
  });
});

describe('replay over the gitdm source', () => {
  it('recognises a person erased by an address that the restored file writes user!domain in upper case', async () => {
    fs.writeFileSync(path.join(dir, 'developers_affiliations.txt'), 'someone: Ann!Example.ORG\n\tLanternfish Labs\n');
    const file = path.join(dir, 'privacyctl.yaml');
    fs.writeFileSync(
      file,
      `stateDir: ${JSON.stringify(path.join(dir, '.privacyctl'))}\nsources:\n  - name: gitdm\n    kind: gitdm\n    files: [developers_affiliations.txt]\n`,
    );
    const config = loadConfig(file);
    const state = new StateDir(config.stateDir);
    const erased: ErasedSubject = {
      ref: 'r1',
      hashes: new Set([state.hashIdentity(email('ann@example.org')), state.hashIdentity(github('ann-example'))]),
      planIds: ['p1'],
      lastErasedAt: '',
    };
    const { restored, sources } = await findRestored(config, state, [erased], { signal: new AbortController().signal, log: { info() {}, warn() {} } });
    expect(sources).toEqual([{ name: 'gitdm', status: 'ok', identities: 2 }]);
    expect(restored.map((r) => r.identities.map((i) => `${i.type}:${i.value}`))).toEqual([['email:ann@example.org']]);
  });
});
