// The byte pre-filter of CsvAdapter.discoverMany: one look at each block for every subject of a
// batch, at a cost that barely grows with the number of subjects (a search per needle per
// subject, as discover does, would make 100 subjects cost 100 searches of every block).
//
// It passes a row whenever discover would pass it for one of the subjects (a superset: the rows
// are then parsed and matched exactly, subject by subject). Needles are the subjects' canonical
// values, as IdentityMatcher.needles() gives them: lower-case, NFC, an address also in gitdm's
// `user!domain` form. In the ASCII-folded bytes of a block:
//
// - addresses are found at their `@` (or the `!` of the gitdm form): each `@` in the block is one
//   lookup of the four bytes before it in a map of every needle's four bytes before its `@`,
//   then a byte comparison with the few needles there. An address with other than ASCII letters
//   (`zoë@…`) is compared on the ASCII run around its `@`, which any spelling of it keeps (NFD,
//   upper case), as discover's decoded-text search would find it.
// - GitHub handles have no such anchor: every aligned 4-byte word of the block is hashed once
//   and tested against a bitmap of the handles' 4-byte pieces (a handle of 7 bytes or more holds
//   an aligned word whatever its position; shorter ones need 2 or 4 passes at shifted offsets);
//   a hit is then compared whole. Handles of 1 to 3 characters are searched one by one.
// - a block holding a KELVIN SIGN (or a GREEK VARIA, when an address has a backtick) is decoded,
//   NFC-normalised and lower-cased, as discover does: those characters become ASCII there.
import { recordsAt, type Block, type Rec } from './scanner.js';
import { equalAt } from '../../core/byte-patterns.js';

export const KELVIN = Buffer.from('\u212a', 'utf8'); // NFC: "K"
export const VARIA = Buffer.from('\u1fef', 'utf8'); // NFC: "`", which an address may hold

const isAscii = (s: string) => /^[\x00-\x7f]*$/.test(s);

/** Up to 4 bytes as a small integer (7 bits each, so it stays a small integer for Map keys). */
function keyOf(buf: Uint8Array, at: number, k: number): number {
  let key = 0;
  for (let t = 0; t < k; t++) key = (key << 7) | (buf[at + t]! & 0x7f);
  return key;
}

interface AnchorEntry {
  /** The ASCII run of the needle just before its anchor, and just after it. */
  left: Buffer;
  right: Buffer;
}

interface KeySpec {
  /** Key on the bytes before the anchor (true) or after it. */
  before: boolean;
  k: number;
  map: Map<number, AnchorEntry[]>;
  /** A bitmap of the keys' hashes: most anchors are turned away without a Map lookup. */
  bits: Uint8Array;
}

const KEY_BITS = 16;
const hashOf = (x: number, bits: number) => Math.imul(x, 0x9e3779b1) >>> (32 - bits);
const bitSet = (map: Uint8Array, h: number) => (map[h >>> 3]! & (1 << (h & 7))) !== 0;

/** Needles found at one anchor byte (`@` or `!`), keyed on the bytes next to it. */
class AnchorGroup {
  private readonly specs: KeySpec[] = [];

  add(entry: AnchorEntry): void {
    // The 4 bytes before the anchor (the end of the local part) tell addresses apart best.
    const before = entry.left.length >= 2 || entry.left.length >= entry.right.length;
    const run = before ? entry.left : entry.right;
    const k = Math.min(4, run.length);
    let spec = this.specs.find((s) => s.before === before && s.k === k);
    if (!spec) this.specs.push((spec = { before, k, map: new Map(), bits: new Uint8Array(1 << (KEY_BITS - 3)) }));
    const key = keyOf(run, before ? run.length - k : 0, k);
    const h = hashOf(key, KEY_BITS);
    spec.bits[h >>> 3]! |= 1 << (h & 7);
    const list = spec.map.get(key);
    if (list) list.push(entry);
    else spec.map.set(key, [entry]);
  }

  /** Does a needle of this group sit with its anchor at `p`? */
  matchAt(lower: Buffer, p: number): boolean {
    for (const spec of this.specs) {
      const at = spec.before ? p - spec.k : p + 1;
      if (at < 0 || at + spec.k > lower.length) continue;
      const key = keyOf(lower, at, spec.k);
      if (!bitSet(spec.bits, hashOf(key, KEY_BITS))) continue;
      const list = spec.map.get(key);
      if (!list) continue;
      for (const e of list) if (equalAt(lower, p - e.left.length, e.left) && equalAt(lower, p + 1, e.right)) return true;
    }
    return false;
  }
}

const WORD_BITS = 16; // bitmap of 2^16 bits (8 KiB)

/**
 * Needles of 4 bytes or more found through the aligned 4-byte words of the block: each needle
 * registers the words it must hold at some aligned position, a bitmap of their hashes screens
 * every word, and a hit is compared whole.
 */
