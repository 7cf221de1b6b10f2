// CsvAdapter.discoverMany: one pass for a batch gives every subject exactly what discover gives it.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { csvFactory } from '../../src/adapters/csv/index.js';
import { csvSourceSchema } from '../../src/adapters/csv/config.js';
import type { SourceAdapter, TaggedItem } from '../../src/adapters/types.js';
import { SourceError } from '../../src/core/errors.js';
import { IdentityMatcher, type Identity } from '../../src/core/identity.js';
import { isIdentityLink, type IdentityLink, type PersonalRecord } from '../../src/core/record.js';
import { expectManyMatchesSingle, testContext } from '../helpers/many.js';
import { prng } from '../helpers/prng.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const email = (value: string): Identity => ({ type: 'email', value });
const github = (value: string): Identity => ({ type: 'github', value });
const matcher = (...ids: Identity[]) => new IdentityMatcher(ids);

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'privacyctl-csv-many-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function adapter(content: string | Buffer, cfg: Record<string, unknown> = {}): SourceAdapter {
  fs.writeFileSync(path.join(dir, 'survey.csv'), content);
  const parsed = csvSourceSchema.parse({ name: 'survey', kind: 'csv', path: 'survey.csv', match: { email: ['Email'] }, ...cfg });
  return csvFactory.create(parsed, { configDir: dir, stateDir: path.join(dir, '.privacyctl') });
}

const records = (items: Array<PersonalRecord | IdentityLink>) => items.filter((x): x is PersonalRecord => !isIdentityLink(x));
const links = (items: Array<PersonalRecord | IdentityLink>) => items.filter(isIdentityLink);

async function many(a: SourceAdapter, subjects: IdentityMatcher[]): Promise<TaggedItem[]> {
  const out: TaggedItem[] = [];
  for await (const t of a.discoverMany!(subjects, testContext())) out.push(t);
  return out;
}

describe('CsvAdapter.discoverMany on the demo sources (privacyctl.yaml)', () => {
  const config = parseYaml(fs.readFileSync(path.join(ROOT, 'privacyctl.yaml'), 'utf8')) as { sources: Array<Record<string, unknown>> };
  const sources = config.sources.filter((s) => s['kind'] === 'csv');
  const subjects = () => [
    matcher(email('ann@example.org'), github('ann-example')),
    matcher(email('joann@example.org')),
    matcher(email('bo@lanternfish.example'), github('botr')),
    matcher(email('zoë.lindqvist@example.net')),
    matcher(github('zoe-lq')),
    matcher(email('dana.ruiz@example.com'), github('dana-r')),
    matcher(email('chidi.ol@example.net'), github('chidi-ol')),
    matcher(email('nobody@example.com'), github('nobody-here')), // no data anywhere
    matcher(email('anneliese@mockingbird.example')),
    matcher(github('ann-example-fan')),
    matcher({ type: 'slack-id', value: 'u01ann' }), // no identity this kind of source matches
  ];

  it.each(sources.map((s) => [s['name'] as string, s]))('%s: every subject gets what discover gives it', async (_name, source) => {
    const a = csvFactory.create(csvSourceSchema.parse(source), { configDir: ROOT, stateDir: path.join(dir, 'state') });
    const got = await expectManyMatchesSingle(a, subjects());
    expect(got.flat().length).toBeGreaterThan(0);
    expect(got[7]).toEqual([]);
    expect(got[10]).toEqual([]);
  });

  it('survey-2024: Ann by address and handle, one row, with the candidate link', async () => {
    const source = sources.find((s) => s['name'] === 'survey-2024')!;
    const a = csvFactory.create(csvSourceSchema.parse(source), { configDir: ROOT, stateDir: path.join(dir, 'state') });
    const got = await expectManyMatchesSingle(a, subjects());
    expect(records(got[0]!).map((r) => r.locator)).toEqual(['fixtures/demo/surveys/contributor-survey-2024.csv:2']);
    expect(
      records(got[0]!)[0]!
        .matched.map((m) => m.type)
        .sort(),
    ).toEqual(['email', 'github']);
    // zoë by her address; zoe-lq by the handle in the same row: two subjects, one row each
    expect(records(got[3]!).map((r) => r.locator)).toEqual(['fixtures/demo/surveys/contributor-survey-2024.csv:7']);
    expect(records(got[4]!).map((r) => r.locator)).toEqual(['fixtures/demo/surveys/contributor-survey-2024.csv:7']);
    expect(links(got[4]!)).toEqual([expect.objectContaining({ from: github('zoe-lq'), to: email('zoë.lindqvist@example.net') })]);
  });
});

