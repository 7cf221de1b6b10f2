// A streaming CSV scanner that does no per-record work unless asked. For each block it walks the
// quotes only (Buffer.indexOf from quote to quote), checking quoting as strictly as csv-parse does
// (a quote may only open a field and must be followed by a delimiter or a line end when it
// closes), and keeps the quoted spans. A newline outside those spans ends a record, so the record
// around any byte (a search hit) is found with lastIndexOf/indexOf and the spans; a physical line
// number is 1 + the newlines before it. Only identities() needs every record (records()).
// Records are byte ranges so an erasure can copy every other row byte for byte; csv-parse then
// reads only the rows that may concern the subject.
import { promises as fsp } from 'node:fs';
import { fileChunks, type RewriteInput } from '../../core/atomic-file.js';
import { SourceError } from '../../core/errors.js';

const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const STITCH = 1 << 14; // bytes of a chunk joined to the carry (see scanCsv)

/** One record: byte offsets in its block's `buf`. */
export interface Rec {
  start: number;
  /** End of the content (before CR LF or LF). */
  end: number;
  /** After the line terminator. */
  next: number;
  /** Physical line (1-based) where the record starts. */
  line: number;
}

/** Complete records of one piece of the file, found on demand. */
export interface Block {
  buf: Buffer;
  /** Byte offset of `buf[0]` in the file. */
  offset: number;
  /** First record starts here; bytes before it (a BOM) belong to no record. */
  start: number;
  /** Everything up to here is covered by the records of this block. */
  end: number;
  /** Physical line of `start`. */
  firstLine: number;
  /** Line number of the first byte after `end`. */
  nextLine: number;
  /** The first record at or after `from` (blank lines skipped), or null. */
  recordFrom(from: number): Rec | null;
  /** The record that holds byte `pos` (a byte of content, start <= pos < end). */
  recordAt(pos: number): Rec;
  /** Every record from `from` on (blank lines skipped, as csv-parse's skip_empty_lines does). */
  records(from?: number): Rec[];
}

export interface ScanOptions {
  delimiter: number;
  signal?: AbortSignal;
  /** For messages: the path as configured. */
  label: string;
  highWaterMark?: number;
}

export async function* scanCsv(file: string | RewriteInput, opts: ScanOptions): AsyncGenerator<Block> {
  let carry: Buffer | null = null; // the bytes after the last complete record
  // Chunks read since: the carry is scanned again only once as many bytes have come as it holds,
  // so a record far longer than a chunk is copied and scanned a bounded number of times over
  // (linear in its length), not once per chunk.
  let waiting: Buffer[] = [];
  let waitingBytes = 0;
  let fileOffset = 0; // offset in the file of buf[0]
  let line = 1;
  let first = true;
  // 1 MiB reads of a file into two reused buffers: fewer round trips to the thread pool; a
  // rewrite's input allocates each chunk, where 256 KiB keeps the peak RSS down
  const size = opts.highWaterMark ?? (typeof file === 'string' ? 1 << 20 : 1 << 18);
  const inUse = (b: Buffer) => carry?.buffer === b.buffer || waiting.some((w) => w.buffer === b.buffer);
  for await (const chunk of typeof file === 'string' ? readChunks(file, size, inUse) : fileChunks(file, size)) {
    if (opts.signal?.aborted) throw opts.signal.reason ?? new Error('aborted');
    if (carry && waitingBytes + chunk.length < carry.length) {
      waiting.push(chunk);
      waitingBytes += chunk.length;
      continue;
    }
    let buf: Buffer = chunk;
    if (carry && !first && waiting.length === 0 && carry.length <= STITCH) {
      // Copy only the record cut by the chunk boundary, not the whole chunk: the carry and the
      // chunk's first bytes are a block of their own up to the last record end in them.
      const head = scanBlock(Buffer.concat([carry, chunk.subarray(0, STITCH)]), 0, line, false, opts);
      if (head.end > carry.length) {
        head.offset = fileOffset;
        line = head.nextLine;
        fileOffset += head.end;
        buf = chunk.subarray(head.end - carry.length);
        carry = null;
        yield head;
      }
    }
    if (carry) buf = Buffer.concat([carry, ...waiting, chunk]);
    waiting = [];
    waitingBytes = 0;
    let start = 0;
    if (first) {
      if (buf.length < 3 && buf.subarray(0, buf.length).equals(BOM.subarray(0, buf.length))) {
        carry = buf;
        continue;
      }
      if (buf.subarray(0, 3).equals(BOM)) start = 3;
      first = false;
    }
    const block = scanBlock(buf, start, line, false, opts);
    block.offset = fileOffset;
    line = block.nextLine;
    carry = block.end < buf.length ? buf.subarray(block.end) : null;
    fileOffset += block.end;
    if (block.end > 0) yield block;
  }
  if (carry) carry = Buffer.concat([carry, ...waiting]);
  if (carry && carry.length > 0) {
    let start = 0;
    if (first && carry.subarray(0, 3).equals(BOM)) start = 3;
    const block = scanBlock(carry, start, line, true, opts);
    block.offset = fileOffset;
    yield block;
  }
}

