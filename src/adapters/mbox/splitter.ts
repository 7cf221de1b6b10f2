// The one mbox splitter. A message starts at the first non-blank byte of the file, or at a
// `From ` line that follows a blank line and parses as an envelope line (`From sender
// asctime-date`): HyperKitty and mboxo writers leave body lines that begin `From ` unescaped, and
// those rarely follow a blank line *and* carry a date. Messages are byte ranges that tile the file
// exactly, so an erasure can copy every other message byte for byte. Memory: one read chunk plus
// the largest message (a read grows to the size of a message that spans it, so copying stays
// linear).
//
// A split may cover a byte range of the file (`from`, `to`): the messages that start in it, so
// that ranges that meet tile the file's messages (parallel.ts hands ranges to worker threads).
// Both kinds of start are decided by the bytes around their line alone, so a range can find its
// first message without reading what comes before it.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { RewriteInput } from '../../core/atomic-file.js';
import { SourceError } from '../../core/errors.js';

const LF = 0x0a;
const CR = 0x0d;
const NL_FROM = Buffer.from('\nFrom ', 'latin1');
const FROM = Buffer.from('From ', 'latin1');

// `From ann@example.org Mon Jan  1 00:00:00 2024`, `From ann at example.org  Thu Mar  7 10:11:12 2024`
// (pipermail), `From 1782@xxx Mon Jan 01 00:00:00 +0000 2024` (Google takeout), `From - Mon Jan ...`.
const ENVELOPE = /^From \S+.*? (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) +\d{1,2} +\d{1,2}:\d{2}(?::\d{2})?\b.*\b\d{4}\s*$/;

export function isEnvelopeLine(line: string): boolean {
  return line.length <= 1000 && ENVELOPE.test(line);
}

/** The line b[start, end) as latin1 (at most 1,000 bytes, without a trailing CR): for isEnvelopeLine. */
export function lineAt(buf: Buffer, start: number, end: number): string {
  const stop = Math.min(end, start + 1000);
  return buf.toString('latin1', start, stop > start && buf[stop - 1] === CR ? stop - 1 : stop);
}

