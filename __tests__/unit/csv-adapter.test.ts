import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { csvFactory } from '../../src/adapters/csv/index.js';
import { csvSourceSchema } from '../../src/adapters/csv/config.js';
import type { AdapterContext, SourceAdapter, StepResult } from '../../src/adapters/types.js';
import { ConfigError, SourceError } from '../../src/core/errors.js';
import { IdentityMatcher, type Identity } from '../../src/core/identity.js';
import { stepsFor } from '../../src/core/plan.js';
import { isIdentityLink, type IdentityLink, type PersonalRecord } from '../../src/core/record.js';

const ANN: Identity = { type: 'email', value: 'ann@example.org' };
const ctx = (): AdapterContext => ({ signal: new AbortController().signal, log: { info() {}, warn() {} }, stats: {} });

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'privacyctl-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function writeCsv(content: string | Buffer, name = 'survey.csv'): string {
  fs.writeFileSync(path.join(dir, name), content);
  return name;
}

function adapter(cfg: Record<string, unknown> = {}): SourceAdapter {
  const parsed = csvSourceSchema.parse({ name: 'survey', kind: 'csv', path: 'survey.csv', match: { email: ['Email'] }, ...cfg });
  return csvFactory.create(parsed, { configDir: dir, stateDir: path.join(dir, '.privacyctl') });
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

async function eraseAll(a: SourceAdapter, records: PersonalRecord[], ids: Identity[] = [ANN]): Promise<StepResult[]> {
  const out: StepResult[] = [];
  for await (const r of a.erase!(stepsFor(records), new IdentityMatcher(ids), ctx())) out.push(r);
  return out;
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

/** Physical line (1-based) on which `needle` starts in `text`, computed independently of the scanner. */
function lineOf(text: string, needle: string): number {
  const at = text.indexOf(needle);
  if (at < 0) throw new Error(`fixture lacks ${needle}`);
  return text.slice(0, at).split('\n').length;
}

const locators = (rs: PersonalRecord[]) => rs.map((r) => r.locator);

describe('CsvAdapter.discover', () => {
  it('returns only the matching rows, with locator, data, matched identity and field', async () => {
    const text =
      'Id,Email,Name,Colour\n' + '1,bob@example.com,Bob Example,blue\n' + '2,Ann@Example.org,Ann Example,red\n' + '3,carol@example.net,Carol Example,green\n';
    writeCsv(text);
    const { records } = await discoverAll(adapter());
    expect(records).toHaveLength(1);
    const r = records[0]!;
    expect(r.source).toBe('survey');
    expect(r.type).toBe('csv-row');
    expect(r.locator).toBe('survey.csv:3');
    expect(r.data).toEqual({ Id: '2', Email: 'Ann@Example.org', Name: 'Ann Example', Colour: 'red' });
    expect(r.matched).toEqual([{ type: 'email', value: 'ann@example.org', field: 'Email' }]);
    expect(r.disposition).toBe('erase');
    expect(r.action).toBe('delete-row');
    expect(r.categories).toEqual(expect.arrayContaining(['contact.email', 'name']));
  });

  it('finds every matching row, in file order', async () => {
    writeCsv('Email,N\nann@example.org,1\nbob@example.com,2\nANN@example.org,3\n');
    const { records } = await discoverAll(adapter());
    expect(locators(records)).toEqual(['survey.csv:2', 'survey.csv:4']);
    expect(records.map((r) => r.data['N'])).toEqual(['1', '3']);
  });

  it('ignores the subject in a column that is not mapped', async () => {
    writeCsv('Email,Comment\nbob@example.com,ask ann@example.org about it\n');
    expect((await discoverAll(adapter())).records).toEqual([]);
  });

  it('does not match near-miss addresses', async () => {
    writeCsv('Email,N\njoann@example.org,1\nann@example.org.evil,2\nann@example.or,3\nann@sub.example.org,4\nann@example.orgx,5\nann.example.org,6\n');
    const { records } = await discoverAll(adapter());
    expect(records).toEqual([]);
  });

  it('matches one address among several in a cell', async () => {
    writeCsv('Email,N\n"bob@example.com; ann@example.org",1\n');
    const { records } = await discoverAll(adapter());
    expect(records.map((r) => r.data['N'])).toEqual(['1']);
  });

  it('finds a long local part in both written forms, and not a longer address that ends with it', async () => {
    const subject = { type: 'email', value: 'ann.example@example.org' };
    writeCsv('Email,N\nANN.EXAMPLE!example.org,1\njoann.example@example.org,2\nann.example@example.org.invalid,3\nann.example@Example.ORG,4\n');
    const { records } = await discoverAll(adapter(), [subject]);
    expect(records.map((r) => r.data['N'])).toEqual(['1', '4']);
  });

  it('a cell shared with another person: a manual step, with the other address withheld, and never erased', async () => {
    const text = 'Email,N\n"Bob <bob@example.com>, Ann <ann@example.org>",1\n';
    const file = path.join(dir, writeCsv(text));
    const a = adapter();
    const { records, links } = await discoverAll(a);
    expect(records).toHaveLength(1);
    expect(records[0]!.disposition).toBe('manual');
    expect(records[0]!.manual).toMatch(/by hand/);
    expect(JSON.stringify(records[0]!.data)).not.toContain('bob@example.com');
    expect(records[0]!.data['Email']).toContain('ann@example.org');
    expect(links).toEqual([]);
    expect(await eraseAll(a, records)).toEqual([]);
    expect(fs.readFileSync(file, 'utf8')).toBe(text);
  });

  it('matches cells in "Name <addr>", mailto: and gitdm user!domain forms, as IdentityMatcher does', async () => {
    writeCsv('Email,N\nAnn Example <ann@example.org>,1\nmailto:ann@example.org,2\nann!example.org,3\njoann!example.org,4\n');
    const m = new IdentityMatcher([ANN]);
    expect(m.matchCell('email', 'ann!example.org')).toBe('ann@example.org');
    const { records } = await discoverAll(adapter());
    expect(records.map((r) => r.data['N'])).toEqual(['1', '2', '3']);
  });

  it('matches GitHub columns and reports the other identity of the row as a link', async () => {
    writeCsv('Email,GitHub\nann.work@example.com,@Ann-Example\nbob@example.com,bob-example\n');
    const { records, links } = await discoverAll(adapter({ match: { email: ['Email'], github: ['GitHub'] } }), [{ type: 'github', value: 'ann-example' }]);
    expect(locators(records)).toEqual(['survey.csv:2']);
    expect(records[0]!.matched).toEqual([{ type: 'github', value: 'ann-example', field: 'GitHub' }]);
    expect(links).toHaveLength(1);
    expect(links[0]).toMatchObject({
      from: { type: 'github', value: 'ann-example' },
      to: { type: 'email', value: 'ann.work@example.com' },
      strength: 'candidate',
      locator: 'survey.csv:2',
    });
  });

  it('counts quoted newlines of earlier rows in the line numbers', async () => {
    const text =
      'Email,Comment\n' +
      'bob@example.com,"line one\nline two\nline three"\n' +
      'carol@example.net,"a\n\nb"\n' +
      'ann@example.org,"first\nsecond"\n' +
      'ann@example.org,last\n';
    writeCsv(text);
    const { records } = await discoverAll(adapter());
    expect(locators(records)).toEqual([`survey.csv:${lineOf(text, 'ann@example.org,"first')}`, `survey.csv:${lineOf(text, 'ann@example.org,last')}`]);
    expect(locators(records)).toEqual(['survey.csv:8', 'survey.csv:10']);
    expect(records[0]!.data['Comment']).toBe('first\nsecond');
  });

  it('reads quoted fields with embedded delimiters, newlines and escaped quotes', async () => {
    writeCsv('Email,Name,Comment\n"ann@example.org","Example, Ann","She said ""hi""\nand left"\n');
    const { records } = await discoverAll(adapter());
    expect(records[0]!.data).toEqual({ Email: 'ann@example.org', Name: 'Example, Ann', Comment: 'She said "hi"\nand left' });
  });

  it('skips blank lines but keeps physical line numbers', async () => {
    writeCsv('Email,N\n\nbob@example.com,1\n\n\nann@example.org,2\n\n');
    const { records } = await discoverAll(adapter());
    expect(locators(records)).toEqual(['survey.csv:6']);
  });

  it('reads a file with a UTF-8 BOM: the first column name carries no BOM', async () => {
    writeCsv(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('Email,Name\nann@example.org,Ann\n')]));
    const { records } = await discoverAll(adapter());
    expect(locators(records)).toEqual(['survey.csv:2']);
    expect(Object.keys(records[0]!.data)).toEqual(['Email', 'Name']);
  });

  it('reads CRLF files: no CR in values, lines counted once', async () => {
    writeCsv('Email,Name\r\nbob@example.com,Bob\r\nann@example.org,"Ann\r\nExample"\r\nann@example.org,Ann\r\n');
    const { records } = await discoverAll(adapter());
    expect(locators(records)).toEqual(['survey.csv:3', 'survey.csv:5']);
    expect(records[0]!.data['Name']).toBe('Ann\r\nExample');
    expect(records[1]!.data['Name']).toBe('Ann');
  });

  it('reads a ; delimited file', async () => {
    writeCsv('Email;Name;City\nbob@example.com;Bob;Oslo\nann@example.org;"Example; Ann";Lyon\n');
    const { records } = await discoverAll(adapter({ delimiter: ';' }));
    expect(records[0]!.data).toEqual({ Email: 'ann@example.org', Name: 'Example; Ann', City: 'Lyon' });
  });

  it('reads a last row without a line terminator', async () => {
    writeCsv('Email,N\nbob@example.com,1\nann@example.org,2');
    const { records } = await discoverAll(adapter());
    expect(locators(records)).toEqual(['survey.csv:3']);
    expect(records[0]!.data['N']).toBe('2');
  });

  it('matches a non-ASCII subject address written in NFD in the file', async () => {
    writeCsv('Email,N\nzoe\u0308@example.net,1\nzoe@example.net,2\n');
    const { records } = await discoverAll(adapter(), [{ type: 'email', value: 'zo\u00eb@example.net' }]);
    expect(records.map((r) => r.data['N'])).toEqual(['1']);
  });

  it('matches an address spelled with a KELVIN SIGN, which NFC turns into K', async () => {
    writeCsv('Email,N\n\u212aate@example.org,1\nkate@example.com,2\n');
    const { records } = await discoverAll(adapter(), [{ type: 'email', value: 'kate@example.org' }]);
    expect(records.map((r) => r.data['N'])).toEqual(['1']);
  });

  it('a header lacking a mapped column is a ConfigError naming file and column', async () => {
    writeCsv('E-mail,Name\nann@example.org,Ann\n');
    const err = await rejection(discoverAll(adapter()));
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toContain('survey.csv');
    expect(err.message).toContain('"Email"');
  });

  it('check() reports a missing column without throwing', async () => {
    writeCsv('E-mail,Name\n');
    const res = await adapter().check(new AbortController().signal);
    expect(res.ok).toBe(false);
    expect(res.detail).toContain('Email');
    writeCsv('Email,Name\n');
    expect((await adapter().check(new AbortController().signal)).ok).toBe(true);
  });

  it('a missing file is a SourceError', async () => {
    const err = await rejection(discoverAll(adapter({ path: 'nope.csv' })));
    expect(err).toBeInstanceOf(SourceError);
    expect(err.message).toContain('nope.csv');
  });

  it('an empty file is a SourceError', async () => {
    writeCsv('');
    expect(await rejection(discoverAll(adapter()))).toBeInstanceOf(SourceError);
  });

  it.each([
    ['a quote inside an unquoted field', 'Email,N\nbob@example.com,1\nbob@example.com,"x"\ncarol@example.net,ab"c\nann@example.org,2\n', 4],
    ['a character after a closing quote', 'Email,N\nbob@example.com,"a\nb"x\nann@example.org,2\n', 3],
    ['an unclosed quote', 'Email,N\nbob@example.com,1\nann@example.org,"never closed\nmore\n', 3],
    ['a matching row with too few fields', 'Email,N,M\nbob@example.com,1,2\nann@example.org,2\n', 3],
    ['a matching row with too many fields', 'Email,N\nbob@example.com,"a\nb"\nann@example.org,2,3\n', 4],
  ])('malformed CSV (%s) is a SourceError naming the line', async (_why, text, line) => {
    writeCsv(text);
    const err = await rejection(discoverAll(adapter()));
    expect(err).toBeInstanceOf(SourceError);
    expect(err.message).toContain('survey.csv');
    expect(err.message).toContain(`line ${line}`);
  });
});

