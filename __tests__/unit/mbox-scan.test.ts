// The mbox scan (splitter.ts, scanner.ts, parallel.ts): the splitter finds exactly the message
// starts a brute-force reading finds, and stage 1 every message whose folded header block holds a
// pattern, on random data at any read size; the scan gives the splitter's messages and a stage 1
// that accepts, after stage 2, exactly the messages the old stage 1 (a search of the case-folded
// header blocks) accepted; byte ranges tile the messages; the faster stage 2 and the trimmed
// mailparser input change nothing.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { simpleParser, type ParsedMail } from 'mailparser';
import { addressHeaderText, decodeEncodedWords, mayBeInAddressHeader } from '../../src/adapters/mbox/bytes.js';
import { mboxSourceSchema } from '../../src/adapters/mbox/config.js';
import { foldHeaders } from '../../src/adapters/mbox/headers.js';
import { mboxFactory, messageBytes, withoutUnusedHeaders } from '../../src/adapters/mbox/index.js';
import { passesStageTwo, stageOneKeep, stageOnePatterns, stageTwoTests } from '../../src/adapters/mbox/needles.js';
import { planJobs, runJobs } from '../../src/adapters/mbox/parallel.js';
import { headerHits, scanMbox } from '../../src/adapters/mbox/scanner.js';
import {
  headerEndOf,
  isEnvelopeLine,
  lineAt,
  messageAt as hayMessageAt,
  messageEnd,
  plainEnvelopeAt,
  splitMbox,
  type MessageBatch,
} from '../../src/adapters/mbox/splitter.js';
import type { AdapterContext } from '../../src/adapters/types.js';
import { IdentityMatcher } from '../../src/core/identity.js';
import { isIdentityLink, type PersonalRecord } from '../../src/core/record.js';
import { prng } from '../helpers/prng.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const MAIL = path.join(ROOT, 'fixtures', 'demo', 'mail');

const mulberry32 = prng;

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'privacyctl-mbox-scan-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const latin1 = (s: string) => Buffer.from(s, 'latin1');

/** Random bytes rich in what the splitter and stage 1 look at. */
function noise(rnd: () => number, n: number, pieces: string[]): Buffer {
  const parts: Buffer[] = [];
  let len = 0;
  while (len < n) {
    const r = rnd();
    let b: Buffer;
    if (r < 0.45) b = latin1(pieces[Math.floor(rnd() * pieces.length)]!);
    else if (r < 0.5) b = Buffer.from('\u212a', 'utf8');
    else b = Buffer.from([Math.floor(rnd() * 256)]);
    parts.push(b);
    len += b.length;
  }
  return Buffer.concat(parts).subarray(0, n);
}

const PIECES = [
  '\n',
  '\r\n',
  '\n\n',
  '\n\r\n',
  'From ',
  'From',
  'F',
  '\nFrom ',
  'a',
  'A',
  'nN',
  'ann',
  'ANN',
  'Ann@Ex',
  '=?',
  '=',
  '?',
  ' at ',
  '.',
  '@',
  'bench.subject',
  'BENCH.SUBJECT',
  'zo',
  'x',
  'k',
  'K',
  '\n\nFrom a@b Mon Jan  1 00:00:00 2024\n',
  '\n\r\nFrom - Tue Dec 31 23:59:59 1999\r\n',
  '\n\nFrom a at b  Mon Jan  1 00:00:00 2024\n',
  '\n\nFrom x Mon Jan  1 00:00:00 2024',
  ' Mon Feb 12 10:11:12 2025',
  '00:00:00',
];

/** Brute force: every message start of data (an envelope line at the top, or a `From ` line after a blank line that parses), line by line. */
function referenceStarts(data: Buffer): number[] {
  const starts: number[] = [];
  const t = data.toString('latin1');
  let s = 0;
  while (s < t.length && ' \t\r\n'.includes(t[s]!)) s++;
  if (s < t.length) starts.push(s);
  for (let h = t.indexOf('\nFrom ', s); h !== -1; h = t.indexOf('\nFrom ', h + 1)) {
    if (!(t[h - 1] === '\n' || (t[h - 1] === '\r' && t[h - 2] === '\n'))) continue;
    const nl = t.indexOf('\n', h + 1);
    const line = t.slice(h + 1, nl === -1 ? t.length : nl).replace(/\r$/, '');
    if (isEnvelopeLine(line.slice(0, 1000))) starts.push(h + 1);
  }
  return starts;
}

