// The pre-filter of discoverMany: which messages of a batch may involve which of many subjects,
// in one pass whose cost does not grow with the number of subjects.
//
// discover (one subject) searches the folded header bytes once per byte pattern (stage 1), then
// tests the decoded address headers of the hits (stage 2). With a hundred subjects that is a
// hundred-odd searches. Here every address-shaped place in the headers is looked up instead:
// each `@` (and each pipermail ` at `) is read with the characters around it, and a small
// fingerprint of those (up to 6 characters before, 3 after) is checked in a bitmap of all subjects'
// addresses; only a hit is cut into the candidate addresses that the stage-2 test would accept
// there, and those are looked up in a Map. What a subject gets from this is then held to
// discover's own tests for that subject, so that each subject's candidates are discover's:
//
//   stage 1 (per subject i): the messages in which discover's stage 1 for i would find a pattern
//     of i, an encoded word (`=?`: every subject), a Kelvin sign (subjects with a "k"), or one of
//     i's non-address needles (EAI addresses: searched as discover searches them); an encoded
//     word outside the address headers is left out (stage 2 reads only those: for that message
//     it passes exactly where the lookup finds the subject's address);
//   stage 2: the message's decoded address headers pass one of i's stage-2 tests (or fail to
//     decode), exactly as in discover.
//
// Why the lookup finds everything stage 2 accepts: a stage-2 test accepts an ASCII address only
// where it stands whole (the character before it is not in [a-z0-9._%+-], the one after it is
// not in [a-z0-9-] nor a dot followed by one); outside encoded words, the decoded text is the raw
// bytes, unfolded, NFC-normalised and lower-cased, and the only characters that normalisation
// turns into the ASCII of an address are the Kelvin sign (k) and U+1FEF (`), searched for on
// their own. So the address stands whole in the folded raw bytes too, next to an `@` or a
// whitespace-delimited `at`, and the lookup enumerates exactly the addresses standing whole there.
// (Two differences of the decoded text from the raw bytes can make discover decode a message
// that this pass leaves alone: a combining mark right after an address, which NFC merges with
// its last letter, and U+0130, which lower-cases to "i" and a combining dot. Neither can give a
// record: the matcher normalises the address the same way, and it is then not the subject's.)
import type { IdentityMatcher } from '../../core/identity.js';
import { addressHeaderText, mayBeInAddressHeader } from './bytes.js';
import { foldHeaders } from './headers.js';
import { searchPatterns, stageTwoTests, subjectNeedles } from './needles.js';
import { messageAt, messageEnd, type MessageBatch } from './splitter.js';

const ENCODED_WORD_OPEN = Buffer.from('=?', 'latin1');
const KELVIN = Buffer.from('\u212a', 'utf8'); // NFC: "K", lower-cased "k"
const VARIA = Buffer.from('\u1fef', 'utf8'); // NFC: "`", which an address's local part may hold
const SP_AT = Buffer.from(' at', 'latin1');
const TAB_AT = Buffer.from('\tat', 'latin1');
const AT = 0x40;
const DOT = 0x2e;

// Character classes of (lower-cased) ASCII bytes; every other byte is in none.
const LOCAL = 1; // may be in a local part: atext and "."
const BOUND = 2; // [a-z0-9._%+-]: stage 2 rejects an address right after one of these
const DOMAIN = 4; // [a-z0-9.-]
const LABEL = 8; // [a-z0-9-]
const ALNUM = 16; // [a-z0-9]
const WS = 32; // space, tab, CR, LF
const CLS = new Uint8Array(256);
const mark = (chars: string, bits: number) => {
  for (const c of chars) CLS[c.charCodeAt(0)]! |= bits;
};
mark('abcdefghijklmnopqrstuvwxyz0123456789', LOCAL | BOUND | DOMAIN | LABEL | ALNUM);
mark("!#$%&'*+/=?^_`{|}~.-", LOCAL);
mark('._%+-', BOUND);
mark('.-', DOMAIN);
mark('-', LABEL);
mark(' \t\r\n', WS);