// ---- a file larger than the scanner's 1 MiB read size ----

const MiB = 1 << 20;

interface BigFile {
  text: string;
  /** Start and end (after the terminator) of each of Ann's rows. */
  ann: Array<{ start: number; end: number; line: number; id: string }>;
}

/** ~2.3 MB; Ann's rows and rows with quoted newlines sit across the 1 MiB and 2 MiB boundaries. */
function bigFile(): BigFile {
  const parts: string[] = ['Id,Email,Name,Comment\n'];
  let len = parts[0]!.length;
  let line = 2;
  const ann: BigFile['ann'] = [];
  const push = (row: string, isAnn = false) => {
    if (isAnn) ann.push({ start: len, end: len + row.length, line, id: row.slice(0, row.indexOf(',')) });
    parts.push(row);
    len += row.length;
    line += row.split('\n').length - 1;
  };
  /** A row whose Comment is `head`, padding, then `tail`, placed so that byte `boundary` falls `split` characters into `tail`. */
  const straddle = (id: string, email: string, head: string, tail: string, split: number, boundary: number, isAnn = false) => {
    const prefix = `${id},${email},Someone,"${head}`;
    const pad = boundary - split - len - prefix.length;
    if (pad < 0) throw new Error('boundary already passed');
    push(`${prefix}${'p'.repeat(pad)}${tail}"\n`, isAnn);
  };
  let i = 0;
  const filler = (until: number) => {
    while (len < until) {
      i++;
      if (i % 997 === 0) push(`f${i},joann@example.org,Jo Ann,"near miss\nkeep"\n`);
      else if (i % 1009 === 0) push(`f${i},bob@example.com,Bob,ask ann@example.org\n`);
      else push(`f${i},person${i}@example.com,Person ${i},"comment ${i}${i % 7 === 0 ? '\nsecond line' : ''}"\n`);
    }
  };
  filler(5000);
  push(`a1,ann@example.org,Ann Example,"early\nrow"\n`, true);
  filler(MiB - 4000);
  // An escaped quote whose two characters sit on either side of the 1 MiB boundary,
  // in Ann's row, whose comment has newlines before and after the boundary.
  straddle('a2', 'ann@example.org', 'one\ntwo\n', '""three\nfour', 1, MiB, true);
  push(`a3,ann@example.org,Ann Example,right after\n`, true);
  filler(2 * MiB - 4000);
  // Someone else's multi-line row, its closing quote the last byte before 2 MiB.
  straddle('b1', 'bob@example.com', 'x\ny\n', '', 0, 2 * MiB - 1);
  push(`a4,ann@example.org,Ann Example,"across\nthe\nline"\n`, true);
  filler(2 * MiB + 300_000);
  push(`a5,ANN@EXAMPLE.ORG,Ann Example,near the end\n`, true);
  filler(len + 2000);
  return { text: parts.join(''), ann };
}