describe('the splitter and stage 1 (one path, in TypeScript)', () => {
  it('find every message start, and every message whose header block holds a pattern, at any read size', async () => {
    const rnd = mulberry32(7);
    const sets = [
      [],
      ['ann', '=?'],
      ['bench.subject', '=?', '\u212a'],
      ['ann@example.org', ' at ', 'nn'],
      ['zo', 'ann', 'bench.subject', 'x@', '=?', '..', 'from ', 'k\u212a'],
    ];
    let plain = 0;
    let other = 0;
    let hit = 0;
    for (const set of sets) {
      const patterns = set.map((p) => Buffer.from(p, 'utf8'));
      for (let round = 0; round < 30; round++) {
        const data = Buffer.concat([latin1('From a@b Mon Jan  1 00:00:00 2024\n'), noise(rnd, Math.floor(rnd() * 3000), PIECES)]);
        const file = path.join(dir, `noise-${round}.mbox`);
        fs.writeFileSync(file, data);
        const want = referenceStarts(data);
        // brute force stage 1: each message's raw header block, folded, holds a pattern whole
        const wantHits = want.filter((st, i) => {
          const end = i + 1 < want.length ? want[i + 1]! : data.length;
          const head = Buffer.from(
            data
              .subarray(st, headerEndOf(data, st, end))
              .toString('latin1')
              .replace(/[A-Z]/g, (c) => c.toLowerCase()),
            'latin1',
          );
          return patterns.some((p) => head.includes(p));
        });
        for (const chunkSize of [1, 7, 333, undefined]) {
          const got: number[] = [];
          const gotHits: number[] = [];
          for await (const b of scanMbox(file, patterns, { label: file, chunkSize })) {
            got.push(...b.starts.map((x) => b.offset + x));
            gotHits.push(...b.hits.map((h) => b.offset + b.starts[h.index]!));
            for (const h of b.hits) expect(h.headerEnd).toBe(headerEndOf(b.buf, b.starts[h.index]!, messageEnd(b, h.index)));
          }
          expect([round, chunkSize, got, gotHits]).toEqual([round, chunkSize, want, wantHits]);
        }
        for (let i = 1; i < want.length; i++) {
          if (plainEnvelopeAt(data, want[i]!, data.length)) plain++;
          else other++;
        }
        hit += wantHits.length;
      }
    }
    expect(plain).toBeGreaterThan(50);
    expect(other).toBeGreaterThan(50);
    expect(hit).toBeGreaterThan(100);
  });

  it('never matches a pattern with a capital letter (the folded data has none)', () => {
    const buf = latin1('From a Mon Jan  1 00:00:00 2024\nX: Ann ann ANN\n\nbody\n');
    const batch = { buf, offset: 0, starts: [0], end: buf.length, final: true };
    expect(headerHits(batch, [latin1('Ann')])).toEqual([]);
    expect(headerHits(batch, [latin1('ann')])).toHaveLength(1);
  });
});

describe('plainEnvelopeAt', () => {
  it('accepts only lines that isEnvelopeLine accepts, and the usual asctime lines', () => {
    const usual = ['From ann@example.org Mon Jan  1 00:00:00 2024\n', 'From bo@x.example Tue Dec 31 23:59:59 1999\r\n', 'From - Wed Feb 12 10:11:12 2025\n'];
    for (const l of usual) expect(plainEnvelopeAt(latin1(l), 0, l.length)).toBe(true);
    const rnd = mulberry32(11);
    const bits = [
      'From ',
      'ann@x',
      ' ',
      '  ',
      'Mon',
      'Jan',
      'jan',
      'Foo',
      '1',
      '12',
      '00:00:00',
      '00:00',
      '2024',
      '24',
      '\n',
      '\r\n',
      '\r',
      'x',
      '\t',
      '\xa0',
      ':',
    ];
    let accepted = 0;
    for (let i = 0; i < 20000; i++) {
      let s = i % 2 ? 'From ann@x Mon Jan  1 ' : 'From ';
      const n = Math.floor(rnd() * 8);
      for (let j = 0; j < n; j++) s += bits[Math.floor(rnd() * bits.length)];
      if (rnd() < 0.5) s += '00:00:00 2024\n';
      const b = latin1(s);
      if (!plainEnvelopeAt(b, 0, b.length)) continue;
      accepted++;
      const nl = b.indexOf(0x0a);
      expect([s, isEnvelopeLine(lineAt(b, 0, nl === -1 ? b.length : nl))]).toEqual([s, true]);
    }
    expect(accepted).toBeGreaterThan(100);
  });
});