/**
 * The chunks of a file, read into two buffers in turn instead of a new one for each read (the GC
 * of 600 dropped 256 KiB buffers was a tenth of a `find`). A chunk's buffer is read into again
 * two reads later, when its blocks have been used, unless the carry or a waiting chunk is in it.
 */
async function* readChunks(path: string, size: number, inUse: (b: Buffer) => boolean): AsyncGenerator<Buffer> {
  const fh = await fsp.open(path, 'r');
  try {
    let older: Buffer | null = null;
    let last: Buffer | null = null;
    for (;;) {
      const buf: Buffer = older && !inUse(older) ? older : Buffer.allocUnsafeSlow(size);
      older = last;
      last = buf;
      const { bytesRead } = await fh.read(buf, 0, size, null);
      if (bytesRead === 0) return;
      yield buf.subarray(0, bytesRead);
    }
  } finally {
    await fh.close();
  }
}

/** Newlines in buf[from, to). */
function countLf(buf: Buffer, from: number, to: number): number {
  let n = 0;
  let i = buf.indexOf(LF, from);
  while (i !== -1 && i < to) {
    n++;
    i = buf.indexOf(LF, i + 1);
  }
  return n;
}

function malformed(opts: ScanOptions, line: number, what: string): SourceError {
  return new SourceError(`${opts.label}: malformed CSV at line ${line}: ${what}`, 'fix the file (or export it again) and re-run; no file was changed');
}

/**
 * Check the quoting of buf from `start` (a record start) and find where its complete records end;
 * `final` when no more data follows. `firstLine` is the physical line of `start`.
 */
