// Substring pre-filters for one or many subjects. A pre-filter only decides which text is handed
// to the exact matcher (core's IdentityMatcher), so it must be complete: whenever the exact
// matcher accepts an address in a text, the address's folded form (`foldNeedle`) is a substring
// of the text's folded form (`foldText`).
//
// Why that holds: the exact matcher canonicalises an address written in the text as
// lower(NFC(x)), where x is a stretch of the text cut at whitespace, `<` `>` `(` `[` `:` `,` `;`
// `)` `]` or a trailing `.` (and `user!domain` becomes `user@domain`). Those cuts are ASCII
// starters, so NFC does not compose across them, and lower-casing is the same per character
// except for the Greek final sigma (`Σ` → `ς` or `σ` depending on the letters around it), which
// both sides fold to `σ`. So lower(NFC(x)) is a slice of lower(NFC(text)), up to the sigma.
//
// NeedleIndex answers "which of these many needles occur in this text" at a cost that barely
// grows with the number of needles: every needle holds a separator (`@`, or the `!` of gitdm's
// `user!domain`), so any occurrence of it puts that separator at an `@` or `!` of the text. The
// index looks up, at each `@` / `!` of the text, the few characters around it in a Map, then
// verifies the candidates it finds there with one `startsWith` each. It finds every occurrence
// a plain `text.includes(needle)` would find, no more and no fewer.

import { emailsInCell, normalizeIdentity, type IdentityMatcher } from './identity.js';

const NON_ASCII = /[^\x00-\x7f]/;

/** lower(NFC(s)) with the final sigma folded: the form pre-filters compare in. */
export function foldText(s: string): string {
  if (!NON_ASCII.test(s)) return s.toLowerCase();
  return s.normalize('NFC').toLowerCase().replace(/ς/g, 'σ');
}

/** A canonical identity value (already lower-case NFC) in the form `foldText` gives. */
export function foldNeedle(canonical: string): string {
  return canonical.includes('ς') ? canonical.replace(/ς/g, 'σ') : canonical;
}

/** The domain of the GitHub noreply addresses (`ID+login@users.noreply.github.com`). */
export const NOREPLY_DOMAIN = 'users.noreply.github.com';

/** Characters on each side of a separator that key the lookup. */
const WINDOW = 3;

interface Entry<T> {
  needle: string;
  /** Index of the needle's separator. */
  at: number;
  value: T;
}

interface Group<T> {
  before: number;
  after: number;
  map: Map<string, Array<Entry<T>>>;
}

export class NeedleIndex<T> {
  private readonly groups: Array<Group<T>> = [];
  private readonly seen = new Set<string>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  /**
   * Index a (folded) needle under `value`. A needle with neither `@` nor `!` cannot be indexed
   * and is refused (returns false): no canonical address or noreply form lacks both.
   */
  add(needle: string, value: T): boolean {
    let at = needle.indexOf('@');
    if (at === -1) at = needle.indexOf('!');
    if (at === -1) return false;
    const dedupe = `${needle}\u0000${String(value)}`;
    if (this.seen.has(dedupe)) return true;
    this.seen.add(dedupe);
    const before = Math.min(WINDOW, at);
    const after = Math.min(WINDOW, needle.length - at - 1);
    let group = this.groups.find((g) => g.before === before && g.after === after);
    if (!group) this.groups.push((group = { before, after, map: new Map() }));
    const key = needle.slice(at - before, at + after + 1);
    const list = group.map.get(key);
    if (list) list.push({ needle, at, value });
    else group.map.set(key, [{ needle, at, value }]);
    this.count++;
    return true;
  }

  /** Call `visit` with the value of every needle that occurs in `text` (folded), once per occurrence. */
  scan(text: string, visit: (value: T) => void): void {
    if (this.count === 0) return;
    this.scanFor(text, '@', visit);
    this.scanFor(text, '!', visit);
  }

  private scanFor(text: string, sep: string, visit: (value: T) => void): void {
    for (let p = text.indexOf(sep); p !== -1; p = text.indexOf(sep, p + 1)) {
      for (const g of this.groups) {
        if (p - g.before < 0 || p + g.after >= text.length) continue;
        const list = g.map.get(text.slice(p - g.before, p + g.after + 1));
        if (!list) continue;
        for (const e of list) if (text.startsWith(e.needle, p - e.at)) visit(e.value);
      }
    }
  }
}

/**
 * The needles of a subject's addresses for NeedleIndex: each email in both written forms, and
 * for each GitHub login the tail of its noreply address (`login@users.noreply.github.com`), which
 * every noreply address of that login contains.
 */
export function addressNeedles(subject: IdentityMatcher): string[] {
  const out = subject.needles(['email']).map(foldNeedle);
  for (const login of subject.needles(['github'])) {
    if (login === '') continue;
    out.push(foldNeedle(`${login}@${NOREPLY_DOMAIN}`), foldNeedle(`${login}!${NOREPLY_DOMAIN}`));
  }
  return out;
}

/** The canonical values `IdentityMatcher.matchCell(type, cell)` looks up for a cell. */
export function matchKeys(type: string, cell: string): string[] {
  if (type === 'email') return emailsInCell(cell);
  const v = normalizeIdentity(type, cell);
  return v === null ? [] : [v];
}

/**
 * Which subjects hold an identity: a Map from type and canonical value to the subjects' indices.
 * `lookup(type, cell)` finds every subject whose `matchCell(type, cell)` is not null.
 */
export class SubjectsByValue {
  private readonly map = new Map<string, number[]>();

  constructor(subjects: readonly IdentityMatcher[], types: readonly string[]) {
    subjects.forEach((s, i) => {
      for (const type of types) {
        for (const v of s.needles([type])) {
          const key = `${type}\u0000${v}`;
          const list = this.map.get(key);
          if (!list) this.map.set(key, [i]);
          else if (list[list.length - 1] !== i) list.push(i);
        }
      }
    });
  }

  get size(): number {
    return this.map.size;
  }

  lookup(type: string, cell: string, visit: (subject: number) => void): void {
    if (this.map.size === 0) return;
    for (const k of matchKeys(type, cell)) {
      const list = this.map.get(`${type}\u0000${k}`);
      if (list) for (const i of list) visit(i);
    }
  }
}

/** Collects the subjects a pre-filter names for one item, each once. */
export class CandidateSet {
  private readonly stamp: Int32Array;
  private seq = 0;
  readonly list: number[] = [];

  constructor(subjects: number) {
    this.stamp = new Int32Array(subjects).fill(-1);
  }

  /** Start a new item: forget the previous one's candidates. */
  reset(): void {
    this.seq++;
    this.list.length = 0;
  }

  readonly add = (i: number): void => {
    if (this.stamp[i] === this.seq) return;
    this.stamp[i] = this.seq;
    this.list.push(i);
  };
}
