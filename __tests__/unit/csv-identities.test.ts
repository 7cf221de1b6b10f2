// The CSV adapter's identities(): the canonical value of every mapped cell of every row (each
// address of a cell that holds several, handles with `@` or as profile URLs), so that `replay`
// recognises an erased person a restore brought back.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { csvSourceSchema } from '../../src/adapters/csv/config.js';
import { csvFactory } from '../../src/adapters/csv/index.js';
import type { SourceAdapter } from '../../src/adapters/types.js';
import { loadConfig } from '../../src/core/config.js';
import { ConfigError, SourceError } from '../../src/core/errors.js';
import { normalizeEmail, normalizeGithub, type Identity } from '../../src/core/identity.js';
import { findRestored, type ErasedSubject } from '../../src/core/replay.js';
import { StateDir } from '../../src/state/state-dir.js';
import { ROOT, demoSource, demoSources } from '../helpers/demo-config.js';
import { discoverAll, testContext } from '../helpers/many.js';
import { expectCanonical, expectEachFinds, expectMatchedListed, keys, listIdentities } from '../helpers/identities.js';

const email = (value: string): Identity => ({ type: 'email', value });
const github = (value: string): Identity => ({ type: 'github', value });
const ctx = testContext;

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'privacyctl-csv-ids-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/** The CSV sources of the demo config (privacyctl.yaml). */
function demoAdapters(): Array<{ adapter: SourceAdapter; file: string }> {
  return demoSources()
    .filter((s) => s['kind'] === 'csv')
    .map((s) => {
      const { cfg, adapter } = demoSource(csvFactory, path.join(dir, '.privacyctl'), (t) => t['name'] === s['name']);
      return { adapter, file: path.join(ROOT, cfg.path) };
    });
}

function adapter(text: string | Buffer, cfg: Record<string, unknown> = {}): SourceAdapter {
  fs.writeFileSync(path.join(dir, 'people.csv'), text);
  const parsed = csvSourceSchema.parse({ name: 'people', kind: 'csv', path: 'people.csv', match: { email: ['Email'], github: ['GitHub'] }, ...cfg });
  return csvFactory.create(parsed, { configDir: dir, stateDir: path.join(dir, '.privacyctl') });
}

