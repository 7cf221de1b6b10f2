// Which rows of a block may hold a subject's identity: a byte search of the lower-cased block,
// exact (every row holding a needle is returned) and cheap; the caller parses and matches them.
import { asciiFolder } from '../../core/ascii-fold.js';
// KELVIN SIGN and GREEK VARIA NFC-normalise to "K" and "`": they defeat the byte pre-filter
import { KELVIN, VARIA } from './many.js';
import { recordsAt, type Block, type Rec } from './scanner.js';

// A case-insensitive view of a block whose offsets are byte offsets (valid until the next call).
export const lowerAscii = asciiFolder();

interface SearchPlan {
  pattern: Buffer;
  /** When set, a hit counts only if one of these follows the pattern. */
  tails?: Buffer[];
}

/**
 * How to look for the needles in the lower-cased bytes. An address and its gitdm twin
 * (`l@d`, `l!d`) share one search for the local part when it is long enough to be rare,
 * instead of two searches of the whole block.
 */
export function searchPlans(needles: string[]): SearchPlan[] {
  const rest = new Set(needles);
  const plans: SearchPlan[] = [];
  for (const nd of needles) {
    const at = nd.indexOf('@');
    const twin = at > 0 ? `${nd.slice(0, at)}!${nd.slice(at + 1)}` : '';
    if (at >= 6 && rest.has(nd) && rest.has(twin)) {
      plans.push({ pattern: Buffer.from(nd.slice(0, at), 'latin1'), tails: [Buffer.from(nd.slice(at), 'latin1'), Buffer.from(twin.slice(at), 'latin1')] });
      rest.delete(nd);
      rest.delete(twin);
    }
  }
  for (const nd of rest) plans.push({ pattern: Buffer.from(nd, 'latin1') });
  return plans;
}

/**
 * The records of the block from byte `from` on (past the header) that may hold a needle, in
 * order. `varia`: some needle has a backtick, which a GREEK VARIA becomes under NFC. Only the
 * records around a hit are looked up.
 */
export function candidateRecords(block: Block, from: number, needles: string[], ascii: boolean, varia: boolean, plans: SearchPlan[]): Rec[] {
  const to = block.end;
  if (to <= from) return [];
  const raw = block.buf.subarray(from, to);
  if (!ascii || raw.includes(KELVIN) || (varia && raw.includes(VARIA))) {
    const text = block.buf.toString('utf8', from, to).normalize('NFC').toLowerCase();
    return needles.some((nd) => text.includes(nd)) ? block.records(from) : [];
  }
  const lower = lowerAscii(block.buf, from, to);
  const hits: number[] = [];
  for (const { pattern, tails } of plans) {
    for (let at = lower.indexOf(pattern); at !== -1; at = lower.indexOf(pattern, at + 1)) {
      const end = at + pattern.length;
      if (tails && !tails.some((t) => lower.subarray(end, end + t.length).equals(t))) continue;
      hits.push(from + at);
    }
  }
  return recordsAt(block, hits);
}
