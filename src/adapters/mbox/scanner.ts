// Stage 1 of discover's (and erase's) pre-filter, on the splitter's batches: the messages whose
// header block (envelope line included), ASCII case folded, holds one of a few byte patterns.
//
// One path, Buffer.indexOf on the raw batch: each pattern is found by its rarest byte (in both
// cases, for a letter) and checked whole there, ASCII case folded; a hit counts when it lies whole
// in its message's header block. Why not fold the header blocks and search them (headers.ts,
// which discoverMany does): finding every header block's end and folding a copy of it cost about
// twice this search (measured on bench/mbox.js's archive), and Node's indexOf of a single byte is
// a memchr, several times faster than its search for a longer pattern.
import type { RewriteInput } from '../../core/atomic-file.js';
import { headerEndOf, messageAt, messageEnd, splitMbox, type MessageBatch, type SplitOptions } from './splitter.js';

export interface ScanBatch extends MessageBatch {
  /**
   * Stage 1: the messages (indexes into `starts`, ascending) with a pattern in their header
   * block, and where that block ends (headerEnd: the offset of the blank line, or the message's end).
   */
  hits: Array<{ index: number; headerEnd: number }>;
}

export interface ScanOptions extends SplitOptions {
  /** Whether a hit of pattern k at x, in the header block of the message at start, counts (default: all do). */
  keepHit?: (buf: Buffer, start: number, x: number, k: number) => boolean;
}

/**
 * The splitter's batches of an mbox file (or of a range of it), each with stage 1 of the
 * pre-filter for `patterns` (lower-case bytes: a pattern with an ASCII capital never matches).
 */
export async function* scanMbox(path: string | RewriteInput, patterns: readonly Buffer[], opts: ScanOptions): AsyncGenerator<ScanBatch> {
  for await (const batch of splitMbox(path, opts)) yield { ...batch, hits: headerHits(batch, patterns, opts.keepHit) };
}

/** Bytes of a batch sampled to choose each pattern's anchor. */
const SAMPLE = 16 << 10;

const fold = (c: number) => (c >= 0x41 && c <= 0x5a ? c | 0x20 : c);
const isLower = (c: number) => c >= 0x61 && c <= 0x7a;

/** Whether the lower-case pattern p stands at x in buf, ASCII case folded. */
function foldedAt(buf: Buffer, x: number, p: Buffer): boolean {
  if (x < 0 || x + p.length > buf.length) return false;
  for (let i = 0; i < p.length; i++) if (fold(buf[x + i]!) !== p[i]) return false;
  return true;
}

/**
 * For each pattern, the offset of its byte that is rarest in `sample`, both cases counted for a
 * letter. (The choice changes only the speed: every place where the anchor stands is looked at.)
 */
function anchors(patterns: readonly Buffer[], sample: Buffer): number[] {
  const counts = new Uint32Array(256);
  for (let i = 0; i < sample.length; i++) counts[fold(sample[i]!)]!++;
  return patterns.map((p) => {
    let best = 0;
    for (let j = 1; j < p.length; j++) if (counts[p[j]!]! < counts[p[best]!]!) best = j;
    return best;
  });
}

/** The messages of a batch with a pattern whole inside their header block (envelope line included). */
export function headerHits(batch: MessageBatch, patterns: readonly Buffer[], keep?: ScanOptions['keepHit']): ScanBatch['hits'] {
  const { buf, starts } = batch;
  const n = starts.length;
  if (n === 0 || patterns.length === 0) return [];
  const first = starts[0]!;
  const end = batch.end;
  const data = buf.subarray(0, end);
  const at = anchors(patterns, data.subarray(first, first + SAMPLE));
  const hEnds = new Map<number, number>(); // header block ends, found for the messages with a hit only
  const headerEnd = (m: number) => {
    let he = hEnds.get(m);
    if (he === undefined) hEnds.set(m, (he = headerEndOf(buf, starts[m]!, messageEnd(batch, m))));
    return he;
  };
  const found = new Set<number>();
  patterns.forEach((p, k) => {
    if (p.length === 0) return;
    const j = at[k]!;
    const a = p[j]!;
    // a lower-case letter is searched for in either case; any other byte as it is
    for (const anchor of isLower(a) ? [a, a ^ 0x20] : [a]) {
      let y = data.indexOf(anchor, first + j);
      while (y !== -1) {
        const x = y - j;
        if (x >= first && foldedAt(data, x, p)) {
          const m = messageAt(starts, x);
          if (found.has(m) || (x + p.length <= headerEnd(m) && (!keep || keep(buf, starts[m]!, x, k)))) {
            found.add(m);
            // one hit a message is enough: go on at the next message
            y = m + 1 < n ? data.indexOf(anchor, starts[m + 1]! + j) : -1;
            continue;
          }
        }
        y = data.indexOf(anchor, y + 1);
      }
    }
  });
  return [...found].sort((x, y) => x - y).map((m) => ({ index: m, headerEnd: headerEnd(m) }));
}