/** Candidates read from the file's text without the adapter's parsers: address-like tokens and login-like words. */
function candidates(text: string): Identity[] {
  const out = new Map<string, Identity>();
  for (const tok of text.split(/[\s,;<>"]+/)) {
    const e = normalizeEmail(tok);
    if (e) out.set(`email:${e}`, email(e));
    for (const part of tok.split(/[@!/+:]/)) {
      const g = normalizeGithub(part);
      if (g) out.set(`github:${g}`, github(g));
    }
  }
  return [...out.values()];
}

function rejection(p: Promise<unknown>): Promise<Error> {
  return p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (err: unknown) => err as Error,
  );
}

describe('csv identities() on the demo sources (privacyctl.yaml)', () => {
  it('lists every identity in the records and links discover finds for the demo people, canonical and once each', async () => {
    const demo = demoAdapters();
    expect(demo).toHaveLength(3);
    const people: Identity[][] = [
      [email('ann@example.org'), github('ann-example')],
      [email('ann@example.org')],
      [github('ann-example')],
      [email('joann@example.org'), github('joann-d')],
      [email('bo@lanternfish.example'), github('botr')],
      [email('zoë.lindqvist@example.net'), github('zoe-lq')],
      [email('dana.ruiz@example.com'), github('dana-r')],
      [email('chidi.ol@example.net')],
      [email('anneliese@mockingbird.example')],
      [github('ann-example-fan')],
    ];
    let n = 0;
    for (const { adapter: a } of demo) {
      const ids = await listIdentities(a);
      expectCanonical(ids);
      n += await expectMatchedListed(a, keys(ids), people, { links: true });
    }
    expect(n).toBeGreaterThan(20);
    const [survey, booth, contest] = await Promise.all(demo.map(async ({ adapter: a }) => [...keys(await listIdentities(a))].sort()));
    expect(survey).toEqual(
      [
        'email:ann@example.org', // Ann@Example.ORG
        'github:ann-example', // @Ann-Example
        'email:joann@example.org',
        'github:joann-d',
        'email:bo@lanternfish.example',
        'github:botr',
        'email:ann@example.org.invalid',
        'email:zoë.lindqvist@example.net',
        'github:zoe-lq',
        'email:chidi.ol@example.net',
        'github:chidi-ol',
      ].sort(),
    );
    expect(booth).toEqual(
      [
        'email:ann@example.org',
        'email:joann@example.org',
        'email:dana.ruiz@example.com',
        'email:bo@lanternfish.example',
        'email:anneliese@mockingbird.example',
      ].sort(),
    );
    expect(contest).toEqual(
      [
        'github:ann-example',
        'email:ann@example.org',
        'github:joann-d',
        'email:joann@example.org',
        'github:botr',
        'email:bo@lanternfish.example',
        'github:ann-example-fan',
        'email:fan@example.com',
        'github:dana-r',
        'email:dana.ruiz@example.com',
      ].sort(),
    );
  });

  it('misses nothing discover could match: every address or login-like token of a file, as a subject, finds only listed identities', async () => {
    for (const { adapter: a, file } of demoAdapters()) {
      const listed = keys(await listIdentities(a));
      const cands = candidates(fs.readFileSync(file, 'utf8'));
      expect(cands.length).toBeGreaterThan(10);
      expect(await expectMatchedListed(a, listed, [cands], { links: true })).toBeGreaterThan(4);
    }
  });

  it('each identity listed, given to discover alone, finds a record', async () => {
    for (const { adapter: a } of demoAdapters()) await expectEachFinds(a, await listIdentities(a));
  });
});

describe('csv identities() on generated files', () => {
  const TEXT =
    'Id,Email,Name,GitHub,Notes\n' +
    '1,Ann@Example.ORG,Ann Example,@Ann-Example,other@example.org\n' +
    '2,"Bo Tanaka <BO@Lanternfish.Example>",Bo,https://github.com/BoTR,\n' +
    '3,"carol@example.net; DAVE@Example.com",Carol and Dave,github.com/Carol-C/,\n' +
    '4,mailto:Eve@Example.ORG,Eve,www.github.com/eve-e,\n' +
    '5,frank!Example.com,Frank,FRANK-F,\n' +
    '6,Zoe\u0308@Example.NET,Zo\u00eb,,\n' +
    '7,not an address,Nobody,not a handle!,nobody@example.org\n' +
    '8,,Empty,,\n' +
    '9,"gina@example.org, Hal <HAL@example.org>","Gina, ""G"" <gina@name.example>","  @gina-g  ","multi\nline"\n';

  it('gives every spelling in canonical form: upper case, Name <addr>, a@x; b@y cells, mailto:, user!domain, decomposed Unicode, @handle, profile URLs', async () => {
    const ids = await listIdentities(adapter(TEXT));
    expectCanonical(ids);
    expect([...keys(ids)].sort()).toEqual(
      [
        'email:ann@example.org',
        'github:ann-example',
        'email:bo@lanternfish.example',
        'github:botr',
        'email:carol@example.net',
        'email:dave@example.com',
        'github:carol-c',
        'email:eve@example.org',
        'github:eve-e',
        'email:frank@example.com',
        'github:frank-f',
        'email:zo\u00eb@example.net',
        'email:gina@example.org',
        'email:hal@example.org',
        'github:gina-g',
      ].sort(),
    );
    // unmapped columns (Notes, Name) are not read; nothing keeps its written form
    expect(ids.some((id) => /[A-Z<>!;@]/.test(id.type === 'email' ? id.value.replace('@', '') : id.value))).toBe(false);
  });

  it('lists every identity discover matches, and each identity listed finds a record on its own', async () => {
    const a = adapter(TEXT);
    const ids = await listIdentities(a);
    const listed = keys(ids);
    expect(await expectMatchedListed(a, listed, [candidates(TEXT)], { links: true })).toBeGreaterThan(12);
    await expectEachFinds(a, ids);
  });

  it('reads the source config: a ";" delimiter, email columns only, several columns of a type', async () => {
    const a = adapter('Name;Email;Work Email;GitHub\nAnn;ANN@example.org;"Ann <ann@work.example>";not-read\n', {
      delimiter: ';',
      match: { email: ['Email', 'Work Email'] },
    });
    const ids = await listIdentities(a);
    expect([...keys(ids)].sort()).toEqual(['email:ann@example.org', 'email:ann@work.example']);
    await expectEachFinds(a, ids);
  });

  it.each([
    ['quoted line breaks, CRLF, a BOM', true],
    ['no quote at all, CRLF, a BOM', false],
  ])('streams a file of many blocks (%s): the same identities as parsing it whole, each once', async (_, quoted) => {
    const lines = ['\ufeffId,Email,GitHub,Notes'];
    for (let i = 0; i < 8000; i++) {
      const notes = quoted && i % 7 === 0 ? `"a note\r\nover two lines, ""quoted"" ${'x'.repeat(i % 50)}"` : `plain ${i} ${'y'.repeat(30)}`;
      lines.push(`${i},User${i % 6000}@Example.org,@Login-${i % 4000},${notes}`);
    }
    const text = `${lines.join('\r\n')}\r\n`;
    expect(Buffer.byteLength(text)).toBeGreaterThan(2 << 18); // three blocks of the scanner
    const c = ctx();
    const ids = await listIdentities(adapter(text), c);
    expect(c.stats['rows']).toBe(8000);
    expectCanonical(ids);
    const rows: Array<Record<string, string>> = parseCsv(text, { bom: true, columns: true });
    const expected = new Set<string>();
    for (const r of rows) {
      expected.add(`email:${normalizeEmail(r['Email']!)}`);
      expected.add(`github:${normalizeGithub(r['GitHub']!)}`);
    }
    expect(keys(ids)).toEqual(expected);
    expect(ids).toHaveLength(6000 + 4000);
  });

  it('a malformed file fails the listing as it fails discover', async () => {
    // a row with too few fields: discover fails when it reads it; so does the listing
    const short = adapter('Id,Email,GitHub\n1,ann@example.org,ann\n2,bad@example.org\n');
    const fromDiscover = await rejection(discoverAll(short, [email('bad@example.org')]));
    const fromList = await rejection(listIdentities(short));
    expect(fromList).toBeInstanceOf(SourceError);
    expect(fromList.message).toBe(fromDiscover.message);
    expect(fromList.message).toMatch(/line 3/);
    // a quote inside an unquoted field: the scanner's error, for both
    const quote = adapter('Id,Email,GitHub\n1,ann@example.org,ann\n2,b"ad@example.org,bad\n');
    const q1 = await rejection(discoverAll(quote, [email('ann@example.org')]));
    const q2 = await rejection(listIdentities(quote));
    expect(q2).toBeInstanceOf(SourceError);
    expect(q2.message).toBe(q1.message);
  });

  it('an empty file, a missing file and a missing column fail as discover fails', async () => {
    expect(await rejection(listIdentities(adapter('')))).toBeInstanceOf(SourceError);
    const missing = csvFactory.create(csvSourceSchema.parse({ name: 'p', kind: 'csv', path: 'nope.csv', match: { email: ['Email'] } }), {
      configDir: dir,
      stateDir: dir,
    });
    expect(await rejection(listIdentities(missing))).toBeInstanceOf(SourceError);
    expect(await rejection(listIdentities(adapter('Id,Mail,GitHub\n1,ann@example.org,ann\n')))).toBeInstanceOf(ConfigError);
  });

  it('a header without rows lists nothing and is not an error', async () => {
    expect(await listIdentities(adapter('Id,Email,GitHub\n'))).toEqual([]);
  });
});

describe('replay over a csv source', () => {
  it('recognises a person erased by their address from a row a restore brought back, written in another form', async () => {
    fs.writeFileSync(
      path.join(dir, 'leads.csv'),
      'Name,Contact,Handle\nAnn,"Ann Example <ANN@Example.ORG>; bo@example.org",https://github.com/someone-else\nCarl,carl@example.org,\n',
    );
    const file = path.join(dir, 'privacyctl.yaml');
    fs.writeFileSync(
      file,
      `stateDir: ${JSON.stringify(path.join(dir, '.privacyctl'))}\nsources:\n  - name: leads\n    kind: csv\n    path: leads.csv\n    match: { email: [Contact], github: [Handle] }\n`,
    );
    const config = loadConfig(file);
    const state = new StateDir(config.stateDir);
    const erased: ErasedSubject = {
      ref: 'r1',
      hashes: new Set([state.hashIdentity(email('ann@example.org')), state.hashIdentity(github('ann-example'))]),
      planIds: ['p1'],
      lastErasedAt: '',
    };
    const other: ErasedSubject = { ref: 'r2', hashes: new Set([state.hashIdentity(email('never@example.org'))]), planIds: ['p2'], lastErasedAt: '' };
    const { restored, sources } = await findRestored(config, state, [erased, other], { signal: new AbortController().signal, log: { info() {}, warn() {} } });
    expect(sources).toEqual([{ name: 'leads', status: 'ok', identities: 4 }]);
    expect(restored.map((r) => [r.subject.ref, r.identities.map((i) => `${i.type}:${i.value}`)])).toEqual([['r1', ['email:ann@example.org']]]);
  });

  it('a malformed restored file fails the source (replay reports it), it is not read as clean', async () => {
    fs.writeFileSync(path.join(dir, 'leads.csv'), 'Name,Contact\nAnn,ann@example.org\nBroken\n');
    const file = path.join(dir, 'privacyctl.yaml');
    fs.writeFileSync(
      file,
      `stateDir: ${JSON.stringify(path.join(dir, '.privacyctl'))}\nsources:\n  - name: leads\n    kind: csv\n    path: leads.csv\n    match: { email: [Contact] }\n`,
    );
    const config = loadConfig(file);
    const state = new StateDir(config.stateDir);
    const erased: ErasedSubject = { ref: 'r1', hashes: new Set([state.hashIdentity(email('ann@example.org'))]), planIds: ['p1'], lastErasedAt: '' };
    const { sources } = await findRestored(config, state, [erased], { signal: new AbortController().signal, log: { info() {}, warn() {} } });
    expect(sources).toEqual([{ name: 'leads', status: 'failed', reason: expect.stringMatching(/malformed CSV at line 3/), identities: 0 }]);
  });
});