class WordSearch {
  private readonly bitmap = new Uint8Array(1 << (WORD_BITS - 3));
  private readonly grams = new Map<number, Array<{ needle: Buffer; j: number }>>();
  /** Passes at offsets 0 (and 2, or 1, 2, 3) of the block: enough for the shortest needle. */
  readonly shifts: number[];
  private folded = Buffer.alloc(0);
  private shifted = Buffer.alloc(0);

  constructor(needles: string[]) {
    const minLen = Math.min(...needles.map((n) => n.length));
    // With s passes at offsets 0, 4/s, ..., any run of 4/s consecutive needle offsets holds one
    // that is a word start in some pass; the needle must be 3 + 4/s bytes long for that.
    const passes = minLen >= 7 ? 1 : minLen >= 5 ? 2 : 4;
    this.shifts = passes === 1 ? [0] : passes === 2 ? [0, 2] : [0, 1, 2, 3];
    const span = 4 / passes;
    const word = new Uint32Array(1);
    const wordBytes = new Uint8Array(word.buffer);
    const gramAt = (b: Buffer, j: number) => {
      wordBytes.set(b.subarray(j, j + 4));
      return word[0]!; // the platform's byte order, as the block's words are read
    };
    const bufs = needles.map((n) => Buffer.from(n, 'latin1'));
    // Pieces shared by many needles, or common in text ("0000"), make poor keys: choose, for each
    // needle, the run of `span` offsets whose pieces are least shared and least repetitive.
    const freq = new Map<number, number>();
    for (const b of bufs) for (let j = 0; j + 4 <= b.length; j++) freq.set(gramAt(b, j), (freq.get(gramAt(b, j)) ?? 0) + 1);
    const cost = (b: Buffer, j: number) => (freq.get(gramAt(b, j)) ?? 0) * 4 + (4 - new Set(b.subarray(j, j + 4)).size);
    for (const b of bufs) {
      let best = 0;
      let bestCost = Infinity;
      for (let o = 0; o + span - 1 + 4 <= b.length; o++) {
        let c = 0;
        for (let j = o; j < o + span; j++) c += cost(b, j);
        if (c <= bestCost) {
          bestCost = c;
          best = o;
        }
      }
      for (let j = best; j < best + span; j++) {
        const g = gramAt(b, j);
        const h = hashOf(g, WORD_BITS);
        this.bitmap[h >>> 3]! |= 1 << (h & 7);
        const list = this.grams.get(g);
        if (list) list.push({ needle: b, j });
        else this.grams.set(g, [{ needle: b, j }]);
      }
    }
  }

  /**
   * The block's bytes buf[from, to) ASCII-folded (A-Z to a-z, as core/ascii-fold.ts does, in the
   * same loop as the first pass: one read of each word instead of two), valid until the next
   * call; `hit(pos)` for each needle occurrence in it (every one, perhaps some twice).
   */
  foldAndScan(buf: Buffer, from: number, to: number, hit: (pos: number) => void): Buffer {
    const { bitmap } = this;
    const len = to - from;
    if (this.folded.length < len) this.folded = Buffer.from(new ArrayBuffer((Math.max(len, 1 << 18) + 3) & ~3));
    const lower = this.folded.subarray(0, len);
    buf.copy(lower, 0, from, to);
    const words = new Uint32Array(lower.buffer, lower.byteOffset, len >>> 2);
    const n = words.length;
    const pending: number[] = [];
    for (let i = 0; i < n; i++) {
      const w = words[i]!;
      const h7 = w & 0x7f7f7f7f;
      // bit 7 of each byte: ASCII, and >= 'A', and not > 'Z' (no carry crosses bytes: h7 <= 0x7f)
      const upper = ~w & ((h7 + 0x3f3f3f3f) ^ (h7 + 0x25252525)) & 0x80808080;
      const f = w | (upper >>> 2);
      words[i] = f;
      if (bitSet(bitmap, hashOf(f, WORD_BITS))) pending.push(i);
    }
    for (let i = n * 4; i < len; i++) {
      const c = lower[i]!;
      if (c >= 0x41 && c <= 0x5a) lower[i] = c | 0x20;
    }
    for (const i of pending) this.check(lower, words[i]!, 4 * i, hit);
    for (const shift of this.shifts) if (shift !== 0) this.scan(lower, shift, hit);
    return lower;
  }