// addressHeaderText as it was: decode the whole block, unfold, split, keep address headers.
function addressHeaderTextReference(headerBlock: Buffer): string | null {
  const ADDRESS = new Set(['from', 'sender', 'reply-to', 'to', 'cc']);
  const text = headerBlock.toString('utf8').replace(/\r?\n[ \t]+/g, ' ');
  const parts: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    if (!ADDRESS.has(line.slice(0, colon).trim().toLowerCase())) continue;
    let value = line.slice(colon + 1);
    if (value.includes('=?')) {
      const d = decodeEncodedWords(value);
      if (d === null) return null;
      value = d;
    }
    parts.push(value);
  }
  return parts.join('\n').normalize('NFC').toLowerCase();
}

describe('addressHeaderText', () => {
  it('gives the text of decoding, unfolding and splitting the whole block', () => {
    const rnd = mulberry32(3);
    const pieces = [
      'From',
      'FROM',
      'To',
      'cc',
      ' Cc',
      'Reply-To',
      'sender',
      'Subject',
      'X-To',
      ':',
      ': ',
      '\n',
      '\r\n',
      '\n ',
      '\n\t',
      '\r\n ',
      ' ',
      '\t',
      'ann@example.org',
      'Ann',
      '=?utf-8?q?ann=40x?=',
      '=?utf-8?b?YW5u?=',
      '=?x-bad?q?a?=',
      '\xc3\xa9',
      '\xe2\x84\xaa',
      '\xc2\xa0',
      '\xff',
      '\r',
      ',',
    ];
    for (let i = 0; i < 4000; i++) {
      const n = Math.floor(rnd() * 30);
      let s = '';
      for (let j = 0; j < n; j++) s += pieces[Math.floor(rnd() * pieces.length)];
      const b = latin1(s);
      expect([s, addressHeaderText(b)]).toEqual([s, addressHeaderTextReference(b)]);
    }
  });

  it('is not changed by an encoded word that mayBeInAddressHeader places outside the address headers', () => {
    const rnd = mulberry32(4);
    const pieces = [
      'From',
      'To',
      ' cc',
      'Subject',
      'X-To',
      'Re',
      ':',
      ': ',
      '\n',
      '\r\n',
      '\n ',
      '\n\t',
      ' ',
      'ann@example.org',
      '=?utf-8?q?ann=40x?=',
      '=?',
      '\xc3\xa9',
      ',',
    ];
    const outside = [0, 0];
    for (let i = 0; i < 4000; i++) {
      const n = Math.floor(rnd() * 24);
      let s = '';
      for (let j = 0; j < n; j++) s += pieces[Math.floor(rnd() * pieces.length)];
      const b = latin1(s);
      const text = addressHeaderText(b);
      for (let at = b.indexOf('=?'); at !== -1; at = b.indexOf('=?', at + 1)) {
        const inside = mayBeInAddressHeader(b, 0, at);
        outside[inside ? 0 : 1]!++;
        if (inside) continue;
        const changed = Buffer.from(b);
        changed[at + 1] = 0x21; // "=!": no encoded word any more
        expect([s, at, addressHeaderText(changed)]).toEqual([s, at, text]);
      }
    }
    expect(outside.every((k) => k > 100)).toBe(true);
    expect(mayBeInAddressHeader(latin1('From: a@b\nSubject: =?utf-8?q?x?=\n'), 0, 19)).toBe(false);
    expect(mayBeInAddressHeader(latin1('From: a@b\nTo: c,\n =?utf-8?q?x?=\n'), 0, 18)).toBe(true);
  });
});

// ---- archives ----

