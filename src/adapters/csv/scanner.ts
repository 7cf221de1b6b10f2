// A streaming record splitter for CSV. It finds record boundaries (newlines outside quotes) with
// Buffer.indexOf, which is native and fast, and checks quoting as strictly as csv-parse does
// (a quote may only open a field and must be followed by a delimiter or a line end when it closes).
// Records are returned as byte ranges so an erasure can copy every other row byte for byte;
// csv-parse then reads only the rows that may concern the subject.
import { fileChunks, type RewriteInput } from '../../core/atomic-file.js';
import { SourceError } from '../../core/errors.js';

const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/** Records found in one piece of the file, as ranges over `buf`. */
export interface Block {
  buf: Buffer;
  /** Byte offset of `buf[0]` in the file. */
  offset: number;
  /** First record starts here; bytes before it (a BOM) belong to no record. */
  start: number;
  /** Parallel arrays, one entry per record: start, end of content, end after the line terminator, line number. */
  starts: number[];
  ends: number[];
  nexts: number[];
  lines: number[];
  /** Everything up to here is covered by the records of this block. */
  end: number;
  /** Line number of the first byte after `end`. */
  nextLine: number;
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
  // Chunks read since: the carry is split again only once as many bytes have come as it holds,
  // so a record far longer than a chunk is copied and scanned a bounded number of times over
  // (linear in its length), not once per chunk.
  let waiting: Buffer[] = [];
  let waitingBytes = 0;
  let fileOffset = 0; // offset in the file of buf[0]
  let line = 1;
  let first = true;
  for await (const chunk of fileChunks(file, opts.highWaterMark ?? 1 << 18)) {
    if (opts.signal?.aborted) throw opts.signal.reason ?? new Error('aborted');
    if (carry && waitingBytes + chunk.length < carry.length) {
      waiting.push(chunk);
      waitingBytes += chunk.length;
      continue;
    }
    const buf: Buffer = carry ? Buffer.concat([carry, ...waiting, chunk]) : chunk;
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
    const block = split(buf, start, line, false, opts);
    block.offset = fileOffset;
    line = block.nextLine;
    carry = block.end < buf.length ? buf.subarray(block.end) : null;
    fileOffset += block.end;
    if (block.starts.length > 0 || block.end > 0) yield block;
  }
  if (carry) carry = Buffer.concat([carry, ...waiting]);
  if (carry && carry.length > 0) {
    let start = 0;
    if (first && carry.subarray(0, 3).equals(BOM)) start = 3;
    const block = split(carry, start, line, true, opts);
    block.offset = fileOffset;
    yield block;
  }
}

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
  return new SourceError(
    `${opts.label}: malformed CSV at line ${line}: ${what}`,
    'fix the file (or export it again) and re-run; no file was changed',
  );
}

/** Split `buf` from `start` into complete records; `final` when no more data follows. */
function split(buf: Buffer, start: number, firstLine: number, final: boolean, opts: ScanOptions): Block {
  const delim = opts.delimiter;
  const starts: number[] = [];
  const ends: number[] = [];
  const nexts: number[] = [];
  const lines: number[] = [];
  const len = buf.length;
  let recStart = start;
  let recLine = firstLine;
  let quotedLf = 0; // newlines inside quoted fields of the current record
  let pos = start;
  let inQuotes = false;
  let openAt = 0;
  let nextQ = buf.indexOf(QUOTE, pos);
  let nextNl = buf.indexOf(LF, pos);
  let done = recStart;

  const emit = (contentEnd: number, next: number, terminated: boolean) => {
    if (contentEnd > recStart) {
      starts.push(recStart);
      ends.push(contentEnd);
      nexts.push(next);
      lines.push(recLine);
    } // blank lines are skipped, as csv-parse's skip_empty_lines does
    recLine += quotedLf + (terminated ? 1 : 0);
    quotedLf = 0;
    recStart = pos = done = next;
  };

  for (;;) {
    if (!inQuotes) {
      if (nextQ !== -1 && nextQ < pos) nextQ = buf.indexOf(QUOTE, pos);
      if (nextNl !== -1 && nextNl < pos) nextNl = buf.indexOf(LF, pos);
      if (nextQ !== -1 && (nextNl === -1 || nextQ < nextNl)) {
        if (nextQ !== recStart && buf[nextQ - 1] !== delim) {
          throw malformed(opts, recLine + quotedLf, 'a quote inside an unquoted field');
        }
        inQuotes = true;
        openAt = nextQ;
        pos = nextQ + 1;
        continue;
      }
      if (nextNl !== -1) {
        const contentEnd = nextNl > recStart && buf[nextNl - 1] === CR ? nextNl - 1 : nextNl;
        emit(contentEnd, nextNl + 1, true);
        continue;
      }
      // No newline left: the rest is an unterminated last record, or more data will come.
      if (final && recStart < len) emit(len, len, false);
      break;
    } else {
      const q = buf.indexOf(QUOTE, pos);
      if (q === -1) {
        if (final) throw malformed(opts, recLine, 'a quoted field is never closed');
        break;
      }
      if (q + 1 >= len && !final) break; // the next byte decides what this quote means
      const after = q + 1 < len ? buf[q + 1]! : -1;
      if (after === QUOTE) {
        pos = q + 2; // an escaped quote
        continue;
      }
      if (after !== -1 && after !== delim && after !== LF && after !== CR) {
        throw malformed(opts, recLine + quotedLf + countLf(buf, openAt, q), 'a character after a closing quote');
      }
      quotedLf += countLf(buf, openAt, q);
      inQuotes = false;
      pos = q + 1;
    }
  }
  return { buf, offset: 0, start, starts, ends, nexts, lines, end: done, nextLine: recLine };
}