  /** A pass over the words of `lower` that start at `shift` + 4k. */
  private scan(lower: Buffer, shift: number, hit: (pos: number) => void): void {
    const len = lower.length - shift;
    if (len < 4) return;
    // a Uint32Array needs an aligned offset: copy (a memcpy, cheap next to the scan)
    if (this.shifted.length < len) this.shifted = Buffer.from(new ArrayBuffer((Math.max(len, 1 << 18) + 3) & ~3));
    lower.copy(this.shifted, 0, shift);
    const words = new Uint32Array(this.shifted.buffer, this.shifted.byteOffset, len >>> 2);
    const { bitmap } = this;
    const n = words.length;
    for (let i = 0; i < n; i++) {
      const w = words[i]!;
      if (bitSet(bitmap, hashOf(w, WORD_BITS))) this.check(lower, w, shift + 4 * i, hit);
    }
  }

  private check(lower: Buffer, word: number, at: number, hit: (pos: number) => void): void {
    const list = this.grams.get(word);
    if (!list) return;
    for (const { needle, j } of list) if (equalAt(lower, at - j, needle)) hit(at - j);
  }
}

/** What the subjects of a batch are searched for in one CSV source. */
export interface SubjectNeedles {
  /** Canonical addresses (with `@`); their gitdm forms are derived here. */
  emails: string[];
  /** Canonical GitHub handles. */
  handles: string[];
}

export class ManySearch {
  private readonly anchors = new Map<number, AnchorGroup>();
  private readonly words: WordSearch | null;
  private readonly short: Buffer[];
  /** Needles with no ASCII next to their anchor (`é@ü.de`): looked for in decoded text. */
  private readonly textOnly: string[];
  /** Every needle, for a block that must be read as decoded text. */
  private readonly all: string[];
  private readonly varia: boolean;
  readonly empty: boolean;

  constructor(subjects: readonly SubjectNeedles[]) {
    const forms = new Map<string, number>(); // needle → index of its anchor
    const handles = new Set<string>();
    for (const s of subjects) {
      for (const e of s.emails) {
        const at = e.indexOf('@');
        if (at <= 0) continue;
        forms.set(e, at);
        forms.set(`${e.slice(0, at)}!${e.slice(at + 1)}`, at); // as IdentityMatcher.needles() gives it
      }
      for (const h of s.handles) handles.add(h);
    }
    const textOnly: string[] = [];
    for (const [form, at] of forms) {
      let l = at;
      while (l > 0 && form.charCodeAt(l - 1) < 0x80) l--;
      let r = at + 1;
      while (r < form.length && form.charCodeAt(r) < 0x80) r++;
      if (l === at && r === at + 1) {
        textOnly.push(form);
        continue;
      }
      const byte = form.charCodeAt(at);
      let group = this.anchors.get(byte);
      if (!group) this.anchors.set(byte, (group = new AnchorGroup()));
      group.add({ left: Buffer.from(form.slice(l, at), 'latin1'), right: Buffer.from(form.slice(at + 1, r), 'latin1') });
    }
    const long = [...handles].filter((h) => isAscii(h) && h.length >= 4);
    this.words = long.length > 0 ? new WordSearch(long) : null;
    // handles are ASCII (GITHUB_HANDLE); anything else would be looked for as text
    this.short = [...handles].filter((h) => isAscii(h) && h.length < 4).map((h) => Buffer.from(h, 'latin1'));
    textOnly.push(...[...handles].filter((h) => !isAscii(h)));
    this.textOnly = textOnly;
    this.all = [...forms.keys(), ...handles];
    this.varia = this.all.some((n) => n.includes('`'));
    this.empty = this.all.length === 0;
  }

  /** The records of `block` from byte `from` on (past the header) that may hold a needle, in order. */
  candidates(block: Block, from: number, fold: (buf: Buffer, from: number, to: number) => Buffer): Rec[] {
    const to = block.end;
    if (to <= from || this.empty) return [];
    const raw = block.buf.subarray(from, to);
    if (raw.includes(KELVIN) || (this.varia && raw.includes(VARIA))) return this.inText(block, from, to, this.all) ? block.records(from) : [];
    if (this.textOnly.length > 0 && this.inText(block, from, to, this.textOnly)) return block.records(from);
    const hits: number[] = [];
    const mark = (pos: number) => hits.push(from + pos);
    const lower = this.words ? this.words.foldAndScan(block.buf, from, to, mark) : fold(block.buf, from, to);
    for (const [byte, group] of this.anchors) {
      for (let p = lower.indexOf(byte); p !== -1; p = lower.indexOf(byte, p + 1)) if (group.matchAt(lower, p)) mark(p);
    }
    for (const s of this.short) for (let p = lower.indexOf(s); p !== -1; p = lower.indexOf(s, p + 1)) mark(p);
    return recordsAt(block, hits);
  }

  private inText(block: Block, from: number, to: number, needles: string[]): boolean {
    const text = block.buf.toString('utf8', from, to).normalize('NFC').toLowerCase();
    return needles.some((nd) => text.includes(nd));
  }
}