/** A generated archive with the splitter's hard cases: blank lines at the top, CRLF, mboxrd/mboxo lines, pipermail, encoded words, a subject in many forms. */
function archive(seed: number, n: number, crlf = false): Buffer {
  const rnd = mulberry32(seed);
  const who = ['ann@example.org', 'ANN@Example.ORG', 'bo@lanternfish.example', 'joann@example.org', 'ann at example.org', 'x@y.example'];
  const pick = <T>(xs: T[]) => xs[Math.floor(rnd() * xs.length)]!;
  let s = rnd() < 0.5 ? '\n\n' : '';
  for (let i = 0; i < n; i++) {
    const env = rnd() < 0.2 ? 'ann at example.org  ' : pick(['bo@lanternfish.example ', 'ann@example.org ', '- ']);
    s += `From ${env}Mon Jan  ${1 + (i % 9)} 0${i % 10}:00:00 2024\n`;
    s += `From: ${pick(who)}\n`;
    if (rnd() < 0.5) s += `To: ${pick(who)},\n\t${pick(who)}\n`;
    if (rnd() < 0.2) s += `Cc: =?utf-8?q?${pick(who).replace('@', '=40')}?=\n`;
    if (rnd() < 0.2) s += `Subject: =?utf-8?q?caf=C3=A9?=\n`;
    if (rnd() < 0.1) s += `Received: from a by b for <${pick(who)}>\n`;
    if (rnd() < 0.05) s += `X-K: \u212aim\n`;
    s += `Message-ID: <${i}@t>\n`;
    if (rnd() < 0.9) s += '\n';
    s += `Body ${i} ${pick(who)}\n`;
    if (rnd() < 0.2) s += '\nFrom what I remember, nothing.\n';
    if (rnd() < 0.2) s += '>From an escaped line\n';
    s += '\n';
  }
  if (crlf) s = s.replace(/\n/g, '\r\n');
  return Buffer.from(s, 'utf8');
}

const ctx = (): AdapterContext => ({ signal: new AbortController().signal, log: { info() {}, warn() {} }, stats: {} });

function files(): string[] {
  const out: string[] = [];
  for (const f of fs.readdirSync(MAIL)) out.push(path.join(MAIL, f));
  const write = (name: string, b: Buffer) => {
    const p = path.join(dir, name);
    fs.writeFileSync(p, b);
    out.push(p);
  };
  write('gen.mbox', archive(1, 300));
  write('crlf.mbox', archive(2, 120, true));
  write('cut.mbox', Buffer.concat([archive(3, 40), latin1('From ann@example.org Mon Jan  1 00:00:00 2024\nFrom: ann@exa')]));
  return out;
}

const ANN = new IdentityMatcher([{ type: 'email', value: 'ann@example.org' }]);
const needlesOf = (m: IdentityMatcher) => {
  const emails = m.needles(['email']).filter((x) => x.includes('@'));
  return [...emails, ...emails.map((x) => x.replace('@', ' at '))];
};

/** The old stage 1: the patterns in the case-folded copy of the header blocks. */
function oldStageOne(batch: MessageBatch, patterns: Buffer[]): Set<number> {
  const hits = new Set<number>();
  if (batch.starts.length === 0 || patterns.length === 0) return hits;
  const { hay, offs } = foldHeaders(batch);
  for (const p of patterns) for (let at = hay.indexOf(p); at !== -1; at = hay.indexOf(p, at + 1)) hits.add(hayMessageAt(offs, at));
  return hits;
}

const shape = (b: MessageBatch) => ({ offset: b.offset, starts: b.starts, end: b.end, final: b.final });

