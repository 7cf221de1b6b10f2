// The gitdm adapter's discoverMany: each affiliation file read once for a batch of subjects,
// each subject getting exactly what discover gives it alone.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gitdmSourceSchema } from '../../src/adapters/gitdm/config.js';
import { gitdmFactory } from '../../src/adapters/gitdm/index.js';
import type { SourceAdapter } from '../../src/adapters/types.js';
import { IdentityMatcher, normalizeEmail, type Identity } from '../../src/core/identity.js';
import { isIdentityLink, type IdentityLink, type PersonalRecord } from '../../src/core/record.js';
import { demoSource } from '../helpers/demo-config.js';
import { expectManyMatchesSingle, testContext } from '../helpers/many.js';

const email = (value: string): Identity => ({ type: 'email', value });
const github = (value: string): Identity => ({ type: 'github', value });
const who = (...ids: Identity[]) => new IdentityMatcher(ids);

// The fixtures of gitdm-adapter.test.ts.
const AFF1 = [
  '# Developers and their affiliations',
  'ann-example: ann!example.org, ann!lanternfish.example',
  '\tIndependent until 2021-03-01',
  '\tLanternfish Labs',
  'joann-d: joann!example.org',
  '\tQuayside Systems',
  'botr: bo!lanternfish.example',
  '\tLanternfish Labs',
  'ann-example: 1234567+ann-example!users.noreply.github.com',
  '\tLanternfish Labs from 2021-03-01',
  'dana-r: dana.ruiz!example.com',
  '\tRuiz Partners from 2019-01-01 until 2022-06-30',
  '\tIndependent',
  '',
].join('\n');
const AFF2 = 'zoe-lq: zoë.lindqvist!example.net\r\n\tLanternfish Labs\r\nann-example: ann+gitdm!example.org\r\n    Lanternfish Labs'; // CRLF, spaces, no final newline
const EMAIL_MAP =
  'ann!example.org Independent < 2021-03-01\nann!example.org Lanternfish Labs\njoann!example.org Quayside Systems\nbo!lanternfish.example   Lanternfish Labs\n';
// Written forms beyond those: upper case, decomposed Unicode, a login in another case and as a
// profile link, `@` addresses, a block two people's addresses share, a near miss.
const AFF3 = [
  'Quinn-K: QUINN!Quayside.example, quinn@quayside.example',
  '\tQuayside Systems',
  'github.com/Zoe-LQ: zoe\u0308.lindqvist!example.net',
  '\tLanternfish Labs',
  'shared-desk: bo!lanternfish.example, joann!example.org, 99+Dana-R!users.noreply.github.com',
  '\tLanternfish Labs',
  'xann: xann!example.org, ann!example.org.uk',
  '\tElsewhere',
  '',
].join('\n');
const EMAIL_MAP2 = 'QUINN!quayside.example Quayside Systems\nzoe\u0308.lindqvist!example.net Lanternfish Labs\nxann!example.org Elsewhere\n';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'privacyctl-gitdm-many-'));
  fs.writeFileSync(path.join(dir, 'developers_affiliations1.txt'), AFF1);
  fs.writeFileSync(path.join(dir, 'developers_affiliations2.txt'), AFF2);
  fs.writeFileSync(path.join(dir, 'developers_affiliations3.txt'), AFF3);
  fs.writeFileSync(path.join(dir, 'email-map'), EMAIL_MAP);
  fs.writeFileSync(path.join(dir, 'email-map2'), EMAIL_MAP2);
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function adapter(
  files = ['developers_affiliations1.txt', 'developers_affiliations2.txt', 'developers_affiliations3.txt', 'email-map', 'email-map2'],
): SourceAdapter {
  const cfg = gitdmSourceSchema.parse({ name: 'gitdm', kind: 'gitdm', files });
  return gitdmFactory.create(cfg, { configDir: dir, stateDir: path.join(dir, '.privacyctl') });
}

function demoAdapter(): SourceAdapter {
  return demoSource(gitdmFactory, path.join(dir, '.privacyctl')).adapter;
}

function split(items: Array<PersonalRecord | IdentityLink>): { records: PersonalRecord[]; links: IdentityLink[] } {
  return { records: items.filter((x): x is PersonalRecord => !isIdentityLink(x)), links: items.filter(isIdentityLink) };
}

const summary = (r: PersonalRecord) => `${r.locator} ${r.disposition}`;

