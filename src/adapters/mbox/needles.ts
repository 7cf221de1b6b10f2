// A subject's email needles and the two pre-filter stages built on them, shared by the
// single-subject pass (discover, erase) and the many-subject pass (discoverMany).
import type { IdentityMatcher } from '../../core/identity.js';
import { bytePatterns, longestAsciiRun } from '../../core/byte-patterns.js';
import { addressHeaderText, mayBeInAddressHeader } from './bytes.js';

const ENCODED_WORD_OPEN = Buffer.from('=?', 'latin1');
const KELVIN = Buffer.from('\u212a', 'utf8'); // NFC-normalises to "K": a raw search for "k" misses it

/**
 * The subject's email needles, and each in pipermail's obfuscated form (`ann at example.org`),
 * which public Mailman 2 archives write in From headers and envelope lines.
 */
export function subjectNeedles(subject: IdentityMatcher): string[] {
  const emails = subject.needles(['email']).filter((x) => x.includes('@'));
  return [...emails, ...emails.map((x) => x.replace('@', ' at '))];
}

/**
 * Stage-1 byte patterns. An address and its pipermail form share their local part: one search
 * for it (when long enough to be rare) instead of two; stage 2 tells them apart. A shorter local
 * part's pipermail form is looked for in two halves, `ann at` and `at example.org`: a header
 * folded at one of its spaces (`ann at\n example.org`) still holds one of them whole.
 */
export function searchPatterns(needles: string[]): Buffer[] {
  const out = new Map<string, Buffer>();
  for (const x of needles) {
    const pipermail = !x.includes('@');
    const sep = pipermail ? x.indexOf(' at ') : x.indexOf('@');
    const local = sep > 0 ? x.slice(0, sep) : '';
    if (local.length >= 6 && /^[\x21-\x7e]+$/.test(local)) out.set(local, Buffer.from(local, 'latin1'));
    else if (pipermail && sep > 0 && /^[\x21-\x7e ]+$/.test(x)) {
      for (const half of [x.slice(0, sep + 3), x.slice(sep + 1)]) out.set(half, Buffer.from(half, 'latin1'));
    } else for (const p of bytePatterns([x])) out.set(p.toString('latin1'), p);
  }
  return [...out.values()];
}

/**
 * Stage-2 tests on decoded, lower-cased address headers: an ASCII needle as a whole address (not
 * inside a longer one: `xann@…`, `…org.evil`); a needle with other characters by its longest
 * ASCII run (whatever the charset did to the rest). Each is a superset of the exact match.
 */
export function stageTwoTests(needles: string[]): Array<(text: string) => boolean> {
  return needles.map((x) => {
    if (/^[\x00-\x7f]*$/.test(x)) {
      const re = new RegExp(`(?<![a-z0-9._%+\\-])${x.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![a-z0-9\\-]|\\.[a-z0-9])`);
      return (text: string) => text.includes(x) && re.test(text);
    }
    const run = longestAsciiRun(x);
    return (text: string) => text.includes(run);
  });
}

/**
 * Everything stage 1 of discover (and erase) looks for in a message's header block, ASCII case
 * folded: the subject's byte patterns, an RFC 2047 encoded word (`=?`), and a Kelvin sign when a
 * needle has a "k". None without needles: nothing can match.
 */
export function stageOnePatterns(needles: string[]): Buffer[] {
  if (needles.length === 0) return [];
  const patterns = [...searchPatterns(needles), ENCODED_WORD_OPEN];
  if (needles.some((x) => x.includes('k'))) patterns.push(KELVIN);
  return patterns;
}

/**
 * Which stage-1 hits count (scanMbox's keepHit): an encoded word only where it may be in an
 * address header (stage 2 reads only those, and without an encoded word there it passes only
 * where a pattern of the subject is found as well); every other pattern's, always.
 */
export function stageOneKeep(patterns: Buffer[]): (buf: Buffer, start: number, x: number, k: number) => boolean {
  const ew = patterns.findIndex((p) => p.equals(ENCODED_WORD_OPEN));
  return (buf, start, x, k) => k !== ew || mayBeInAddressHeader(buf, start, x);
}

/**
 * Stage 2 on the header block buf[start, headerEnd): its address headers, decoded, pass one of
 * the tests, or do not decode (and so must go to mailparser).
 */
export function passesStageTwo(buf: Buffer, start: number, headerEnd: number, tests: Array<(text: string) => boolean>): boolean {
  const text = addressHeaderText(buf.subarray(start, headerEnd));
  return text === null || tests.some((t) => t(text));
}