describe('scanMbox', () => {
  it('gives the splitter batches, and a stage 1 that stage 2 leaves as the old one left it', async () => {
    const needles = needlesOf(ANN);
    const patterns = stageOnePatterns(needles);
    const tests = stageTwoTests(needles);
    for (const file of files()) {
      for (const chunkSize of [1, 7, 64, 333, 4096, undefined]) {
        {
          const split: Array<ReturnType<typeof shape> & { old: number[] }> = [];
          for await (const b of splitMbox(file, { label: file, chunkSize })) {
            const hEnds = b.starts.length > 0 ? [...foldHeaders(b).hEnds] : [];
            const old = [...oldStageOne(b, patterns)].filter((i) => passesStageTwo(b.buf, b.starts[i]!, hEnds[i]!, tests));
            split.push({ ...shape(b), old: old.sort((x, y) => x - y) });
          }
          for (const keepHit of [undefined, stageOneKeep(patterns)]) {
            // (keepHit: an encoded word outside the address headers does not count; after stage 2, no difference)
            const scanned: typeof split = [];
            for await (const b of scanMbox(file, patterns, { label: file, chunkSize, keepHit })) {
              const old = new Set(oldStageOne(b, patterns));
              for (const h of b.hits) expect(old.has(h.index)).toBe(true); // never more than the old stage 1
              scanned.push({ ...shape(b), old: b.hits.filter((h) => passesStageTwo(b.buf, b.starts[h.index]!, h.headerEnd, tests)).map((h) => h.index) });
            }
            expect(scanned).toEqual(split);
          }
        }
      }
    }
  });

  it('tiles the messages with byte ranges, wherever they are cut', async () => {
    const needles = needlesOf(ANN);
    const patterns = stageOnePatterns(needles);
    const rnd = mulberry32(5);
    for (const file of files()) {
      const size = fs.statSync(file).size;
      const whole: number[] = [];
      const wholeHits: number[] = [];
      for await (const b of scanMbox(file, patterns, { label: file })) {
        whole.push(...b.starts.map((s) => b.offset + s));
        wholeHits.push(...b.hits.map((h) => b.offset + b.starts[h.index]!));
      }
      for (let round = 0; round < 6; round++) {
        const cuts = [...new Set([0, ...Array.from({ length: 1 + Math.floor(rnd() * 6) }, () => Math.floor(rnd() * size))])].sort((a, b) => a - b);
        const got: number[] = [];
        const gotHits: number[] = [];
        let finals = 0;
        for (let i = 0; i < cuts.length; i++) {
          const to = i + 1 < cuts.length ? cuts[i + 1]! : Infinity;
          for await (const b of scanMbox(file, patterns, { label: file, from: cuts[i]!, to, chunkSize: 1 + Math.floor(rnd() * 5000) })) {
            got.push(...b.starts.map((s) => b.offset + s));
            gotHits.push(...b.hits.map((h) => b.offset + b.starts[h.index]!));
            if (b.final) finals++;
          }
        }
        expect({ cuts, got, gotHits }).toEqual({ cuts, got: whole, gotHits: wholeHits });
        expect(finals).toBe(1);
      }
    }
  });

  it('runs jobs on this thread, in order, with the results of one scan', async () => {
    const needles = needlesOf(ANN);
    const setup = { patterns: stageOnePatterns(needles).map((p) => p.toString('latin1')), needles };
    const list = files().map((p) => ({ path: p, label: p, size: fs.statSync(p).size }));
    const all = async (jobBytes: number) => {
      let messages = 0;
      const candidates: number[] = [];
      const finals: number[] = [];
      for await (const { job, batch } of runJobs(planJobs(list, jobBytes), setup, 0)) {
        messages += batch.messages;
        for (let k = 0; k < batch.candidates.length; k += 3) candidates.push(job.file, ...batch.candidates.slice(k, k + 3));
        if (batch.final) finals.push(job.file, batch.truncation?.at ?? -1);
      }
      return { messages, candidates, finals };
    };
    const one = await all(1 << 30);
    expect(one.finals).toContain(list.length - 1); // cut.mbox ends in a truncated message
    for (const jobBytes of [100, 997, 5000]) expect(await all(jobBytes)).toEqual(one);
  });

  it('rejects a file that is not an mbox from its first range only', async () => {
    const file = path.join(dir, 'notes.mbox');
    fs.writeFileSync(file, Buffer.concat([latin1('hello\n\n'), archive(4, 50)]));
    const scan = async (from: number, to: number) => {
      const out: number[] = [];
      for await (const b of scanMbox(file, [], { label: 'notes.mbox', from, to })) out.push(...b.starts);
      return out;
    };
    await expect(scan(0, 100)).rejects.toThrow(/notes\.mbox: not an mbox file/);
    expect((await scan(100, Infinity)).length).toBeGreaterThan(40);
  });
});

