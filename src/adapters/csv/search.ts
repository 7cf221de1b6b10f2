// Which rows of a block may hold a subject's identity: an ASCII case-insensitive byte search,
// exact (every row holding a needle is returned) and cheap; the caller parses and matches them.
// The block is not copied or folded: each needle is found through its rarest byte (in either
// case), by Buffer.indexOf (memchr), and compared case-folded where that byte occurs.
import { asciiFolder } from '../../core/ascii-fold.js';
// KELVIN SIGN and GREEK VARIA NFC-normalise to "K" and "`": they defeat the byte pre-filter
import { KELVIN, VARIA } from './many.js';
import { recordsAt, type Block, type Rec } from './scanner.js';

// A case-insensitive view of a block whose offsets are byte offsets (valid until the next call).
export const lowerAscii = asciiFolder();

// A-Z → a-z, every other byte as it is
const LOWER = Uint8Array.from({ length: 256 }, (_, b) => (b >= 0x41 && b <= 0x5a ? b | 0x20 : b));

interface SearchPlan {
  pattern: Buffer;
  /** When set, a hit counts only if one of these follows the pattern. */
  tails?: Buffer[];
  /** Offset in `pattern` of the byte searched for: the rarest in the first block searched. */
  anchor?: number;
}

/** Does buf[at…] hold `lower` (lower-case ASCII), in any case? */
function equalFolded(buf: Buffer, at: number, lower: Buffer, limit: number): boolean {
  if (at + lower.length > limit) return false;
  for (let k = 0; k < lower.length; k++) if (LOWER[buf[at + k]!] !== lower[k]) return false;
  return true;
}

/** The offset of the pattern's rarest byte (both cases counted) in a sample of the data. */
function rarest(pattern: Buffer, sample: Buffer): number {
  const freq = new Uint32Array(256);
  for (let i = 0; i < sample.length; i++) freq[LOWER[sample[i]!]!]!++;
  let best = 0;
  for (let j = 1; j < pattern.length; j++) if (freq[pattern[j]!]! < freq[pattern[best]!]!) best = j;
  return best;
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
  const view = block.buf.subarray(0, to);
  const hits: number[] = [];
  for (const plan of plans) {
    const { pattern, tails } = plan;
    if (pattern.length === 0) continue;
    const j = (plan.anchor ??= rarest(pattern, view.subarray(from, from + (1 << 16))));
    const c = pattern[j]!;
    for (const v of c >= 0x61 && c <= 0x7a ? [c, c - 0x20] : [c]) {
      for (let p = view.indexOf(v, from + j); p !== -1; p = view.indexOf(v, p + 1)) {
        const at = p - j;
        if (!equalFolded(view, at, pattern, to)) continue;
        const end = at + pattern.length;
        if (tails && !tails.some((t) => equalFolded(view, end, t, to))) continue;
        hits.push(at);
      }
    }
  }
  return recordsAt(block, hits);
}