const WINDOW_BITS = 16; // a 64 Kbit bitmap: few false fingerprints even for thousands of addresses

/**
 * The fingerprint of the address whose local part ends at q and whose domain starts at p: up to
 * 6 characters of [a-z0-9._%+-] before q and up to 3 of [a-z0-9-] from p. For an address that
 * stands whole there it is the fingerprint of the address itself (its own characters: the run
 * stops at its edge, or earlier). (Six before: archives hold many addresses that differ only
 * near the end of the local part, user123@…, user124@…; fewer would send most to the lookup.)
 */
function windowOf(b: Uint8Array, q: number, p: number, end: number): number {
  let lw = 0;
  for (let j = q - 1, k = 0; k < 6 && j >= 0; j--, k++) {
    const c = b[j]!;
    if ((CLS[c]! & BOUND) === 0) break;
    lw = (Math.imul(lw, 0x01000193) ^ c) | 0;
  }
  let rw = 0;
  for (let j = p, k = 0; k < 3 && j < end; j++, k++) {
    const c = b[j]!;
    if ((CLS[c]! & LABEL) === 0) break;
    rw = (rw << 7) | c;
  }
  return (Math.imul(lw ^ 0x2545f491, 0x9e3779b1) ^ Math.imul(rw ^ 0x68e31da4, 0x85ebca77)) >>> (32 - WINDOW_BITS);
}

/** An address the lookup can find: ASCII, one `@`, a local part of atext and dots, a domain of [a-z0-9.-]. */
function indexable(email: string): boolean {
  const at = email.indexOf('@');
  if (at <= 0 || at === email.length - 1 || email.indexOf('@', at + 1) !== -1) return false;
  for (let i = 0; i < email.length; i++) {
    const c = email.charCodeAt(i);
    if (i === at) continue;
    if (c > 0x7f || (CLS[c]! & (i < at ? LOCAL : DOMAIN)) === 0) return false;
  }
  return true;
}

interface Plan {
  /** discover's stage-2 tests for this subject. */
  tests: Array<(text: string) => boolean>;
  /** discover's stage-1 byte patterns for this subject (encoded word and Kelvin sign aside). */
  patterns: Buffer[];
}

/** The needles of all subjects of a batch, indexed for one pass. */
export class ManyNeedles {
  /** By subject; null for a subject without email addresses (discover finds nothing for it). */
  readonly plans: Array<Plan | null> = [];
  /** Subjects with a plan. */
  readonly active: number[] = [];
  /** Subjects with a "k" in a needle: a Kelvin sign makes their messages candidates (as in discover). */
  readonly kelvin: number[] = [];
  /** Subjects with a "`" in a needle. */
  readonly backtick: number[] = [];
  /** Subjects with a needle the lookup cannot find (EAI addresses): their stage-2 tests run on every `=?` message. */
  readonly loose: number[] = [];
  /** Those needles' byte patterns (discover's), searched as discover searches them. */
  readonly loosePatterns: Array<{ pattern: Buffer; subjects: number[] }> = [];
  private readonly addresses = new Map<string, number[]>();
  private readonly windows = new Uint32Array(1 << (WINDOW_BITS - 5));

  /** From the subjects, or from their needles (subjectNeedles of each: what a worker thread is given). */
  constructor(subjects: readonly IdentityMatcher[] | readonly string[][]) {
    const loose = new Map<string, { pattern: Buffer; subjects: number[] }>();
    subjects.forEach((subject, i) => {
      const needles = Array.isArray(subject) ? subject : subjectNeedles(subject);
      if (needles.length === 0) {
        this.plans.push(null);
        return;
      }
      this.plans.push({ tests: stageTwoTests(needles), patterns: searchPatterns(needles) });
      this.active.push(i);
      if (needles.some((x) => x.includes('k'))) this.kelvin.push(i);
      if (needles.some((x) => x.includes('`'))) this.backtick.push(i);
      let isLoose = false;
      for (const email of needles.filter((x) => x.includes('@'))) {
        if (indexable(email)) {
          const list = this.addresses.get(email);
          if (!list) this.addresses.set(email, [i]);
          else if (list[list.length - 1] !== i) list.push(i);
          const b = Buffer.from(email, 'latin1');
          const at = email.indexOf('@');
          const w = windowOf(b, at, at + 1, b.length);
          this.windows[w >>> 5]! |= 1 << (w & 31);
          continue;
        }
        isLoose = true;
        for (const p of searchPatterns([email, email.replace('@', ' at ')])) {
          const key = p.toString('latin1');
          const entry = loose.get(key);
          if (!entry) loose.set(key, { pattern: p, subjects: [i] });
          else if (entry.subjects[entry.subjects.length - 1] !== i) entry.subjects.push(i);
        }
      }
      if (isLoose) this.loose.push(i);
    });
    this.loosePatterns.push(...loose.values());
  }

