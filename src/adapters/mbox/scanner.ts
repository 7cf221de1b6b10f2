// Stage 1 of discover's (and erase's) pre-filter, on the splitter's batches: the messages whose
// header block (envelope line included), ASCII case folded, holds one of a few byte patterns.
// One path: the header blocks are copied and folded into one buffer (headers.ts), and each
// pattern is found there with Buffer.indexOf (memchr-speed, and the same code everywhere).
import type { RewriteInput } from '../../core/atomic-file.js';
import { foldHeaders } from './headers.js';
import { messageAt, splitMbox, type MessageBatch, type SplitOptions } from './splitter.js';

export interface ScanBatch extends MessageBatch {
  /**
   * Stage 1: the messages (indexes into `starts`, ascending) with a pattern in their header
   * block, and where that block ends (headerEnd: the offset of the blank line, or the message's end).
   */
  hits: Array<{ index: number; headerEnd: number }>;
}

export interface ScanOptions extends SplitOptions {
  /**
   * Whether a hit of pattern k at x counts, in the folded header block that starts at `start` of
   * `hay` (default: all do).
   */
  keepHit?: (hay: Buffer, start: number, x: number, k: number) => boolean;
}

/**
 * The splitter's batches of an mbox file (or of a range of it), each with stage 1 of the
 * pre-filter for `patterns` (lower-case bytes: a pattern with an ASCII capital never matches).
 */
export async function* scanMbox(path: string | RewriteInput, patterns: readonly Buffer[], opts: ScanOptions): AsyncGenerator<ScanBatch> {
  for await (const batch of splitMbox(path, opts)) yield { ...batch, hits: headerHits(batch, patterns, opts.keepHit) };
}

/** The messages of a batch with a pattern whole inside their header block. */
export function headerHits(batch: MessageBatch, patterns: readonly Buffer[], keep?: ScanOptions['keepHit']): ScanBatch['hits'] {
  const n = batch.starts.length;
  if (n === 0 || patterns.length === 0) return [];
  const { hay, offs, hEnds } = foldHeaders(batch);
  const found = new Uint8Array(n);
  patterns.forEach((p, k) => {
    if (p.length === 0) return;
    let x = hay.indexOf(p);
    while (x !== -1) {
      const m = messageAt(offs, x);
      const blockEnd = m + 1 < n ? offs[m + 1]! : hay.length;
      if (found[m] || (x + p.length <= blockEnd && (!keep || keep(hay, offs[m]!, x, k)))) {
        found[m] = 1;
        // one hit a message is enough: go on at the next block
        x = m + 1 < n ? hay.indexOf(p, blockEnd) : -1;
      } else x = hay.indexOf(p, x + 1);
    }
  });
  const hits: ScanBatch['hits'] = [];
  for (let m = 0; m < n; m++) if (found[m]) hits.push({ index: m, headerEnd: hEnds[m]! });
  return hits;
}
