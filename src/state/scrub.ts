// Stored copies (receipts, journals) name the person only by salted hashes. Locators and manual
// steps can carry an identity ("users.json#U01ANN", 'remove "ann@…" from line 6'): this replaces
// every spelling of the subject's identities in such text with a short salted hash.
import { asciiDomainSpelling, type Identity } from '../core/identity.js';
import type { StateDir } from './state-dir.js';
import { escapeRegExp } from '../core/regexp.js';

/** The spellings of an identity that may stand in source text. */
function spellings(id: Identity): string[] {
  const v = id.value;
  const out = [v];
  if (id.type === 'email') {
    out.push(v.replace('@', '!'), v.replace('@', ' at '));
    const ascii = asciiDomainSpelling(v);
    if (ascii) out.push(ascii, ascii.replace('@', '!'));
  }
  if (id.type === 'ga-client-id') {
    const bare = v.replace(/^ga\d+\.\d+\./i, '');
    if (bare !== v) out.push(bare);
  }
  return out.filter((s) => s.length >= 3);
}

export type Scrub = (text: string) => string;

export function scrubberFor(state: StateDir, identities: Identity[]): Scrub {
  const rules = identities.flatMap((id) => {
    const tag = `[${id.type}:${state.hashIdentity(id).slice(0, 12)}]`;
    return spellings(id).map((sp) => ({ re: new RegExp(escapeRegExp(sp), 'giu'), tag }));
  });
  // Longest first, so an address is replaced before a handle that it contains.
  rules.sort((a, b) => b.re.source.length - a.re.source.length);
  return (text) => rules.reduce((t, r) => t.replace(r.re, r.tag), text);
}

/** Scrub every string inside a JSON-like value. */
export function scrubDeep<T>(value: T, scrub: Scrub): T {
  if (typeof value === 'string') return scrub(value) as T;
  if (Array.isArray(value)) return value.map((v) => scrubDeep(v, scrub)) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, scrubDeep(v, scrub)])) as T;
  }
  return value;
}
