// Where any of many ids occurs in a day file: the message search of discoverMany, one pass for
// every subject of a batch instead of one Buffer#includes per id (what discover does for one).
import { equalAt } from '../../core/byte-patterns.js';
import { escapeRegExp } from '../../core/regexp.js';

/** A run of bytes as a small integer (so that it is a cheap Map key). Collisions are compared away. */
function hashAt(buf: Uint8Array, at: number, len: number): number {
  let h = 0;
  for (let t = 0; t < len; t++) h = (Math.imul(h, 31) + buf[at + t]!) & 0x3fffffff;
  return h;
}

/** The last (up to) 3 bytes of a run, hashed to 16 bits: a bitmap test before the full lookup. */
function tailBits(buf: Uint8Array, at: number, len: number): number {
  const k = Math.min(3, len);
  let x = 0;
  for (let t = at + len - k; t < at + len; t++) x = (x << 8) | buf[t]!;
  return Math.imul(x, 0x9e3779b1) >>> 16;
}

/**
 * Every position where one of `needles` starts, as Buffer#indexOf would find each of them.
 * Slack ids start with one of a few letters (U, W, B), rare in message text: the search visits
 * each occurrence of those first bytes (a native memchr) and looks the bytes there up among the
 * ids of each length. Ids with many different first bytes are searched with one regular
 * expression (an alternation of literals, which V8 runs as a trie) over the bytes as latin1 text.
 */
export class IdSearch {
  private readonly anchors: Array<{ first: number; lengths: Array<{ len: number; tails: Uint8Array; byHash: Map<number, Buffer[]> }> }> = [];
  private readonly regexp: RegExp | null = null;

  constructor(needles: readonly Buffer[]) {
    const distinct = new Map<string, Buffer>();
    for (const n of needles) if (n.length > 0) distinct.set(n.toString('latin1'), n);
    const firsts = new Set([...distinct.values()].map((n) => n[0]!));
    const lengths = new Set([...distinct.values()].map((n) => `${n[0]}:${n.length}`));
    if (firsts.size > 4 || lengths.size > 12) {
      const alternatives = [...distinct.keys()].sort((a, b) => b.length - a.length || (a < b ? -1 : 1));
      this.regexp = new RegExp(alternatives.map(escapeRegExp).join('|'), 'g');
      return;
    }
    for (const n of distinct.values()) {
      let a = this.anchors.find((x) => x.first === n[0]);
      if (!a) this.anchors.push((a = { first: n[0]!, lengths: [] }));
      let l = a.lengths.find((x) => x.len === n.length);
      if (!l) a.lengths.push((l = { len: n.length, tails: new Uint8Array(1 << 13), byHash: new Map() }));
      const t = tailBits(n, 0, n.length);
      l.tails[t >>> 3]! |= 1 << (t & 7);
      const h = hashAt(n, 0, n.length);
      l.byHash.set(h, [...(l.byHash.get(h) ?? []), n]);
    }
  }

  /** Ascending positions in `buf` where some needle starts. */
  positions(buf: Buffer): number[] {
    const out: number[] = [];
    if (this.regexp) {
      const re = this.regexp;
      const text = buf.toString('latin1'); // one character a byte: match offsets are byte offsets
      re.lastIndex = 0;
      for (let m = re.exec(text); m !== null; m = re.exec(text)) {
        out.push(m.index);
        re.lastIndex = m.index + 1; // every position where some needle starts, not only the first
      }
      return out;
    }
    for (const { first, lengths } of this.anchors) {
      for (let p = buf.indexOf(first); p !== -1; p = buf.indexOf(first, p + 1)) {
        for (const { len, tails, byHash } of lengths) {
          if (p + len > buf.length) continue;
          const t = tailBits(buf, p, len);
          if ((tails[t >>> 3]! & (1 << (t & 7))) === 0) continue;
          const list = byHash.get(hashAt(buf, p, len));
          if (list && list.some((n) => equalAt(buf, p, n))) {
            out.push(p);
            break;
          }
        }
      }
    }
    if (this.anchors.length > 1) out.sort((a, b) => a - b);
    return out;
  }
}
