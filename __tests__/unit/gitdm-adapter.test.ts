import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FORBIDDEN_FILES, gitdmFactory } from '../../src/adapters/gitdm/index.js';
import { gitdmSourceSchema } from '../../src/adapters/gitdm/config.js';
import { parseAffiliation, parseEmailMapLine } from '../../src/adapters/gitdm/parse.js';
import type { AdapterContext, SourceAdapter, StepResult } from '../../src/adapters/types.js';
import { SourceError } from '../../src/core/errors.js';
import { IdentityMatcher, type Identity } from '../../src/core/identity.js';
import { stepsFor } from '../../src/core/plan.js';
import { policyViolation } from '../../src/core/policy.js';
import type { PersonalRecord } from '../../src/core/record.js';
import { discoverAll } from '../helpers/many.js';

const ANN: Identity = { type: 'email', value: 'ann@example.org' };
const ANN_GH: Identity = { type: 'github', value: 'ann-example' };
/** Ann's other addresses in the files: candidates until accepted. */
const ANN_LF: Identity = { type: 'email', value: 'ann@lanternfish.example' };
const ANN_PLUS: Identity = { type: 'email', value: 'ann+gitdm@example.org' };
const ANN_ALL = [ANN, ANN_GH, ANN_LF, ANN_PLUS];
const ctx = (): AdapterContext => ({ signal: new AbortController().signal, log: { info() {}, warn() {} }, stats: {} });

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

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'privacyctl-gitdm-'));
  fs.writeFileSync(path.join(dir, 'developers_affiliations1.txt'), AFF1);
  fs.writeFileSync(path.join(dir, 'developers_affiliations2.txt'), AFF2);
  fs.writeFileSync(path.join(dir, 'email-map'), EMAIL_MAP);
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function adapter(extra: Record<string, unknown> = {}): SourceAdapter {
  const cfg = gitdmSourceSchema.parse({
    name: 'gitdm',
    kind: 'gitdm',
    files: ['developers_affiliations1.txt', 'developers_affiliations2.txt', 'email-map'],
    ...extra,
  });
  return gitdmFactory.create(cfg, { configDir: dir, stateDir: path.join(dir, '.privacyctl') });
}

async function eraseAll(a: SourceAdapter, records: PersonalRecord[], ids: Identity[]): Promise<StepResult[]> {
  const out: StepResult[] = [];
  for await (const r of a.erase!(stepsFor(records), new IdentityMatcher(ids), ctx())) out.push(r);
  return out;
}

const read = (name: string) => fs.readFileSync(path.join(dir, name));

describe('gitdm parsing', () => {
  it('reads every affiliation line form and email-map lines', () => {
    expect(parseAffiliation('\tLanternfish Labs')).toEqual({ company: 'Lanternfish Labs' });
    expect(parseAffiliation('\tIndependent until 2021-03-01')).toEqual({ company: 'Independent', until: '2021-03-01' });
    expect(parseAffiliation('\tRuiz Partners from 2019-01-01 until 2022-06-30')).toEqual({ company: 'Ruiz Partners', from: '2019-01-01', until: '2022-06-30' });
    expect(parseAffiliation('\tLanternfish Labs from 2022-01-01')).toEqual({ company: 'Lanternfish Labs', from: '2022-01-01' });
    expect(parseEmailMapLine('ann!example.org Independent < 2021-03-01')).toEqual({ email: 'ann!example.org', company: 'Independent', until: '2021-03-01' });
    expect(parseEmailMapLine('bo!lanternfish.example   Lanternfish Labs')).toEqual({ email: 'bo!lanternfish.example', company: 'Lanternfish Labs' });
    expect(parseEmailMapLine('# comment')).toBeNull();
  });
});