const MONTHS = new Set(
  ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'].map(
    (m) => (m.charCodeAt(0) << 16) | (m.charCodeAt(1) << 8) | m.charCodeAt(2),
  ),
);
const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
const isLetter = (c: number) => (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a;

/**
 * Whether the `From ` line at s, complete in b[s, len), has the plain asctime layout that most
 * archives write (`From sender Www Mmm dd hh:mm:ss yyyy`, the sender without spaces): such a line
 * always passes isEnvelopeLine, and this test costs no string and no regex. False says nothing:
 * ask isEnvelopeLine.
 */
export function plainEnvelopeAt(b: Buffer, s: number, len: number): boolean {
  let p = s + 5;
  while (p < len && b[p]! >= 0x21 && b[p]! <= 0x7e) p++;
  // " Www Mmm dd hh:mm:ss yyyy" and a line end
  if (p === s + 5 || p + 26 > len || p + 25 - s > 1000) return false;
  return (
    b[p] === 0x20 &&
    isLetter(b[p + 1]!) &&
    isLetter(b[p + 2]!) &&
    isLetter(b[p + 3]!) &&
    b[p + 4] === 0x20 &&
    MONTHS.has((b[p + 5]! << 16) | (b[p + 6]! << 8) | b[p + 7]!) &&
    b[p + 8] === 0x20 &&
    (b[p + 9] === 0x20 || isDigit(b[p + 9]!)) &&
    isDigit(b[p + 10]!) &&
    b[p + 11] === 0x20 &&
    isDigit(b[p + 12]!) &&
    isDigit(b[p + 13]!) &&
    b[p + 14] === 0x3a &&
    isDigit(b[p + 15]!) &&
    isDigit(b[p + 16]!) &&
    b[p + 17] === 0x3a &&
    isDigit(b[p + 18]!) &&
    isDigit(b[p + 19]!) &&
    b[p + 20] === 0x20 &&
    isDigit(b[p + 21]!) &&
    isDigit(b[p + 22]!) &&
    isDigit(b[p + 23]!) &&
    isDigit(b[p + 24]!) &&
    (b[p + 25] === LF || (b[p + 25] === CR && p + 26 < len && b[p + 26] === LF))
  );
}

/** Complete messages found in one piece of the file. */
export interface MessageBatch {
  /** The batch's bytes: a buffer of its own, or (with `reuse`) a view valid until the next batch. */
  buf: Buffer;
  /** File offset of buf[0]. */
  offset: number;
  /**
   * Message i is buf[starts[i], i + 1 < starts.length ? starts[i + 1] : end). The batch covers
   * buf[0, end): bytes before starts[0] (blank lines at the top of a file) belong to no message.
   */
  starts: number[];
  end: number;
  /** The last batch: its last message ends at the end of the file. */
  final: boolean;
}

export interface SplitOptions {
  signal?: AbortSignal;
  /** The path as configured, for messages. */
  label: string;
  chunkSize?: number;
  /**
   * Batches are views of one read buffer, valid until the next batch is asked for (for consumers
   * that keep no slice of a batch); otherwise each batch has a buffer of its own.
   */
  reuse?: boolean;
  /** Split the messages that start in [from, to) only (default: the whole file). */
  from?: number;
  to?: number;
}

export function messageEnd(b: MessageBatch, i: number): number {
  return i + 1 < b.starts.length ? b.starts[i + 1]! : b.end;
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

/** The last i with xs[i] <= pos (xs ascending, xs[0] <= pos): the message (or header block) that holds pos. */
export function messageAt(xs: readonly number[], pos: number): number {
  let lo = 0;
  let hi = xs.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (xs[mid]! <= pos) lo = mid;
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
 * (The first message of a file, after blank lines at its top, is found by splitMbox itself.)
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

// Read areas of finished splits, for the next one: a worker splits one 32 MiB job after another,
// and a fresh area each time left megabytes of garbage per job until a GC (+11 MiB peak RSS a
// worker, measured). A split takes an area of its own, so splits that run at once never share.
const spareAreas: Buffer[] = [];

/**
 * The messages of an mbox file (or of a range of it), batch by batch. Reads are synchronous: from
 * the page cache a read is a memcpy, and an asynchronous read costs a thread-pool round trip per
 * chunk (measured: the main thread sat idle ~15 % of a scan).
 */
export async function* splitMbox(path: string | RewriteInput, opts: SplitOptions): AsyncGenerator<MessageBatch> {
  const chunk = opts.chunkSize ?? 1 << 20;
  const fd = typeof path === 'string' ? openSync(path, 'r') : null;
  try {
    const file: Positional =
      fd === null ? (path as RewriteInput) : { size: fstatSync(fd).size, readSync: (buf, off, len, pos) => readSync(fd, buf, off, len, pos) };
    const size = file.size;
    const from = opts.from ?? 0;
    // where the range's messages start and end: the messages that start in [from, to)
    const first = from === 0 ? 0 : boundaryAtOrAfter(file, from);
    if (first >= size && from > 0) return; // no message starts in [from, to): an earlier range reads to the end
    const to = opts.to ?? Infinity;
    const end = to >= size ? size : boundaryAtOrAfter(file, to);
    const limit = end >= size ? Infinity : end; // Infinity: to the end of the file, as it grows
    if (first >= limit) return;
    let area = spareAreas.pop() ?? Buffer.alloc(0); // the read buffer: the carried message, then the next read
    let readPos = first;
    let carryLen = 0;
    let carryOffset = first; // file offset of area[0]
    let started = first > 0; // the first message has been found
    for (;;) {
      if (opts.signal?.aborted) throw opts.signal.reason ?? new Error('aborted');
      // a read grows to the size of a message that spans it, so copying stays linear
      const want = Math.min(Math.max(chunk, carryLen), limit - readPos);
      if (area.length < carryLen + want) {
        const next = Buffer.allocUnsafeSlow(Math.max(carryLen + want, 2 * area.length));
        area.copy(next, 0, 0, carryLen);
        area = next;
      }
      const bytesRead = want > 0 ? file.readSync(area, carryLen, want, readPos) : 0;
      readPos += bytesRead;
      const eof = bytesRead === 0 || readPos >= limit;
      const len = carryLen + bytesRead;
      const data = area.subarray(0, len);
      const starts: number[] = [];
      let f: number;
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
        f = data.indexOf(FROM, s + 1);
      } else {
        starts.push(0); // the carry always begins at a message start
        f = data.indexOf(FROM, 1);
      }
      // every `From ` line after a blank line (`\n\n` or `\n\r\n`) that is an envelope line; a
      // line not complete yet (not at the end of the range) ends the batch: it is read again with
      // the carry. (Searching for `From ` and looking back costs half a search for `\nFrom `: a
      // line feed is too common a first byte.)
      for (; f !== -1; f = data.indexOf(FROM, f + 1)) {
        if (data[f - 1] !== LF || !(data[f - 2] === LF || (data[f - 2] === CR && data[f - 3] === LF))) continue;
        if (plainEnvelopeAt(data, f, len)) {
          starts.push(f);
          continue;
        }
        const nl = data.indexOf(LF, f);
        if (nl === -1 && !eof) break;
        if (isEnvelopeLine(lineAt(data, f, nl === -1 ? len : nl))) starts.push(f);
      }
      const last = eof ? len : starts.pop()!;
      const batch: MessageBatch = { buf: data, offset: carryOffset, starts, end: last, final: eof && limit === Infinity };
      if (eof) {
        if (!opts.reuse) batch.buf = Buffer.from(data);
        yield batch;
        // (a reused batch's view is valid until the next batch is asked for: this is that moment)
        if (area.length <= 4 * chunk && spareAreas.length < 2) spareAreas.push(area);
        return;
      }
      // (no complete message but blank lines at the top: handed over too, for byte-exact copies)
      if (last > 0) {
        if (!opts.reuse) batch.buf = Buffer.from(data.subarray(0, last));
        yield batch;
      }
      // the last message goes on in the next read
      area.copyWithin(0, last, len);
      carryLen = len - last;
      carryOffset += last;
    }
  } finally {
    if (fd !== null) closeSync(fd);
  }
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