describe('CsvAdapter on a file larger than one read chunk', () => {
  it('finds every row of the subject with the right physical line, across chunk boundaries', async () => {
    const big = bigFile();
    expect(big.text.length).toBeGreaterThan(2 * MiB + 300_000);
    // the fixture puts an escaped quote across 1 MiB and a closing quote + newline across 2 MiB
    expect(big.text.slice(MiB - 1, MiB + 1)).toBe('""');
    expect(big.text.slice(2 * MiB - 1, 2 * MiB + 1)).toBe('"\n');
    writeCsv(big.text);
    const { records } = await discoverAll(adapter());
    expect(locators(records)).toEqual(big.ann.map((a) => `survey.csv:${a.line}`));
    // line numbers cross-checked by an independent count
    for (const a of big.ann) expect(a.line).toBe(big.text.slice(0, a.start).split('\n').length);
    expect(records.map((r) => r.data['Id'])).toEqual(['a1', 'a2', 'a3', 'a4', 'a5']);
    const a2 = records[1]!.data['Comment'] as string;
    expect(a2.startsWith('one\ntwo\np')).toBe(true);
    expect(a2.endsWith('p"three\nfour')).toBe(true);
    expect(records[3]!.data['Comment']).toBe('across\nthe\nline');
  });

  it('delete-row erases exactly those rows; every other byte is identical', async () => {
    const big = bigFile();
    const file = path.join(dir, writeCsv(big.text));
    const a = adapter();
    const { records } = await discoverAll(a);
    const results = await eraseAll(a, records);
    expect(results.map((r) => r.status)).toEqual(['done', 'done', 'done', 'done', 'done']);
    let expected = '';
    let from = 0;
    for (const row of big.ann) {
      expected += big.text.slice(from, row.start);
      from = row.end;
    }
    expected += big.text.slice(from);
    expect(fs.readFileSync(file).equals(Buffer.from(expected))).toBe(true);
  });
});

