// The header blocks of a batch of messages, case-folded into one buffer for the byte
// pre-filters (stage 1 of discover and of discoverMany): bodies never count, and they are most of
// an archive's bytes.
import { lowerAsciiInPlace } from '../../core/ascii-fold.js';
import { messageEnd, type MessageBatch } from './splitter.js';

const CR = 0x0d;
const LFLF = Buffer.from('\n\n', 'latin1');
const LFCRLF = Buffer.from('\n\r\n', 'latin1');

export interface FoldedHeaders {
  /** Every message's header block, envelope line included, ASCII lower-cased, back to back. */
  hay: Buffer;
  /** offs[i]: where message i's block starts in hay. */
  offs: number[];
  /** hEnds[i]: the end of message i's header block in batch.buf (the offset of the blank line, as headerEndOf). */
  hEnds: number[];
}

/**
 * The header blocks of a batch (of at least one message). `hay` is a shared scratch buffer: valid
 * until the next call, so use it before any await.
 */
export function foldHeaders(batch: MessageBatch): FoldedHeaders {
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

// (a 4-byte aligned buffer of its own: lowerAsciiInPlace folds four bytes a step when aligned)
let scratch = Buffer.alloc(0);
function headerScratch(len: number): Buffer {
  if (scratch.length < len) scratch = Buffer.from(new ArrayBuffer((Math.max(len + 3, 1 << 20, scratch.length * 2) + 3) & ~3));
  return scratch;
}