  /**
   * Every place in b[from, to) where an indexed address stands whole, as an address (`@`) or in
   * pipermail's form (`ann at example.org`, any whitespace around the "at"): found(pos, subjects).
   */
  scan(b: Buffer, from: number, to: number, found: (pos: number, subjects: readonly number[]) => void): void {
    if (this.addresses.size === 0) return;
    const windows = this.windows;
    for (let at = b.indexOf(AT, from); at !== -1 && at < to; at = b.indexOf(AT, at + 1)) {
      const w = windowOf(b, at, at + 1, to);
      if ((windows[w >>> 5]! & (1 << (w & 31))) !== 0) this.lookup(b, at, at + 1, from, to, at, found);
    }
    for (const sep of [SP_AT, TAB_AT]) {
      for (let s = b.indexOf(sep, from); s !== -1 && s + 3 < to; s = b.indexOf(sep, s + 1)) {
        if ((CLS[b[s + 3]!]! & WS) === 0) continue;
        let q = s;
        while (q > from && (CLS[b[q - 1]!]! & WS) !== 0) q--;
        let p = s + 3;
        while (p < to && (CLS[b[p]!]! & WS) !== 0) p++;
        const w = windowOf(b, q, p, to);
        if ((windows[w >>> 5]! & (1 << (w & 31))) !== 0) this.lookup(b, q, p, from, to, s, found);
      }
    }
  }

  /**
   * The indexed addresses standing whole with their local part ending at q and their domain
   * starting at p: the local part is a suffix of the run of local-part characters before q that
   * starts where stage 2 allows an address to start; the domain is the run of domain characters
   * from p, or a prefix of it that ends before a dot not followed by [a-z0-9].
   */
  private lookup(b: Buffer, q: number, p: number, from: number, to: number, pos: number, found: (pos: number, subjects: readonly number[]) => void): void {
    let a = q;
    while (a > from && (CLS[b[a - 1]!]! & LOCAL) !== 0) a--;
    let z = p;
    while (z < to && (CLS[b[z]!]! & DOMAIN) !== 0) z++;
    if (a === q || z === p) return;
    const domains = [b.toString('latin1', p, z)];
    for (let e = p + 1; e < z; e++) {
      if (b[e] === DOT && (e + 1 === z || (CLS[b[e + 1]!]! & ALNUM) === 0)) domains.push(b.toString('latin1', p, e));
    }
    for (let s = a; s < q; s++) {
      if (s !== a && (CLS[b[s - 1]!]! & BOUND) !== 0) continue;
      const local = b.toString('latin1', s, q);
      for (const d of domains) {
        const subjects = this.addresses.get(`${local}@${d}`);
        if (subjects) found(pos, subjects);
      }
    }
  }

  /** The subjects whose stage-2 tests accept a decoded address-header text. */
  inText(text: string): number[] {
    const hits = new Set<number>(this.loose);
    const b = Buffer.from(text, 'utf8');
    this.scan(b, 0, b.length, (_pos, subjects) => {
      for (const s of subjects) hits.add(s);
    });
    return [...hits].filter((i) => this.plans[i]!.tests.some((t) => t(text))).sort((x, y) => x - y);
  }
}

