// Differential test of the CSV scanner and pre-filter: on random files with quoted fields,
// quoted newlines (LF and CR LF), escaped quotes, blank lines, CR LF line ends, a BOM and a
// KELVIN SIGN spelling, the records, their physical lines and the rows found must be those that
// a straightforward csv-parse of the whole file gives, whatever the read size.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { csvFactory } from '../../src/adapters/csv/index.js';
import { csvSourceSchema } from '../../src/adapters/csv/config.js';
import { scanCsv, type Rec } from '../../src/adapters/csv/scanner.js';
import { candidateRecords, searchPlans } from '../../src/adapters/csv/search.js';
import type { AdapterContext } from '../../src/adapters/types.js';
import { IdentityMatcher } from '../../src/core/identity.js';
import { isIdentityLink } from '../../src/core/record.js';

const SUBJECT = 'kim.sub@example.org';
const ctx = (): AdapterContext => ({ signal: new AbortController().signal, log: { info() {}, warn() {} }, stats: {} });

function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomCsv(seed: number): Buffer {
  const rnd = mulberry32(seed);
  const pick = <T>(xs: T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const eol = () => (rnd() < 0.3 ? '\r\n' : '\n');
  const quoted = (s: string) => `"${s.replace(/"/g, '""')}"`;
  const spellings = [SUBJECT, 'Kim.Sub@Example.ORG', '\u212aim.sub@example.org', `Kim <${SUBJECT}>`, 'KIM.SUB@EXAMPLE.ORG'];
  const others = ['bob@example.com', 'kim.sub@example.net', 'xkim.sub@example.orgx', 'ann@example.org'];
  const comments = ['fine', 'a, b', 'line one\nline two', 'crlf\r\ninside', 'she said "hi"', '', `about ${SUBJECT}`, 'x\n\ny', '"', ','];
  let out = rnd() < 0.2 ? '\ufeff' : '';
  out += `Email,Name,Comment${eol()}`;
  const rows = 20 + Math.floor(rnd() * 200);
  for (let i = 0; i < rows; i++) {
    if (rnd() < 0.05) out += eol(); // a blank line
    const email = rnd() < 0.15 ? pick(spellings) : pick(others);
    const comment = pick(comments);
    const needsQuotes = /[",\r\n]/.test(comment) || rnd() < 0.2;
    const fields = [rnd() < 0.2 ? quoted(email) : email, rnd() < 0.1 ? quoted(`N${i}, Jr`) : `N${i}`, needsQuotes ? quoted(comment) : comment];
    out += fields.join(',');
    if (i < rows - 1 || rnd() < 0.7) out += eol();
  }
  return Buffer.from(out, 'utf8');
}

/** Every record of the file by csv-parse: where it ends (after its terminator), its first line, its fields. */
function reference(bytes: Buffer): Array<{ next: number; line: number; fields: string[] }> {
  const rows = parse(bytes, { bom: true, info: true, relax_column_count: true, skip_empty_lines: true, record_delimiter: ['\r\n', '\n'] }) as unknown as Array<{
    record: string[];
    info: { bytes: number };
  }>;
  // a record starts where the one before ends (after blank lines); its line is 1 + the newlines before it
  let prev = 0;
  return rows.map((r) => {
    let start = prev;
    while (bytes[start] === 0x0a || (bytes[start] === 0x0d && bytes[start + 1] === 0x0a)) start += bytes[start] === 0x0a ? 1 : 2;
    prev = r.info.bytes;
    let line = 1;
    for (let i = 0; i < start; i++) if (bytes[i] === 0x0a) line++;
    return { next: r.info.bytes, line, fields: r.record };
  });
}

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'privacyctl-diff-'));
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const SEEDS = Array.from({ length: 40 }, (_, k) => 1000 + k);

describe('the CSV scanner against csv-parse of the whole file', () => {
  it.each(SEEDS)('seed %i: the same records, ends and lines at any read size', async (seed) => {
    const bytes = randomCsv(seed);
    const file = path.join(dir, `s${seed}.csv`);
    fs.writeFileSync(file, bytes);
    const want = reference(bytes);
    for (const highWaterMark of [1, 7, 64, 1 << 18]) {
      const got: Array<{ next: number; line: number }> = [];
      for await (const block of scanCsv(file, { delimiter: 0x2c, label: 's.csv', highWaterMark })) {
        for (const r of block.records()) got.push({ next: block.offset + r.next, line: r.line });
      }
      expect(got).toEqual(want.map(({ next, line }) => ({ next, line })));
    }
  });

  it.each(SEEDS)('seed %i: the pre-filter passes every row that holds the subject', async (seed) => {
    const bytes = randomCsv(seed);
    const file = path.join(dir, `p${seed}.csv`);
    fs.writeFileSync(file, bytes);
    const needles = new IdentityMatcher([{ type: 'email', value: SUBJECT }]).needles(['email']);
    const plans = searchPlans(needles);
    // rows whose text, as discover reads it (NFC, lower case), holds a needle
    const want = reference(bytes)
      .filter((r, k) => k > 0 && needles.some((n) => r.fields.join(',').normalize('NFC').toLowerCase().includes(n)))
      .map((r) => r.line);
    for (const highWaterMark of [5, 64, 1 << 18]) {
      const got: number[] = [];
      let header = true;
      for await (const block of scanCsv(file, { delimiter: 0x2c, label: 'p.csv', highWaterMark })) {
        let from = block.start;
        if (header) {
          const h = block.recordFrom(block.start);
          if (!h) continue;
          from = h.next;
          header = false;
        }
        const recs: Rec[] = candidateRecords(block, from, needles, true, false, plans);
        got.push(...recs.map((r) => r.line));
      }
      expect(got).toEqual(expect.arrayContaining(want));
    }
  });

  it.each(SEEDS)('seed %i: discover finds the rows and lines csv-parse gives', async (seed) => {
    const bytes = randomCsv(seed);
    fs.writeFileSync(path.join(dir, `d${seed}.csv`), bytes);
    const subject = new IdentityMatcher([{ type: 'email', value: SUBJECT }]);
    const want = reference(bytes)
      .filter((r, k) => k > 0 && subject.matchCell('email', r.fields[0]!) !== null)
      .map((r) => `d${seed}.csv:${r.line}`);
    const cfg = csvSourceSchema.parse({ name: 's', kind: 'csv', path: `d${seed}.csv`, match: { email: ['Email'] } });
    const a = csvFactory.create(cfg, { configDir: dir, stateDir: path.join(dir, '.state') });
    const got: string[] = [];
    for await (const item of a.discover(subject, ctx())) if (!isIdentityLink(item)) got.push(item.locator);
    expect(got).toEqual(want);
  });
});