describe('gitdm adapter', () => {
  it("an address alone does not make a block (named by its login) the subject's: a manual step without the affiliations", async () => {
    const { records, links } = await discoverAll(adapter(), [ANN]);
    expect(records.map((r) => `${r.locator} ${r.disposition} ${r.action ?? ''}`)).toEqual([
      'developers_affiliations1.txt:2 manual ',
      'email-map:1 erase remove-line',
      'email-map:2 erase remove-line',
    ]);
    for (const r of records) expect(policyViolation(r)).toBeNull();
    expect(records[0]!.data).toEqual({ file: 'developers_affiliations1.txt', line: 2, emails: ['ann!example.org'] });
    expect(records[0]!.manual).toMatch(
      /^developers_affiliations1\.txt line 2: the block's login is not known to be this person's, and it lists 1 address not known to be theirs either; nothing was removed\. .*--include-identity.*remove only this person's address\(es\) from that line$/,
    );
    expect(links.map((l) => `${l.strength} ${l.to.type}:${l.to.value}`)).toEqual(['candidate github:ann-example', 'candidate email:ann@lanternfish.example']);
    expect(JSON.stringify(records)).not.toMatch(/joann|Quayside/);
    expect(JSON.stringify(records[0])).not.toMatch(/Independent|Lanternfish Labs/); // the block's history is withheld
  });

  it('with the login and every address of the block, it is theirs: exported with its affiliations and removed whole', async () => {
    const { records } = await discoverAll(adapter(), ANN_ALL);
    const block = records.find((r) => r.locator === 'developers_affiliations1.txt:2')!;
    expect(block.action).toBe('remove-block');
    expect(block.data['affiliations']).toEqual([{ company: 'Independent', until: '2021-03-01' }, { company: 'Lanternfish Labs' }]);
  });

  it('with the login but an address not known to be theirs: their affiliations exported, and a manual step naming what is ambiguous', async () => {
    const { records } = await discoverAll(adapter(), [ANN, ANN_GH]);
    const block = records.find((r) => r.locator === 'developers_affiliations1.txt:2')!;
    expect(block).toMatchObject({ disposition: 'manual', data: { login: 'ann-example', emails: ['ann!example.org'], otherIdentitiesInBlock: 1 } });
    expect(block.data['affiliations']).toEqual([{ company: 'Independent', until: '2021-03-01' }, { company: 'Lanternfish Labs' }]);
    expect(block.manual).toMatch(
      /^developers_affiliations1\.txt line 2: this person's block also lists 1 address not known to be theirs; nothing was removed\. If those are theirs too, accept them with --include-identity/,
    );
    expect(block.manual).not.toContain('lanternfish.example'); // the other address is named by the candidate list, not in the plan
  });

  it('finds every block of a login that appears more than once, across files (noreply and plus-addressed emails)', async () => {
    const { records } = await discoverAll(adapter(), [ANN_GH]);
    expect(records.map((r) => r.locator)).toEqual(['developers_affiliations1.txt:2', 'developers_affiliations1.txt:9', 'developers_affiliations2.txt:3']);
    expect(records[1]!.matched.map((m) => `${m.type}:${m.value}:${m.field}`)).toEqual(['github:ann-example:login']);
    // a noreply address of the login matches without the login itself
    const byNoreply = await discoverAll(adapter(), [{ type: 'email', value: '1234567+ann-example@users.noreply.github.com' }]);
    expect(byNoreply.records.map((r) => r.locator)).toEqual(['developers_affiliations1.txt:9']);
    // a plus address is a different address: whole-address matching
    expect((await discoverAll(adapter(), [{ type: 'email', value: 'ann+gitdm@example.org' }])).records.map((r) => r.locator)).toEqual([
      'developers_affiliations2.txt:3',
    ]);
  });

  it('erasure removes the blocks and lines, leaving every other byte identical; a re-run reports gone', async () => {
    const { records } = await discoverAll(adapter(), ANN_ALL);
    expect(records).toHaveLength(5);
    const results = await eraseAll(adapter(), records, ANN_ALL);
    expect(results.map((r) => r.status)).toEqual(['done', 'done', 'done', 'done', 'done']);
    const lines1 = AFF1.split('\n');
    expect(read('developers_affiliations1.txt').toString('utf8')).toBe([...lines1.slice(0, 1), ...lines1.slice(4, 8), ...lines1.slice(10)].join('\n'));
    expect(read('developers_affiliations2.txt').toString('utf8')).toBe('zoe-lq: zoë.lindqvist!example.net\r\n\tLanternfish Labs\r\n');
    expect(read('email-map').toString('utf8')).toBe('joann!example.org Quayside Systems\nbo!lanternfish.example   Lanternfish Labs\n');
    expect(fs.readdirSync(dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    const again = await eraseAll(adapter(), records, ANN_ALL);
    expect(again.map((r) => r.status)).toEqual(['gone', 'gone', 'gone', 'gone', 'gone']);
    expect((await discoverAll(adapter(), ANN_ALL)).records).toEqual([]);
  });

  it('keeps a block that no longer names the subject, even when a plan lists it', async () => {
    const { records } = await discoverAll(adapter(), ANN_ALL);
    const blocks = records.filter((r) => r.action === 'remove-block');
    expect(blocks).toHaveLength(3);
    // the plan was made for ann-example; applied with a different subject nothing of hers is touched
    const results = await eraseAll(adapter(), blocks, [{ type: 'github', value: 'someone-else' }]);
    expect(results.every((r) => r.status === 'gone')).toBe(true);
    expect(read('developers_affiliations1.txt').toString('utf8')).toBe(AFF1);
    // nor a block that is no longer wholly the subject's for the identities the erasure is given
    expect((await eraseAll(adapter(), blocks, [ANN_GH])).map((r) => r.status)).toEqual(['gone', 'done', 'gone']);
    fs.writeFileSync(path.join(dir, 'developers_affiliations1.txt'), AFF1);
    // a block edited since the plan (its bytes changed) is left as it is
    fs.writeFileSync(path.join(dir, 'developers_affiliations1.txt'), AFF1.replace('\tLanternfish Labs from 2021-03-01', '\tLanternfish Labs from 2021-04-01'));
    const r2 = await eraseAll(adapter(), blocks, ANN_ALL);
    expect(r2.map((r) => r.status)).toEqual(['done', 'gone', 'done']);
    expect(read('developers_affiliations1.txt').toString('utf8')).toContain('Lanternfish Labs from 2021-04-01');
  });

  it('erase: forbidden-hashes also appends SHA-1 and SHA-256 of each identity, once', async () => {
    fs.mkdirSync(path.join(dir, 'forbidden'));
    const a = adapter({ erase: 'forbidden-hashes', forbiddenDir: 'forbidden' });
    const { records } = await discoverAll(a, [ANN]);
    await eraseAll(a, records, [ANN]);
    const sha1 = createHash('sha1').update('ann@example.org').digest('hex');
    const sha256 = createHash('sha256').update('ann@example.org').digest('hex');
    expect(read(`forbidden/${FORBIDDEN_FILES.sha1}`).toString()).toBe(`${sha1}\n`);
    expect(read(`forbidden/${FORBIDDEN_FILES.sha256}`).toString()).toBe(`${sha256}\n`);
    await eraseAll(a, records, [ANN]);
    expect(read(`forbidden/${FORBIDDEN_FILES.sha1}`).toString()).toBe(`${sha1}\n`);
    expect(read('email-map').toString()).not.toMatch(/^ann!/m);
  });

  it('config: forbidden-hashes needs forbiddenDir; an unknown file name needs a format', () => {
    expect(gitdmSourceSchema.safeParse({ name: 'g', kind: 'gitdm', files: ['email-map'], erase: 'forbidden-hashes' }).success).toBe(false);
    expect(gitdmSourceSchema.safeParse({ name: 'g', kind: 'gitdm', files: ['people.txt'] }).success).toBe(false);
    expect(gitdmSourceSchema.safeParse({ name: 'g', kind: 'gitdm', files: [{ path: 'people.txt', format: 'affiliations' }] }).success).toBe(true);
  });

  it('a missing file is a SourceError', async () => {
    fs.rmSync(path.join(dir, 'email-map'));
    await expect(discoverAll(adapter(), [ANN])).rejects.toBeInstanceOf(SourceError);
    expect((await adapter().check(new AbortController().signal)).ok).toBe(false);
  });
});

describe('gitdm blocks with an indented comment', () => {
  it('keep the comment and the affiliation lines after it in the block, and remove them together', async () => {
    const { readAffiliations } = await import('../../src/adapters/gitdm/parse.js');
    const os = await import('node:os');
    const fsm = await import('node:fs');
    const p = await import('node:path');
    const d = fsm.mkdtempSync(p.join(os.tmpdir(), 'gitdm-'));
    const file = p.join(d, 'developers_affiliations.txt');
    fsm.writeFileSync(
      file,
      'ann-example: ann!example.org\n\tIndependent until 2021-03-01\n\t# moved in 2021\n\tLanternfish Labs\nbotr: bo!lanternfish.example\n\tLanternfish Labs\n',
    );
    const items = [];
    for await (const it of readAffiliations(file)) items.push(it);
    expect(items.map((i) => (i.kind === 'block' ? `${i.login}:${i.lines.length}:${i.affiliations.map((a) => a.company).join('|')}` : 'line'))).toEqual([
      'ann-example:4:Independent|Lanternfish Labs',
      'botr:2:Lanternfish Labs',
    ]);
    fsm.rmSync(d, { recursive: true, force: true });
  });
});

// Shapes of real gitdm files (cncf/gitdm's developers_affiliations*.txt), with fictional people:
// one login's block listing addresses of several people (a noreply address of another account
// among them), a shared login, and an address written out in words.
describe("gitdm blocks that hold other people's addresses: one rule, whichever identity finds the block", () => {
  const SHARED = [
    '# fictional, in the shapes of real files',
    'kim-dev: kim!dev.example, 5501+kim-dev!users.noreply.github.com, 5502+lee-ops!users.noreply.github.com, lee!ops.example',
    '\tQuayside Systems from 2020-01-01',
    'alex: alex!one.example, alex!two.example',
    '\tIndependent',
    'sam-q: sam!q.example, sam.q at q dot example',
    '\tLanternfish Labs',
    '',
  ].join('\n');
  const KIM: Identity = { type: 'email', value: 'kim@dev.example' };
  const KIM_GH: Identity = { type: 'github', value: 'kim-dev' };
  const shared = () => {
    fs.writeFileSync(path.join(dir, 'developers_affiliations3.txt'), SHARED);
    const cfg = gitdmSourceSchema.parse({ name: 'gitdm', kind: 'gitdm', files: ['developers_affiliations3.txt'] });
    return gitdmFactory.create(cfg, { configDir: dir, stateDir: path.join(dir, '.privacyctl') });
  };
  const blockAt = async (ids: Identity[], line: number) =>
    (await discoverAll(shared(), ids)).records.find((r) => r.locator === `developers_affiliations3.txt:${line}`)!;

  it('a block merging two people is a manual step naming what is not theirs, found by login, by address or both; --apply leaves it byte for byte', async () => {
    for (const [ids, others] of [
      [[KIM_GH], 3],
      [[KIM], 3],
      [[KIM, KIM_GH], 2],
    ] as const) {
      const r = await blockAt([...ids], 2);
      expect(r.disposition).toBe('manual');
      expect(r.manual).toMatch(
        new RegExp(`${others} addresses \\(1 of them the noreply address of another GitHub account\\) not known to be theirs.*; nothing was removed`),
      );
      expect(r.manual).not.toMatch(/lee/);
    }
    expect((await blockAt([KIM_GH], 2)).manual).toMatch(/^developers_affiliations3\.txt line 2: this person's block also lists/);
    expect((await blockAt([KIM], 2)).manual).toMatch(
      /^developers_affiliations3\.txt line 2: the block's login is not known to be this person's, and it lists 3 addresses/,
    );
    const { records } = await discoverAll(shared(), [KIM, KIM_GH]);
    expect(records.filter((r) => r.disposition === 'erase')).toEqual([]);
    expect(await eraseAll(shared(), records, [KIM, KIM_GH])).toEqual([]);
    expect(read('developers_affiliations3.txt').toString('utf8')).toBe(SHARED);
  });

  it("a shared login: a manual step for each person; with the login and every address one person's, the block is removed whole", async () => {
    const byAddress = await blockAt([{ type: 'email', value: 'alex@one.example' }], 4);
    expect(byAddress).toMatchObject({ disposition: 'manual', data: { file: 'developers_affiliations3.txt', line: 4, emails: ['alex!one.example'] } });
    expect(byAddress.data['affiliations']).toBeUndefined(); // the login's history is not known to be theirs
    expect(byAddress.manual).toMatch(/login is not known to be this person's, and it lists 1 address not known to be theirs either/);
    expect((await blockAt([{ type: 'github', value: 'alex' }], 4)).manual).toMatch(/this person's block also lists 2 addresses not known/);
    const all: Identity[] = [
      { type: 'github', value: 'alex' },
      { type: 'email', value: 'alex@one.example' },
      { type: 'email', value: 'alex@two.example' },
    ];
    const { records } = await discoverAll(shared(), all);
    expect(records.map((r) => `${r.locator} ${r.action}`)).toEqual(['developers_affiliations3.txt:4 remove-block']);
    expect((await eraseAll(shared(), records, all)).map((r) => r.status)).toEqual(['done']);
    expect(read('developers_affiliations3.txt').toString('utf8')).toBe(SHARED.replace('alex: alex!one.example, alex!two.example\n\tIndependent\n', ''));
  });

  it("an address written out in words is an entry that may be someone else's: the block is a manual step", async () => {
    const r = await blockAt(
      [
        { type: 'github', value: 'sam-q' },
        { type: 'email', value: 'sam@q.example' },
      ],
      6,
    );
    expect(r.disposition).toBe('manual');
    expect(r.manual).toMatch(/also lists 1 entry that is no address \(one written out, such as "name at domain"\) not known to be theirs/);
  });
});
