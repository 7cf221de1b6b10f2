// The mbox reader of discover and erase: the splitter's messages (splitter.ts: the same
// boundaries, batches that tile the file) and, in the same pass, stage 1 of the pre-filter: the
// messages whose header block (envelope line included) holds one of the stage-1 patterns, ASCII
// case folded. Both come from one scan kernel pass over each read (kernel.ts), which reads the
// file straight into its memory: no header block is copied or case-folded in JavaScript.
//
// A scan may cover a byte range of the file (`from`, `to`): the messages that start in it, so
// that ranges that meet tile the file's messages (parallel.ts hands ranges to worker threads).
// A message starts at the first non-blank byte of the file, or at a `From ` line that follows a
// blank line and parses as an envelope line; both are decided by the bytes around that line
// alone, so a range can find its first message without reading what comes before it.
import { openSync, closeSync, readSync, fstatSync } from 'node:fs';
import type { RewriteInput } from '../../core/atomic-file.js';
import { SourceError } from '../../core/errors.js';
import { plainEnvelopeAt, type Kernel } from './kernel.js';
import { isEnvelopeLine, messageEnd, type MessageBatch } from './splitter.js';

export { plainEnvelopeAt };

const LF = 0x0a;
const CR = 0x0d;
const NL_FROM = Buffer.from('\nFrom ', 'latin1');
const FROM = Buffer.from('From ', 'latin1');

export interface ScanBatch extends MessageBatch {
  /**
   * Stage 1: the messages (indexes into `starts`, ascending) with a pattern in their header
   * block, and where that block ends (headerEnd: the offset of the blank line, or the message's end).
   */
  hits: Array<{ index: number; headerEnd: number }>;
}

export interface ScanOptions {
  signal?: AbortSignal;
  /** The path as configured, for messages. */
  label: string;
  chunkSize?: number;
  /**
   * Batches are views of the kernel's memory, valid until the next batch is asked for (for
   * consumers that keep no slice of a batch); otherwise each batch has a buffer of its own.
   */
  reuse?: boolean;
  /** Scan the messages that start in [from, to) only (default: the whole file). */
  from?: number;
  to?: number;
  /** Whether a hit of pattern k at x, in the header block of the message at start, counts (default: all do). */
  keepHit?: (buf: Buffer, start: number, x: number, k: number) => boolean;
}

/** End of the header block of the message at [start, end): the offset of the blank line, or end. */
export function headerEndOf(buf: Buffer, start: number, end: number): number {
  let p = buf.indexOf(LF, start);
  while (p !== -1 && p + 1 < end) {
    if (buf[p + 1] === LF) return p + 1;
    if (buf[p + 1] === CR && p + 2 < end && buf[p + 2] === LF) return p + 1;
    p = buf.indexOf(LF, p + 1);
  }
  return end;
}

export function lineAt(buf: Buffer, start: number, end: number): string {
  const stop = Math.min(end, start + 1000);
  return buf.toString('latin1', start, stop > start && buf[stop - 1] === CR ? stop - 1 : stop);
}

/** The message whose bytes hold pos: the last i with starts[i] <= pos (starts[0] <= pos). */
function messageAt(starts: number[], pos: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= pos) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** A file to read at offsets: its size (when opened), and fs.readSync's reads. */
interface Positional {
  size: number;
  readSync(buf: Buffer, offset: number, length: number, position: number): number;
}

/**
 * The offset of the first message start at or after `pos` (pos > 0) that follows a blank line:
 * a `From ` line after `\n\n` or `\n\r\n` that parses as an envelope; `size` when there is none.
 * (The first message of a file, after blank lines at its top, is the splitter's business.)
 */
export function boundaryAtOrAfter(file: Positional, pos: number): number {
  const size = file.size;
  let w0 = Math.max(0, pos - 3); // the blank line before a `From ` at pos
  let want = 1 << 16;
  while (w0 < size) {
    const buf = Buffer.allocUnsafe(Math.min(want, size - w0));
    const n = file.readSync(buf, 0, buf.length, w0);
    if (n <= 0) return size;
    const data = buf.subarray(0, n);
    const atEnd = w0 + n >= size;
    let incomplete = false;
    for (let h = data.indexOf(NL_FROM, Math.max(0, pos - 1 - w0)); h !== -1; h = data.indexOf(NL_FROM, h + 1)) {
      const blank = (h >= 1 && data[h - 1] === LF) || (h >= 2 && data[h - 1] === CR && data[h - 2] === LF);
      if (!blank || w0 + h + 1 < pos) continue;
      const nl = data.indexOf(LF, h + 1);
      if (nl === -1 && !atEnd) {
        incomplete = true; // read the rest of its line
        break;
      }
      if (isEnvelopeLine(lineAt(data, h + 1, nl === -1 ? n : nl))) return w0 + h + 1;
    }
    if (atEnd) return size;
    if (incomplete) want *= 2;
    else w0 = Math.max(w0 + 1, w0 + n - 8); // a `\n\r\nFrom ` across the window's end is seen again
  }
  return size;
}

/**
 * The messages of an mbox file (or of a range of it), batch by batch, with stage 1 of the
 * pre-filter: `kernel` searches for the patterns, whose byte lengths are `patternLengths`.
 * The messages and batch boundaries are the splitter's (splitMbox) for the same file.
 */