export interface ManyCandidate {
  index: number;
  start: number;
  end: number;
  headerEnd: number;
  /** The subjects for which discover would decode this message (ascending). */
  subjects: number[];
}

/**
 * The messages of a batch that discover would decode for at least one subject, each with those
 * subjects, in file order. Complete as discover's pre-filter is: for each subject, the messages
 * listed for it are exactly the ones discover's candidates() yields for it.
 */
export function manyCandidates(batch: MessageBatch, idx: ManyNeedles): ManyCandidate[] {
  const n = batch.starts.length;
  if (n === 0 || idx.active.length === 0) return [];
  const { hay, offs, hEnds } = foldHeaders(batch);
  const total = hay.length;
  const everyone = new Uint8Array(n); // an encoded word: a candidate for every subject until stage 2
  const found = new Map<number, Set<number>>(); // stage 1, as discover's
  const check = new Map<number, Set<number>>(); // found by the lookup: held to discover's patterns
  const add = (into: Map<number, Set<number>>, m: number, subjects: readonly number[]) => {
    let set = into.get(m);
    if (!set) into.set(m, (set = new Set()));
    for (const s of subjects) set.add(s);
  };
  const eachMessage = (pattern: Buffer, hit: (m: number) => void) => {
    let at = hay.indexOf(pattern);
    while (at !== -1) {
      const m = messageAt(offs, at);
      hit(m);
      // one hit per message is enough: go on at the next message's headers
      at = m + 1 < n ? hay.indexOf(pattern, offs[m + 1]) : -1;
    }
  };
  // an encoded word in an address header (one elsewhere, in Subject say, hides no address)
  for (let at = hay.indexOf(ENCODED_WORD_OPEN); at !== -1;) {
    const m = messageAt(offs, at);
    if (mayBeInAddressHeader(hay, offs[m]!, at)) {
      everyone[m] = 1;
      at = m + 1 < n ? hay.indexOf(ENCODED_WORD_OPEN, offs[m + 1]) : -1;
    } else at = hay.indexOf(ENCODED_WORD_OPEN, at + 2);
  }
  if (idx.kelvin.length > 0) eachMessage(KELVIN, (m) => add(found, m, idx.kelvin));
  if (idx.backtick.length > 0) eachMessage(VARIA, (m) => add(check, m, idx.backtick));
  for (const { pattern, subjects } of idx.loosePatterns) eachMessage(pattern, (m) => add(found, m, subjects));
  idx.scan(hay, 0, total, (pos, subjects) => add(check, messageAt(offs, pos), subjects));
  // discover's stage 1 for subject i finds one of i's patterns in the message's headers (a hit
  // that starts there): the lookup's own hits always do, but for pipermail's form with the
  // whitespace around "at" folded, or a U+1FEF, only discover's patterns can tell.
  for (const [m, subjects] of check) {
    if (everyone[m]) continue;
    const from = offs[m]!;
    const next = m + 1 < n ? offs[m + 1]! : total;
    const have = found.get(m);
    for (const i of subjects) {
      if (have?.has(i)) continue;
      const hit = idx.plans[i]!.patterns.some((p) => hay.subarray(from, Math.min(total, next + p.length - 1)).indexOf(p) !== -1);
      if (hit) add(found, m, [i]);
    }
  }
  const messages = [...found.keys()];
  for (let m = 0; m < n; m++) if (everyone[m] && !found.has(m)) messages.push(m);
  messages.sort((x, y) => x - y);
  const out: ManyCandidate[] = [];
  for (const m of messages) {
    const start = batch.starts[m]!;
    const headerEnd = hEnds[m]!;
    const text = addressHeaderText(batch.buf.subarray(start, headerEnd));
    let subjects: number[];
    if (everyone[m]) subjects = text === null ? idx.active : idx.inText(text);
    else {
      subjects = [...found.get(m)!].sort((x, y) => x - y);
      if (text !== null) subjects = subjects.filter((i) => idx.plans[i]!.tests.some((t) => t(text)));
    }
    if (subjects.length > 0) out.push({ index: m, start, end: messageEnd(batch, m), headerEnd, subjects });
  }
  return out;
}