describe('CsvAdapter on records many read chunks long', () => {
  const CHUNK = 1 << 18; // the scanner's read size

  /**
   * A quoted field of `size` bytes (commas, newlines) starting at `at` in the file, with an
   * escaped quote across the first read-chunk boundary in it and a newline right at the next.
   */
  function longField(at: number, size: number): string {
    const b = Buffer.alloc(size, 'lorem ipsum, dolor sit amet\n');
    const boundary = Math.ceil((at + 1000) / CHUNK) * CHUNK;
    b[boundary - 1 - at] = b[boundary - at] = 0x22;
    b[boundary + CHUNK - at] = 0x0a;
    return b.toString('latin1');
  }

  function longRecords(): { text: string; rows: string[]; fields: string[] } {
    const rows = ['Email,Id,Comment\n'];
    const fields: string[] = [];
    const longRow = (email: string, id: string) => {
      const head = `${email},${id},"`;
      const at = rows.join('').length + head.length;
      fields.push(longField(at, 3 * MiB));
      rows.push(`${head}${fields[fields.length - 1]}"\n`);
    };
    longRow('bob@example.com', 'b1');
    longRow('ann@example.org', 'a1');
    rows.push('carol@example.net,c1,short\n', 'ann@example.org,a2,short\n');
    return { text: rows.join(''), rows, fields };
  }

  it('finds the subject in a long record and after it, with the right lines and values', async () => {
    const { text, fields } = longRecords();
    writeCsv(text);
    const { records } = await discoverAll(adapter());
    expect(records.map((r) => r.data['Id'])).toEqual(['a1', 'a2']);
    expect(locators(records)).toEqual([`survey.csv:${lineOf(text, 'ann@example.org,a1')}`, `survey.csv:${lineOf(text, 'ann@example.org,a2')}`]);
    expect(records[0]!.data['Comment']).toBe(fields[1]!.replace(/""/g, '"'));
  });

  it("erases the subject's long record; another person's long record stays byte for byte", async () => {
    const { text, rows } = longRecords();
    const file = path.join(dir, writeCsv(text));
    const a = adapter();
    const results = await eraseAll(a, (await discoverAll(a)).records);
    expect(results.map((r) => r.status)).toEqual(['done', 'done']);
    expect(fs.readFileSync(file).equals(Buffer.from(rows[0]! + rows[1] + rows[3], 'latin1'))).toBe(true);
  });
});