export async function* scanMbox(path: string | RewriteInput, kernel: Kernel, patternLengths: readonly number[], opts: ScanOptions): AsyncGenerator<ScanBatch> {
  const chunk = opts.chunkSize ?? 1 << 20;
  const fd = typeof path === 'string' ? openSync(path, 'r') : null;
  try {
    const file: Positional = fd === null ? (path as RewriteInput) : { size: fstatSync(fd).size, readSync: (buf, off, len, pos) => readSync(fd, buf, off, len, pos) };
    const size = file.size;
    const from = opts.from ?? 0;
    // where the range's messages start and end: the messages that start in [from, to)
    const first = from === 0 ? 0 : boundaryAtOrAfter(file, from);
    if (first >= size && from > 0) return; // no message starts in [from, to): an earlier range reads to the end
    const to = opts.to ?? Infinity;
    const end = to >= size ? size : boundaryAtOrAfter(file, to);
    const limit = end >= size ? Infinity : end; // Infinity: to the end of the file, as it grows
    if (first >= limit) return;
    let readPos = first;
    let carryLen = 0;
    let carryOffset = first; // file offset of the input area's first byte
    let started = first > 0; // the first message has been found
    let tuned = false;
    for (;;) {
      if (opts.signal?.aborted) throw opts.signal.reason ?? new Error('aborted');
      // a read grows to the size of a message that spans it, so copying stays linear
      const want = Math.min(Math.max(chunk, carryLen), limit - readPos);
      const buf = kernel.reserve(carryLen + want);
      const bytesRead = want > 0 ? file.readSync(buf, carryLen, want, readPos) : 0;
      readPos += bytesRead;
      const eof = bytesRead === 0 || readPos >= limit;
      const len = carryLen + bytesRead;
      const data = buf.subarray(0, len);
      if (!tuned && len > 0) {
        kernel.tune(data);
        tuned = true;
      }
      const starts: number[] = [];
      if (!started) {
        // Skip blank lines at the top; then the file must open with an envelope line.
        let s = 0;
        while (s < len && (data[s] === LF || data[s] === CR || data[s] === 0x20 || data[s] === 0x09)) s++;
        const nl = s === len ? -1 : data.indexOf(LF, s);
        if (s === len || (nl === -1 && !eof)) {
          if (eof) return; // an empty (or blank) file: no messages
          carryLen = len;
          continue;
        }
        if (!data.subarray(s, s + 5).equals(FROM) || !isEnvelopeLine(lineAt(data, s, nl === -1 ? len : nl))) {
          throw new SourceError(
            `${opts.label}: not an mbox file (it does not begin with a "From sender date" envelope line)`,
            'point the source at mbox archives (mboxrd/mboxo), e.g. a Mailman or Google Groups export',
          );
        }
        started = true;
        starts.push(s);
      } else {
        starts.push(0); // the carry always begins at a message start
      }
      let pending = false; // a boundary whose envelope line is not complete yet: the rest is carried
      const hits: number[] = [];
      kernel.scan(
        len,
        (h, plain) => {
          if (pending || h + 1 <= starts[starts.length - 1]!) return;
          if (plain) {
            starts.push(h + 1);
            return;
          }
          const nl = data.indexOf(LF, h + 1);
          if (nl === -1 && !eof) pending = true;
          else if (isEnvelopeLine(lineAt(data, h + 1, nl === -1 ? len : nl))) starts.push(h + 1);
        },
        (x, k) => hits.push(x, k),
      );
      const last = eof ? len : starts.pop()!;
      const batch: ScanBatch = { buf: data, offset: carryOffset, starts, end: last, final: eof && limit === Infinity, hits: [] };
      if (starts.length > 0) batch.hits = headerHits(batch, hits, patternLengths, opts.keepHit);
      if (eof) {
        if (!opts.reuse) batch.buf = Buffer.from(data);
        yield batch;
        return;
      }
      // (no complete message but blank lines at the top: handed over too, for byte-exact copies)
      if (last > 0) {
        if (!opts.reuse) batch.buf = Buffer.from(data.subarray(0, last));
        yield batch;
      }
      // the last message goes on in the next read
      const input = kernel.reserve(len);
      input.copyWithin(0, last, len);
      carryLen = len - last;
      carryOffset += last;
    }
  } finally {
    if (fd !== null) closeSync(fd);
  }
}

/** The messages of a batch with a pattern hit (x, k pairs) inside their header block. */
function headerHits(batch: MessageBatch, hits: number[], lengths: readonly number[], keep?: ScanOptions['keepHit']): Array<{ index: number; headerEnd: number }> {
  const { buf, starts, end } = batch;
  const found = new Map<number, number>();
  const ends = new Map<number, number>();
  for (let h = 0; h < hits.length; h += 2) {
    const x = hits[h]!;
    if (x < starts[0]! || x >= end) continue;
    const i = messageAt(starts, x);
    if (found.has(i)) continue;
    let he = ends.get(i);
    if (he === undefined) ends.set(i, (he = headerEndOf(buf, starts[i]!, messageEnd(batch, i))));
    if (x + lengths[hits[h + 1]!]! <= he && (!keep || keep(buf, starts[i]!, x, hits[h + 1]!))) found.set(i, he);
  }
  return [...found].sort((a, b) => a[0] - b[0]).map(([index, headerEnd]) => ({ index, headerEnd }));
}

/** How the last message of a file's final batch is cut short, if it is: for a warning. */
export interface Truncation {
  /** Offset of the message in the file. */
  at: number;
  /** It ends inside its headers. */
  inHeaders: boolean;
}

/** The truncation of a final batch's last message: it does not end with a newline, or has no body. */
export function truncationOf(batch: MessageBatch): Truncation | null {
  const n = batch.starts.length;
  if (n === 0) return null;
  const start = batch.starts[n - 1]!;
  const end = batch.end;
  const endsWithNewline = end > start && batch.buf[end - 1] === LF;
  const hasBody = headerEndOf(batch.buf, start, end) < end;
  if (endsWithNewline && hasBody) return null;
  return { at: batch.offset + start, inHeaders: !hasBody };
}
