// The header blocks of a batch of messages, case-folded into one buffer for the byte
// pre-filters (stage 1 of discover and of discoverMany): bodies never count, and they are most of
// an archive's bytes.
import { lowerAsciiInPlace } from './bytes.js';
import { messageEnd, type MessageBatch } from './splitter.js';

const CR = 0x0d;
const LFLF = Buffer.from('\n\n', 'latin1');
const LFCRLF = Buffer.from('\n\r\n', 'latin1');

export interface FoldedHeaders {
  /** Every message's header block, envelope line included, ASCII lower-cased, back to back. */
  hay: Buffer;
  /** offs[i]: where message i's block starts in hay. */
  offs: number[];
  /** hEnds[i]: the end of message i's header block in batch.buf (the offset of the blank line). */
  hEnds: number[];
  /** false: hay holds no space or tab followed by "at" (pipermail's `ann at example.org`); else unknown. */
  spaceAt?: boolean;
  /** The `@`s in hay whose fingerprint passed the kernel's address filter (kernel.useAtFilter); absent: not looked for. */
  atHits?: Int32Array;
}

/**
 * The header blocks of a batch (of at least one message). `hay` is a shared scratch buffer: valid
 * until the next call, so use it before any await. A batch in a scan kernel's input area is
 * done by that kernel, when it can (kernel.ts: the same result, in WebAssembly).
 */
export function foldHeaders(batch: MessageBatch, kernel?: { foldHeaders(batch: MessageBatch): FoldedHeaders | null }): FoldedHeaders {
  const done = kernel?.foldHeaders(batch);
  if (done) return done;
  const { buf, starts } = batch;
  const n = starts.length;
  const crlf = buf.indexOf(CR, starts[0]) !== -1;
  const hEnds = new Array<number>(n);
  const offs = new Array<number>(n);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const end = messageEnd(batch, i);
    hEnds[i] = headerEndFast(buf, starts[i]!, end, crlf);
    offs[i] = total;
    total += hEnds[i]! - starts[i]!;
  }
  const heads = headerScratch(total);
  for (let i = 0; i < n; i++) buf.copy(heads, offs[i], starts[i], hEnds[i]);
  lowerAsciiInPlace(heads, total);
  return { hay: heads.subarray(0, total), offs, hEnds };
}

/** headerEndOf for a whole batch: one search for the blank line (two in CRLF archives). */
function headerEndFast(buf: Buffer, start: number, end: number, crlf: boolean): number {
  let p = buf.indexOf(LFLF, start);
  if (crlf) {
    const q = buf.indexOf(LFCRLF, start);
    if (q !== -1 && (p === -1 || q < p)) p = q;
  }
  return p === -1 || p + 1 >= end ? end : p + 1;
}

let scratch = Buffer.alloc(0);
function headerScratch(len: number): Buffer {
  if (scratch.length < len) scratch = Buffer.allocUnsafe(Math.max(len + 3, 1 << 20, scratch.length * 2));
  return scratch;
}

/** The message whose block holds hay[pos]: the last i with offs[i] <= pos. */
export function messageAt(offs: number[], pos: number): number {
  let lo = 0;
  let hi = offs.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (offs[mid]! <= pos) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