describe('CsvAdapter.discoverMany on the adapter test fixtures', () => {
  it('a cell shared by two subjects of the batch is "shared" (manual, the other address withheld) for both', async () => {
    const a = adapter('Email,N\n"Bob <bob@example.com>, Ann <ann@example.org>",1\nann@example.org,2\ncarol@example.net,3\n');
    const got = await expectManyMatchesSingle(a, [matcher(email('ann@example.org')), matcher(email('bob@example.com')), matcher(email('carol@example.net'))]);
    const [ann, bob] = [records(got[0]!), records(got[1]!)];
    expect(ann.map((r) => [r.locator, r.disposition])).toEqual([
      ['survey.csv:2', 'manual'],
      ['survey.csv:3', 'erase'],
    ]);
    expect(bob.map((r) => [r.locator, r.disposition])).toEqual([['survey.csv:2', 'manual']]);
    expect(JSON.stringify(ann[0]!.data)).not.toContain('bob@example.com');
    expect(JSON.stringify(bob[0]!.data)).not.toContain('ann@example.org');
    expect(bob[0]!.data['Email']).toContain('bob@example.com');
  });

  it('one subject with both addresses of a shared cell owns it; links per subject', async () => {
    const a = adapter('Email,GitHub\n"a@x.org; b@y.org",ab-user\nann.work@example.com,@Ann-Example\nhttps://github.com/botr,bo@lanternfish.example\n', {
      match: { email: ['Email'], github: ['GitHub'] },
    });
    const got = await expectManyMatchesSingle(a, [
      matcher(email('a@x.org'), email('b@y.org')),
      matcher(email('a@x.org')),
      matcher(github('ab-user')),
      matcher(github('ann-example'), email('ann@example.org')),
      matcher(github('botr')),
    ]);
    expect(records(got[0]!)[0]!.disposition).toBe('erase');
    expect(records(got[1]!)[0]!.disposition).toBe('manual');
    expect(links(got[0]!)).toHaveLength(1);
    expect(links(got[3]!)).toEqual([expect.objectContaining({ from: github('ann-example'), to: email('ann.work@example.com') })]);
    expect(got[4]).toEqual([]); // a URL in the Email column is not a handle, and GitHub holds an address
  });

  it('near misses, gitdm and mailto forms, a long local part in both forms, case', async () => {
    const a = adapter(
      'Email,N\njoann@example.org,1\nann@example.org.evil,2\nann@sub.example.org,3\nAnn Example <ann@example.org>,4\nmailto:ANN@example.org,5\nann!example.org,6\n' +
        'ANN.EXAMPLE!example.org,7\njoann.example@example.org,8\nann.example@Example.ORG,9\n',
    );
    const got = await expectManyMatchesSingle(a, [
      matcher(email('ann@example.org')),
      matcher(email('joann@example.org')),
      matcher(email('ann.example@example.org')),
      matcher(email('joann.example@example.org')),
      matcher(email('example.org@ann')),
    ]);
    expect(records(got[0]!).map((r) => r.data['N'])).toEqual(['4', '5', '6']);
    expect(records(got[2]!).map((r) => r.data['N'])).toEqual(['7', '9']);
  });

  it('non-ASCII addresses in NFC and NFD, and KELVIN SIGN and GREEK VARIA spellings', async () => {
    const a = adapter(
      'Email,N\nzoe\u0308@example.net,1\nzoe@example.net,2\nZO\u00cb@EXAMPLE.NET,3\n\u212aate@example.org,4\nkate@example.com,5\nbq\u1fefquote@example.org,6\n\u00e9@\u00fc.de,7\n',
    );
    const got = await expectManyMatchesSingle(a, [
      matcher(email('zo\u00eb@example.net')),
      matcher(email('zoe@example.net')),
      matcher(email('kate@example.org')),
      matcher(email('kate@example.com')),
      matcher(email('bq`quote@example.org')),
      matcher(email('\u00e9@\u00fc.de')),
    ]);
    expect(got.map((items) => records(items).map((r) => r.data['N']))).toEqual([['1', '3'], ['2'], ['4'], ['5'], ['6'], ['7']]);
  });

  it('quoted newlines, CRLF, a BOM, blank lines, a ; delimiter and a last row without terminator', async () => {
    const text =
      '\ufeffEmail;Name;Comment\r\nbob@example.com;Bob;"line one\r\nline two"\r\n\r\nann@example.org;"Example; Ann";"She said ""hi""\nand left"\r\n' +
      '"ann@example.org; bob@example.com";Both;x\r\ncarol@example.net;Carol;last';
    const a = adapter(text, { delimiter: ';', erase: { redact: ['Email', 'Name'] } });
    const got = await expectManyMatchesSingle(a, [matcher(email('ann@example.org')), matcher(email('bob@example.com')), matcher(email('carol@example.net'))]);
    expect(records(got[0]!).map((r) => r.locator)).toEqual(['survey.csv:5', 'survey.csv:7']);
    expect(records(got[2]!).map((r) => r.locator)).toEqual(['survey.csv:8']);
  });

  it('GitHub handles of every length, plain, with @, as a profile URL, with spaces; never inside another', async () => {
    const handles = ['a', 'bo', 'ann', 'botr', 'mhils', 'zoe-lq', 'joann-d', 'ann-example-fan', 'x'.repeat(39)];
    const rows = ['Email,GitHub,Note'];
    handles.forEach((h, i) => {
      rows.push(`u${i}@example.com,${h},plain`);
      rows.push(`v${i}@example.com,@${h.toUpperCase()},at`);
      rows.push(`w${i}@example.com,https://github.com/${h}/,url`);
      rows.push(`x${i}@example.com," ${h} ",spaces`);
      rows.push(`y${i}@example.com,${h}x,longer`);
      rows.push(`z${i}@example.com,x${h},longer`);
      rows.push(`q${i}@example.com,other,mentions ${h} in a comment`);
    });
    const a = adapter(rows.join('\n') + '\n', { match: { email: ['Email'], github: ['GitHub'] } });
    const got = await expectManyMatchesSingle(
      a,
      handles.map((h) => matcher(github(h))),
    );
    for (const items of got) expect(records(items).map((r) => r.data['Note'])).toEqual(['plain', 'at', 'url', 'spaces']);
  });

  it('subjects with no identity of this source: the file is not read, as discover does not read it', async () => {
    const a = adapter('E-mail,N\nann@example.org,1\n'); // the mapped column is missing
    await expectManyMatchesSingle(a, [matcher({ type: 'slack-id', value: 'u01ann' }), matcher()]);
  });

  it('errors as discover: a missing file, an empty file, a missing column', async () => {
    const a = adapter('Email,N\n');
    fs.rmSync(path.join(dir, 'survey.csv'));
    await expect(many(a, [matcher(email('ann@example.org')), matcher(email('bob@example.com'))])).rejects.toBeInstanceOf(SourceError);
    await expect(many(adapter(''), [matcher(email('ann@example.org'))])).rejects.toBeInstanceOf(SourceError);
    await expect(many(adapter('E-mail,N\nann@example.org,1\n'), [matcher(email('ann@example.org'))])).rejects.toThrow(/"Email"/);
  });
});