describe('discover on the parallel path', () => {
  it('gives the records of a scan on the main thread (the jobs run here under the tests)', async () => {
    const all = files();
    for (const f of all) if (!f.startsWith(dir)) fs.copyFileSync(f, path.join(dir, path.basename(f)));
    const a = mboxFactory.create(mboxSourceSchema.parse({ name: 'l', kind: 'mbox', paths: ['*.mbox'] }), { configDir: dir, stateDir: path.join(dir, '.p') });
    const run = async (workers: string | undefined, m: IdentityMatcher) => {
      const before = process.env['PRIVACYCTL_MBOX_WORKERS'];
      if (workers === undefined) delete process.env['PRIVACYCTL_MBOX_WORKERS'];
      else process.env['PRIVACYCTL_MBOX_WORKERS'] = workers;
      try {
        const c = ctx();
        const out: PersonalRecord[] = [];
        for await (const x of a.discover(m, c)) if (!isIdentityLink(x)) out.push(x);
        return { out, stats: c.stats };
      } finally {
        if (before === undefined) delete process.env['PRIVACYCTL_MBOX_WORKERS'];
        else process.env['PRIVACYCTL_MBOX_WORKERS'] = before;
      }
    };
    for (const m of [ANN, new IdentityMatcher([{ type: 'email', value: 'bo@lanternfish.example' }])]) {
      const here = await run('0', m);
      expect(here.out.length).toBeGreaterThan(10);
      expect(await run('2', m)).toEqual(here);
    }
  });

  it('gives discoverMany the records of a pass on the main thread, decoded in the jobs', async () => {
    for (const f of files()) if (!f.startsWith(dir)) fs.copyFileSync(f, path.join(dir, path.basename(f)));
    const a = mboxFactory.create(mboxSourceSchema.parse({ name: 'l', kind: 'mbox', paths: ['*.mbox'] }), { configDir: dir, stateDir: path.join(dir, '.p') });
    const subjects = ['ann@example.org', 'bo@lanternfish.example', 'joann@example.org', 'x@y.example', 'nobody@example.org'].map(
      (e) => new IdentityMatcher([{ type: 'email', value: e }]),
    );
    const run = async (workers: string) => {
      const before = process.env['PRIVACYCTL_MBOX_WORKERS'];
      process.env['PRIVACYCTL_MBOX_WORKERS'] = workers;
      try {
        const c = ctx();
        const out: unknown[] = [];
        for await (const t of a.discoverMany!(subjects, c)) out.push(t);
        return { out, stats: c.stats };
      } finally {
        if (before === undefined) delete process.env['PRIVACYCTL_MBOX_WORKERS'];
        else process.env['PRIVACYCTL_MBOX_WORKERS'] = before;
      }
    };
    const here = await run('0');
    expect(here.out.length).toBeGreaterThan(50);
    expect(await run('2')).toEqual(here);
  });
});

describe('withoutUnusedHeaders', () => {
  const used = (p: ParsedMail) => ({
    from: p.from,
    sender: p.headers.get('sender'),
    replyTo: p.replyTo,
    to: p.to,
    cc: p.cc,
    messageId: p.messageId,
    date: p.date?.getTime(),
    subject: p.subject,
    inReplyTo: p.inReplyTo,
    text: p.text,
    attachments: p.attachments.map((x) => ({ filename: x.filename, contentType: x.contentType, size: x.size })),
    lines: p.headerLines.filter((l) => l.key === 'date' || l.key === 'list-id'),
  });
  it('leaves every field a record is built from as it was', async () => {
    const messages: Buffer[] = [];
    for (const f of files()) {
      for await (const b of splitMbox(f, { label: f }))
        for (let i = 0; i < b.starts.length; i++) messages.push(Buffer.from(b.buf.subarray(b.starts[i], messageEnd(b, i))));
    }
    messages.push(
      latin1(
        'From x Mon Jan  1 00:00:00 2024\nReceived: from a\n\tby b\nX-Mailer: y\nDKIM-Signature: v=1;\n b=abc\nFrom: Ann <ann@example.org>\nReferences: <a@b>\n <c@d>\nList-Unsubscribe: <mailto:u@x>\nList-Id: Dev <dev.x>\nContent-Type: multipart/mixed; boundary="b"\nDate: Mon, 1 Jan 2024 00:00:00 +0000\n\n--b\nContent-Type: text/plain\n\nhi\n--b\nContent-Type: text/plain; name="a.txt"\nContent-Disposition: attachment; filename="a.txt"\n\nfile\n--b--\n',
      ),
      latin1('From x Mon Jan  1 00:00:00 2024\r\nX-A: 1\r\nTo: bo@x\r\n  \r\nX-B: 2\r\nFrom: ann@example.org\r\n\r\nbody\r\n'),
      latin1('From x Mon Jan  1 00:00:00 2024\nX-A: 1\nodd line\nReceived: r\nFrom: ann@example.org\n\nbody\n'),
    );
    let trimmed = 0;
    for (const raw of messages) {
      const m = messageBytes(raw);
      const w = withoutUnusedHeaders(m);
      if (w.length < m.length) trimmed++;
      expect(used(await simpleParser(w))).toEqual(used(await simpleParser(m)));
    }
    expect(trimmed).toBeGreaterThan(20);
  });
});