describe('gitdm discoverMany', () => {
  it("gives each subject what discover gives it: a block that is one subject's and a manual step for another", async () => {
    const subjects = [
      who(email('ann@example.org')), // only the address: ann-example's block is a manual step
      who(github('ann-example')), // the login: the blocks are hers
      who(email('ann@example.org'), github('ann-example')), // email + GitHub handle
      who(email('joann@example.org')),
      who(email('1234567+ann-example@users.noreply.github.com')),
      who(email('ann+gitdm@example.org')),
      who(email('nobody@example.org')), // no data
      who({ type: 'ip', value: '203.0.113.7' }), // nothing gitdm can match
      who(email('bo@lanternfish.example'), email('joann@example.org')), // shares the shared-desk block and email-map lines with subject 3
      who(github('quinn-k')), // login written Quinn-K
      who(email('quinn@quayside.example')), // QUINN!Quayside.example and quinn@quayside.example
      who(github('zoe-lq')), // login written as a profile link, and zoe-lq
      who(email(normalizeEmail('zoe\u0308.lindqvist@example.net')!)), // decomposed in one file, composed in another
      who(github('dana-r')), // login, and a noreply address in the shared-desk block
      who(email('ann@example.org'), github('ann-example'), email('ann@lanternfish.example')), // the login and every address of its first block
    ];
    const many = (await expectManyMatchesSingle(adapter(), subjects)).map(split);
    // the same block: a manual step while an entry of it is not known to be the subject's, by
    // address or by login; removed whole once the login and every address are theirs
    expect(many[0]!.records.find((r) => r.locator === 'developers_affiliations1.txt:2')!.disposition).toBe('manual');
    expect(many[1]!.records.find((r) => r.locator === 'developers_affiliations1.txt:2')!.disposition).toBe('manual');
    expect(many[2]!.records.find((r) => r.locator === 'developers_affiliations1.txt:2')!.disposition).toBe('manual');
    expect(many[14]!.records.find((r) => r.locator === 'developers_affiliations1.txt:2')!.action).toBe('remove-block');
    expect(many[0]!.records.filter((r) => r.locator.startsWith('email-map:')).map(summary)).toEqual(['email-map:1 erase', 'email-map:2 erase']);
    expect(many[2]!.records.filter((r) => r.locator.startsWith('email-map:')).map(summary)).toEqual(['email-map:1 erase', 'email-map:2 erase']);
    expect(many[4]!.records.map((r) => r.locator)).toEqual(['developers_affiliations1.txt:9']);
    expect(many[5]!.records.map((r) => r.locator)).toEqual(['developers_affiliations2.txt:3']);
    expect(many[6]).toEqual({ records: [], links: [] });
    expect(many[7]).toEqual({ records: [], links: [] });
    // the shared-desk block lists the addresses of subjects 3 and 8: a manual step for each
    expect(many[3]!.records.filter((r) => r.locator === 'developers_affiliations3.txt:5').map(summary)).toEqual(['developers_affiliations3.txt:5 manual']);
    expect(many[8]!.records.filter((r) => r.locator === 'developers_affiliations3.txt:5').map(summary)).toEqual(['developers_affiliations3.txt:5 manual']);
    expect(many[3]!.records.find((r) => r.locator === 'developers_affiliations3.txt:5')!.data['emails']).toEqual(['joann!example.org']);
    expect(many[8]!.records.find((r) => r.locator === 'developers_affiliations3.txt:5')!.data['emails']).toEqual([
      'bo!lanternfish.example',
      'joann!example.org',
    ]);
    expect(many[9]!.records.map(summary)).toEqual(['developers_affiliations3.txt:1 manual']); // its addresses are not known to be quinn-k's
    expect(many[10]!.records.map(summary)).toEqual(['developers_affiliations3.txt:1 manual', 'email-map2:1 erase']);
    expect(many[11]!.records.map((r) => r.locator)).toEqual(['developers_affiliations2.txt:1', 'developers_affiliations3.txt:3']);
    expect(many[12]!.records.map((r) => r.locator)).toEqual(['developers_affiliations2.txt:1', 'developers_affiliations3.txt:3', 'email-map2:2']);
    expect(many[13]!.records.map(summary)).toEqual(['developers_affiliations1.txt:11 manual', 'developers_affiliations3.txt:5 manual']);
    expect(JSON.stringify(many.flatMap((m) => m.records))).not.toMatch(/xann|example\.org\.uk|Elsewhere/);
  });

  it('on the demo files (privacyctl.yaml)', async () => {
    const many = (
      await expectManyMatchesSingle(demoAdapter(), [
        who(email('ann@example.org')),
        who(email('ann@example.org'), github('ann-example')),
        who(github('ann-example')),
        who(email('bo@lanternfish.example')),
        who(github('botr')),
        who(email('dana.ruiz@example.com')),
        who(github('dana-r')),
        who(email('nobody@example.org')),
      ])
    ).map(split);
    expect(many[0]!.records.map(summary)).toEqual([
      'fixtures/demo/gitdm/developers_affiliations1.txt:4 manual',
      'fixtures/demo/gitdm/email-map:1 erase',
      'fixtures/demo/gitdm/email-map:2 erase',
    ]);
    expect(many[1]!.records.map(summary)).toEqual([
      'fixtures/demo/gitdm/developers_affiliations1.txt:4 manual', // ann@lanternfish.example is only a candidate
      'fixtures/demo/gitdm/developers_affiliations2.txt:2 erase',
      'fixtures/demo/gitdm/email-map:1 erase',
      'fixtures/demo/gitdm/email-map:2 erase',
    ]);
    expect(many[7]).toEqual({ records: [], links: [] });
  });

  it('reads each file once for the batch, and nothing for a batch with no email or login', async () => {
    const ctx = testContext();
    for await (const _ of adapter().discoverMany!([who(email('ann@example.org')), who(github('ann-example')), who(github('quinn-k'))], ctx)) void _;
    expect(ctx.stats).toEqual({ files: 5 });
    fs.rmSync(path.join(dir, 'email-map'));
    const none = testContext();
    const items = [];
    for await (const t of adapter().discoverMany!([who({ type: 'ip', value: '203.0.113.7' }), who({ type: 'name', value: 'Ann' })], none)) items.push(t);
    expect(items).toEqual([]);
    expect(none.stats).toEqual({});
  });
});