// ---- a generated file: ~100 subjects, several read chunks ----

describe('CsvAdapter.discoverMany: 100 generated subjects over a generated file', () => {
  it('gives each subject what a run for that subject alone gives', async () => {
    const rnd = prng(20240917);
    const pick = <T>(xs: T[]) => xs[Math.floor(rnd() * xs.length)]!;
    const syl = ['ta', 'li', 'mo', 've', 'ra', 'sko', 'qu', 'en', 'dar', 'bel', 'no', 'vix'];
    const word = () => pick(syl) + pick(syl) + (rnd() < 0.5 ? pick(syl) : '');
    const domains = ['example.com', 'example.org', 'lanternfish.example', 'mail.example.net'];
    // 120 people; the first 100 are the batch. A few short handles (3 to 6 characters: the
    // pre-filter's shifted passes), not made of syllables, which would be in most rows.
    const short = new Map([
      [14, 'qx7'],
      [28, 'zq9k'],
      [42, 'xq-z1'],
      [56, 'zzq-9x'],
    ]);
    const people = Array.from({ length: 120 }, (_, i) => {
      const local = i % 10 === 0 ? word().slice(0, 2) : `${word()}.${word()}${i}`;
      const handle = short.get(i) ?? `${word()}-${i}`;
      return { email: `${local}@${pick(domains)}`, handle: i % 3 === 0 ? '' : handle, zoe: i % 25 === 0 };
    });
    people[5]!.email = 'zoë.lind5@example.net';
    // (no KELVIN SIGN here: a block holding one is read as decoded text, every row a candidate,
    // which makes 100 single-subject runs slow; the fixtures above have one)
    const spell = (e: string) => {
      const r = rnd();
      if (r < 0.1) return e.toUpperCase();
      if (r < 0.15) return e.replace('@', '!');
      if (r < 0.2) return `${word()} <${e}>`;
      if (r < 0.25) return e.normalize('NFD');
      return e;
    };
    const rows = ['Id,Email,Name,GitHub,Comment'];
    for (let i = 0; i < 10000; i++) {
      const p = pick(people);
      const q = pick(people);
      const r = rnd();
      let cell = spell(p.email);
      if (r < 0.03)
        cell = `"${spell(p.email)}; ${spell(q.email)}"`; // a shared cell
      else if (r < 0.05)
        cell = `x${p.email}`; // near misses
      else if (r < 0.06) cell = `${p.email}.evil`;
      const gh = rnd() < 0.5 && p.handle ? (rnd() < 0.2 ? `@${p.handle.toUpperCase()}` : p.handle) : rnd() < 0.1 && q.handle ? `${q.handle}x` : '';
      const comment = rnd() < 0.05 ? `"talked to ${q.email}\nand ${q.handle}, ""twice"""` : word();
      rows.push(`${i},${cell},${word()} ${word()},${gh},${comment}`);
    }
    const text = rows.join('\n') + '\n';
    expect(Buffer.byteLength(text)).toBeGreaterThan(2 * 256 * 1024); // several read chunks of the scanner
    const a = adapter(text, { match: { email: ['Email'], github: ['GitHub'] } });
    const subjects = people.slice(0, 100).map((p, i) => {
      const ids = [email(p.email)];
      if (p.handle && i % 2 === 0) ids.push(github(p.handle));
      return new IdentityMatcher(ids);
    });
    subjects.push(matcher(email('nobody@nowhere.example'), github('nobody-nowhere')));
    const got = await expectManyMatchesSingle(a, subjects);
    const counts = got.map((items) => records(items).length);
    expect(counts.filter((c) => c > 0).length).toBeGreaterThan(90);
    expect(counts[100]).toBe(0);
    expect(got.flat().some((x) => !isIdentityLink(x) && x.disposition === 'manual')).toBe(true);
    expect(got.flat().some(isIdentityLink)).toBe(true);
  }, 120_000);
});
