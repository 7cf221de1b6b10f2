// Byte patterns for the adapters' pre-filters: a case-insensitive view of raw bytes and the
// ASCII needles that must be in those bytes whatever charset the text was written in.
import { asciiFolder } from './ascii-fold.js';

/** The lower-cased view is valid until the next call (it reuses one scratch buffer). */
export const lowerAscii = asciiFolder();

/** The longest run of ASCII characters in `s` (what survives any ASCII-compatible charset). */
export function longestAsciiRun(s: string): string {
  let best = '';
  for (const run of s.split(/[^\x00-\x7f]+/)) if (run.length > best.length) best = run;
  return best;
}

/**
 * Byte patterns (lower-case) for a pre-filter that must not miss: an ASCII needle as it is; for
 * a needle with other characters (an EAI address, `zoë@…`), its longest ASCII run, which is in
 * the raw bytes whatever charset (UTF-8, Latin-1) the text was written in.
 */
export function bytePatterns(needles: string[]): Buffer[] {
  const out = new Map<string, Buffer>();
  for (const n of needles) {
    const p = /^[\x00-\x7f]*$/.test(n) ? n : longestAsciiRun(n);
    if (p.length > 0) out.set(p, Buffer.from(p, 'latin1'));
  }
  return [...out.values()];
}

/** Whether `needle` stands in `buf` at `at` (false when it would run past either end). */
export function equalAt(buf: Uint8Array, at: number, needle: Uint8Array): boolean {
  if (at < 0 || at + needle.length > buf.length) return false;
  for (let t = 0; t < needle.length; t++) if (buf[at + t] !== needle[t]) return false;
  return true;
}