function scanBlock(buf: Buffer, start: number, firstLine: number, final: boolean, opts: ScanOptions): Block {
  const delim = opts.delimiter;
  const len = buf.length;
  // Quoted spans as [open, close] pairs of quote offsets; an open span at the end has close = len.
  const spans: number[] = [];
  const lineOf = (pos: number) => firstLine + countLf(buf, start, pos);
  /** The quoted span that holds byte `p` (its index in pairs), or -1: a binary search. */
  const spanOf = (p: number): number => {
    let lo = 0;
    let hi = spans.length / 2 - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const open = spans[2 * mid]!;
      if (p <= open) hi = mid - 1;
      else if (p >= spans[2 * mid + 1]!) lo = mid + 1;
      else return mid;
    }
    return -1;
  };
  /** Start of the record that holds `pos` (just after the last newline outside quotes before it). */
  const recordStart = (pos: number): number => {
    let p = pos;
    for (;;) {
      const nl = p > start ? buf.lastIndexOf(LF, p - 1) : -1;
      if (nl < start) return start;
      const k = spanOf(nl);
      if (k === -1) return nl + 1;
      p = spans[2 * k]!;
    }
  };
  /** The newline outside quotes at or after `pos`, or -1. */
  const recordEnd = (pos: number, limit: number): number => {
    let p = pos;
    for (;;) {
      const nl = buf.indexOf(LF, p);
      if (nl === -1 || nl >= limit) return -1;
      const k = spanOf(nl);
      if (k === -1) return nl;
      p = spans[2 * k + 1]!; // on from the closing quote
    }
  };

  let pos = start;
  let complete = true; // false: the data ends inside a quoted field, or on a quote whose meaning the next byte decides
  for (;;) {
    const q = buf.indexOf(QUOTE, pos);
    if (q === -1) break;
    const before = buf[q - 1];
    if (q !== start && before !== delim && before !== LF) throw malformed(opts, lineOf(q), 'a quote inside an unquoted field');
    // Inside the quoted field: skip escaped quotes ("") to the closing one.
    let c = buf.indexOf(QUOTE, q + 1);
    while (c !== -1 && c + 1 < len && buf[c + 1] === QUOTE) c = buf.indexOf(QUOTE, c + 2);
    if (c === -1 || (c + 1 >= len && !final)) {
      if (final) throw malformed(opts, lineOf(recordStart(q)), 'a quoted field is never closed');
      spans.push(q, len);
      complete = false;
      break;
    }
    const after = c + 1 < len ? buf[c + 1]! : -1;
    if (after !== -1 && after !== delim && after !== LF && after !== CR) throw malformed(opts, lineOf(c), 'a character after a closing quote');
    spans.push(q, c);
    pos = c + 1;
  }

  // Where the complete records end: after the last newline outside quotes (or the whole of the
  // final piece).
  let end: number;
  if (final) end = len;
  else {
    let p = complete ? len : spans[spans.length - 2]!;
    end = start;
    for (;;) {
      const nl = p > start ? buf.lastIndexOf(LF, p - 1) : -1;
      if (nl < start) break;
      const k = spanOf(nl);
      if (k === -1) {
        end = nl + 1;
        break;
      }
      p = spans[2 * k]!;
    }
  }
  const nextLine = firstLine + countLf(buf, start, end);

  // Line numbers of successive look-ups are counted on from the last one (hits come in order).
  let lastPos = start;
  let lastLine = firstLine;
  const lineAt = (p: number): number => {
    if (p < lastPos) {
      lastPos = start;
      lastLine = firstLine;
    }
    lastLine += countLf(buf, lastPos, p);
    lastPos = p;
    return lastLine;
  };
  const make = (s: number): Rec => {
    const nl = recordEnd(s, end);
    const next = nl === -1 ? end : nl + 1;
    const contentEnd = nl === -1 ? end : nl > s && buf[nl - 1] === CR ? nl - 1 : nl;
    return { start: s, end: contentEnd, next, line: lineAt(s) };
  };
  const recordFrom = (from: number): Rec | null => {
    let s = from;
    // blank lines (a bare LF or CR LF) are no records
    for (;;) {
      if (s >= end) return null;
      if (buf[s] === LF) s++;
      else if (buf[s] === CR && s + 1 < end && buf[s + 1] === LF) s += 2;
      else return make(s);
    }
  };
  return {
    buf,
    offset: 0,
    start,
    end,
    firstLine,
    nextLine,
    recordFrom,
    recordAt: (p) => make(recordStart(p)),
    records(from = start) {
      const out: Rec[] = [];
      for (let r = recordFrom(from); r; r = recordFrom(r.next)) out.push(r);
      return out;
    },
  };
}

/** The records that hold the byte offsets `hits` (any order, repeats), each once, in order. */
export function recordsAt(block: Block, hits: number[]): Rec[] {
  hits.sort((a, b) => a - b);
  const out: Rec[] = [];
  for (const h of hits) {
    const last = out[out.length - 1];
    if (last && h < last.next) continue;
    out.push(block.recordAt(h));
  }
  return out;
}