describe('CsvAdapter.erase', () => {
  it('delete-row removes the planned rows byte-exactly (BOM, quoted newlines, unterminated last row)', async () => {
    const bom = '\ufeff';
    const rows = [
      'Email,Name,Comment\n',
      'bob@example.com,Bob,"multi\nline, with ""quotes"""\n',
      'ann@example.org,Ann,"hers\nalso multi-line"\n',
      '\n',
      'carol@example.net,Carol,plain\n',
      'Ann@Example.org,Ann,again',
    ];
    const text = bom + rows.join('');
    const file = path.join(dir, writeCsv(text));
    const a = adapter();
    const { records } = await discoverAll(a);
    expect(records).toHaveLength(2);
    const results = await eraseAll(a, records);
    expect(results.map((r) => [r.stepId, r.status])).toEqual([
      ['survey#1', 'done'],
      ['survey#2', 'done'],
    ]);
    const expected = bom + rows[0] + rows[1] + rows[3] + rows[4];
    expect(fs.readFileSync(file).equals(Buffer.from(expected, 'utf8'))).toBe(true);
    expect(fs.readdirSync(dir)).toEqual(['survey.csv']);
  });

  it('delete-row keeps CRLF terminators of the other rows', async () => {
    const rows = ['Email,N\r\n', 'bob@example.com,1\r\n', 'ann@example.org,2\r\n', 'carol@example.net,3\r\n'];
    const file = path.join(dir, writeCsv(rows.join('')));
    const a = adapter();
    await eraseAll(a, (await discoverAll(a)).records);
    expect(fs.readFileSync(file, 'utf8')).toBe(rows[0]! + rows[1] + rows[3]);
  });

  it('redact blanks only the configured columns of the planned row', async () => {
    const before = 'Email,Name,Comment,Size\r\nbob@example.com,Bob,"a, b",M\r\n';
    const row = 'ann@example.org,"Example, Ann","She said ""hi""\r\nbye",L';
    const after = '\r\ncarol@example.net,Carol,x,S\r\n';
    const file = path.join(dir, writeCsv(before + row + after));
    const a = adapter({ erase: { redact: ['Email', 'Name'] } });
    const { records } = await discoverAll(a);
    expect(records[0]!.action).toBe('redact-fields');
    const results = await eraseAll(a, records);
    expect(results.map((r) => r.status)).toEqual(['done']);
    const out = fs.readFileSync(file, 'utf8');
    expect(out.startsWith(before)).toBe(true);
    expect(out.endsWith(after)).toBe(true);
    const middle = out.slice(before.length, out.length - after.length);
    expect(parse(middle)).toEqual([['', '', 'She said "hi"\r\nbye', 'L']]);
    expect(out).not.toContain('ann@example.org');
    expect(out).not.toContain('Example, Ann');
  });

  it('keeps the file mode', async () => {
    const file = path.join(dir, writeCsv('Email,N\nann@example.org,1\nbob@example.com,2\n'));
    fs.chmodSync(file, 0o640);
    const a = adapter();
    await eraseAll(a, (await discoverAll(a)).records);
    expect(fs.readFileSync(file, 'utf8')).toBe('Email,N\nbob@example.com,2\n');
    expect(fs.statSync(file).mode & 0o777).toBe(0o640);
  });

  it('is idempotent: a second run reports gone and leaves the file unchanged', async () => {
    const file = path.join(dir, writeCsv('Email,N\nann@example.org,1\nbob@example.com,2\n'));
    const a = adapter();
    const { records } = await discoverAll(a);
    expect((await eraseAll(a, records)).map((r) => r.status)).toEqual(['done']);
    const once = fs.readFileSync(file);
    const inode = fs.statSync(file).ino;
    expect((await eraseAll(a, records)).map((r) => r.status)).toEqual(['gone']);
    expect(fs.readFileSync(file).equals(once)).toBe(true);
    expect(fs.statSync(file).ino).toBe(inode);
    expect(fs.readdirSync(dir)).toEqual(['survey.csv']);
  });

  it('redact is idempotent too', async () => {
    const file = path.join(dir, writeCsv('Email,Name,N\nann@example.org,Ann,1\n'));
    const a = adapter({ erase: { redact: ['Email', 'Name'] } });
    const { records } = await discoverAll(a);
    await eraseAll(a, records);
    const once = fs.readFileSync(file, 'utf8');
    expect(parse(once)).toEqual([
      ['Email', 'Name', 'N'],
      ['', '', '1'],
    ]);
    expect((await eraseAll(a, records)).map((r) => r.status)).toEqual(['gone']);
    expect(fs.readFileSync(file, 'utf8')).toBe(once);
  });

  it('leaves alone a row added or changed after planning', async () => {
    const header = 'Email,N\n';
    const planned = 'ann@example.org,1\n';
    const changed = 'ann@example.org,2\n';
    const file = path.join(dir, writeCsv(header + planned + changed));
    const a = adapter();
    const { records } = await discoverAll(a);
    expect(records).toHaveLength(2);
    // after planning: row 2 is edited, and a new row of Ann's is appended
    const edited = 'ann@example.org,2b\n';
    const added = 'ann@example.org,3\n';
    fs.writeFileSync(file, header + planned + edited + added);
    const results = await eraseAll(a, records);
    expect(results.map((r) => r.status)).toEqual(['done', 'gone']);
    expect(fs.readFileSync(file, 'utf8')).toBe(header + edited + added);
  });

  it("never touches another person's row, even when a (forged) step carries its digest", async () => {
    const text = 'Email,N\nann@example.org,1\njoann@example.org,2\n';
    const file = path.join(dir, writeCsv(text));
    const a = adapter();
    const joann = (await discoverAll(a, [{ type: 'email', value: 'joann@example.org' }])).records;
    // a plan for Ann whose step points at Joann's row (joann@ contains ann@, so it passes the pre-filter)
    const steps = stepsFor(joann).map((st) => ({ ...st, source: 'survey' }));
    const out: StepResult[] = [];
    for await (const r of a.erase!(steps, new IdentityMatcher([ANN]), ctx())) out.push(r);
    expect(out.map((r) => r.status)).toEqual(['gone']);
    expect(fs.readFileSync(file, 'utf8')).toBe(text);
  });

  it('removes temporary files left by a killed earlier rewrite, and only those of dead writers', async () => {
    const file = path.join(dir, writeCsv('Email,N\nann@example.org,1\nbob@example.com,2\n'));
    const stale = path.join(dir, '.survey.csv.privacyctl-999999999-deadbeef.tmp'); // no such pid
    const live = path.join(dir, `.survey.csv.privacyctl-${process.pid}-cafebabe.tmp`);
    fs.writeFileSync(stale, 'old copy');
    fs.writeFileSync(live, 'in use');
    const a = adapter();
    await eraseAll(a, (await discoverAll(a)).records);
    expect(fs.existsSync(stale)).toBe(false);
    expect(fs.existsSync(live)).toBe(true);
    expect(fs.readFileSync(file, 'utf8')).toBe('Email,N\nbob@example.com,2\n');
  });

  it('a missing file is a SourceError', async () => {
    writeCsv('Email,N\nann@example.org,1\n');
    const a = adapter();
    const { records } = await discoverAll(a);
    fs.rmSync(path.join(dir, 'survey.csv'));
    expect(await rejection(eraseAll(a, records))).toBeInstanceOf(SourceError);
  });
});
