// Identity parsing, normalisation and matching.
// Exporting someone else's data is the worst failure this tool can have, so matching is exact:
// whole addresses, never substrings; names never match anything.

import { domainToASCII, domainToUnicode } from 'node:url';

export type IdentityType = 'email' | 'github' | 'name' | 'slack-id' | 'ga-client-id' | 'ip' | (string & {});

export interface Identity {
  type: IdentityType;
  value: string;
}

/** An identity and the column / field it was found in. */
export interface MatchedIdentity extends Identity {
  field: string;
}

export interface Provenance {
  /** given: on the command line; link: followed from another identity; accepted: --include-identity. */
  via: 'given' | 'link' | 'accepted';
  reason: string;
  source?: string;
  locator?: string;
  from?: Identity;
}

export interface SubjectIdentity extends Identity {
  provenance: Provenance;
}

const GITHUB_HANDLE = /^[a-z\d](?:[a-z\d]|-(?=[a-z\d])){0,38}$/i;
// A practical address grammar: no quoted local parts, no spaces, no brackets. Unicode letters
// are allowed (EAI addresses); the domain is dot-separated labels.
const LOCAL_PART = /^[\p{L}\p{N}!#$%&'*+/=?^_`{|}~.-]{1,64}$/u;
const DOMAIN_LABEL = /^[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?$/u;
const NOREPLY = /^(?:(\d+)\+)?([a-z\d](?:[a-z\d]|-(?=[a-z\d])){0,38})@users\.noreply\.github\.com$/i;

/**
 * The domain in one spelling: an internationalised domain and its punycode form
 * (`bücher.example`, `xn--bcher-kva.example`) are one domain, so both become the Unicode form
 * that IDNA (UTS #46, as in URLs) maps them to. A domain IDNA refuses is kept as written.
 */
function canonicalDomain(domain: string): string {
  const ascii = domainToASCII(domain);
  if (ascii === '') return domain;
  const unicode = domainToUnicode(ascii);
  return unicode === '' ? domain : unicode.normalize('NFC');
}

/** The address with its domain in ASCII (punycode), or null when that is the same address. */
export function asciiDomainSpelling(email: string): string | null {
  const at = email.lastIndexOf('@');
  const domain = email.slice(at + 1);
  if (at < 0 || /^[\x00-\x7f]*$/.test(domain)) return null;
  const ascii = domainToASCII(domain);
  return ascii === '' || ascii === domain ? null : `${email.slice(0, at)}@${ascii}`;
}

/** Canonical form of an email: trimmed, NFC, lower-case, one spelling of its domain. Returns null when it is not an address. */
export function normalizeEmail(raw: string): string | null {
  let s = raw.trim().normalize('NFC');
  if (s.toLowerCase().startsWith('mailto:')) s = s.slice(7);
  // "Ann Example <ann@example.org>"
  const angle = /<([^<>]*)>\s*$/.exec(s);
  if (angle) s = angle[1]!.trim();
  // gitdm writes addresses as user!domain so that they are not harvested.
  if (!s.includes('@') && /^[^!\s]+![^!\s]+\.[^!\s]+$/.test(s)) s = s.replace('!', '@');
  s = s.toLowerCase();
  const at = s.lastIndexOf('@');
  if (at <= 0 || at !== s.indexOf('@')) return null;
  const local = s.slice(0, at);
  const domain = canonicalDomain(s.slice(at + 1));
  if (!LOCAL_PART.test(local) || local.startsWith('.') || local.endsWith('.') || local.includes('..')) return null;
  if (domain.length > 253) return null;
  const labels = domain.split('.');
  if (!labels.every((l) => DOMAIN_LABEL.test(l))) return null;
  return `${local}@${domain}`;
}

/** Canonical form of a GitHub handle: leading @ or profile URL stripped, lower-case, validated. */
export function normalizeGithub(raw: string): string | null {
  let s = raw.trim().normalize('NFC');
  const url = /^(?:https?:\/\/)?(?:www\.)?github\.com\/([^/?#\s]+)\/?$/i.exec(s);
  if (url) s = url[1]!;
  if (s.startsWith('@')) s = s.slice(1);
  if (!GITHUB_HANDLE.test(s)) return null;
  return s.toLowerCase();
}

export function normalizeIdentity(type: string, raw: string): string | null {
  switch (type) {
    case 'email':
      return normalizeEmail(raw);
    case 'github':
      return normalizeGithub(raw);
    case 'name':
      return null; // names are for display only and never match
    default: {
      const v = raw.trim().normalize('NFC');
      return v.length > 0 ? v.toLowerCase() : null;
    }
  }
}

/** The identity types some source can match (a name never matches anything). */
export const IDENTITY_TYPES = ['email', 'github', 'slack-id', 'ga-client-id', 'ga-user-id', 'ip'] as const;

/** The type of `TYPE:VALUE`, lower-cased, or null when there is none. */
export function typeOfTypedIdentity(spec: string): string | null {
  const i = spec.indexOf(':');
  return i <= 0 ? null : spec.slice(0, i).trim().toLowerCase();
}

/** Parse `TYPE:VALUE` as given to --include-identity; null for an unknown type or a bad value. */
export function parseTypedIdentity(spec: string): Identity | null {
  const type = typeOfTypedIdentity(spec);
  if (type === null || !(IDENTITY_TYPES as readonly string[]).includes(type)) return null;
  const value = normalizeIdentity(type, spec.slice(spec.indexOf(':') + 1));
  return value === null ? null : { type, value };
}

/**
 * Identities implied by the form of another, with no source consulted: a GitHub noreply address
 * names its login. GitHub itself makes that association, so it is a strong link.
 */
export function impliedIdentities(id: Identity): Array<{ identity: Identity; reason: string }> {
  if (id.type !== 'email') return [];
  const m = NOREPLY.exec(id.value);
  if (!m) return [];
  return [{ identity: { type: 'github', value: m[2]!.toLowerCase() }, reason: 'GitHub noreply address names its login' }];
}

export function identityKey(id: Identity): string {
  return `${id.type}:${id.value}`;
}

/**
 * The addresses in a cell of free text, as mail software picks them out: a cell may hold several
 * ("a@x.org; b@y.org", "Ann <a@x.org>, Bo <b@y.org>"), wrap one in brackets, parentheses or
 * quotes (`Ann (a@x.org)`, `"a@x.org"`, `'a@x.org'`) or end a sentence with it (`a@x.org.`).
 * Each address is taken whole — never a substring: `joann@x.org` is never `ann@x.org`; display
 * names are never read as addresses unless they are one.
 */
export function emailsInCell(cell: string): string[] {
  const out: string[] = [];
  for (const raw of cell.split(/[\s,;<>()[\]{}"]+/)) {
    if (!raw.includes('@') && !raw.includes('!')) continue;
    // quotes around it, and a sentence's punctuation after it, are not part of the address
    const token = raw.replace(/^'+/, '').replace(/['.:?!]+$/, '');
    const e = normalizeEmail(token);
    if (e !== null) out.push(e);
  }
  return out;
}

/**
 * The subject's identities as lookup sets. Built once per run, so one pass over a source answers
 * for every identity of the subject.
 */
export class IdentityMatcher {
  private readonly byType = new Map<string, Set<string>>();

  constructor(identities: Iterable<Identity>) {
    for (const id of identities) {
      if (id.type === 'name') continue;
      let set = this.byType.get(id.type);
      if (!set) this.byType.set(id.type, (set = new Set()));
      set.add(id.value);
    }
  }

  types(): string[] {
    return [...this.byType.keys()];
  }

  has(type: string): boolean {
    return (this.byType.get(type)?.size ?? 0) > 0;
  }

  /**
   * Every canonical value, for substring pre-filters (a pre-filter only; matching is exact).
   * Emails come in every written form: user@domain and gitdm's user!domain, and an
   * internationalised domain also in punycode.
   */
  needles(types?: string[]): string[] {
    const out: string[] = [];
    for (const [type, set] of this.byType) {
      if (types && !types.includes(type)) continue;
      for (const v of set) {
        out.push(v);
        if (type !== 'email') continue;
        out.push(v.replace('@', '!'));
        // an internationalised domain may be written in punycode: pre-filters look for both
        const ascii = asciiDomainSpelling(v);
        if (ascii) out.push(ascii, ascii.replace('@', '!'));
      }
    }
    return out;
  }

  /** Does this cell, read as `type`, hold one of the subject's identities? Returns the canonical value. */
  matchCell(type: string, cell: string): string | null {
    const set = this.byType.get(type);
    if (!set || set.size === 0) return null;
    if (type === 'email') {
      for (const e of emailsInCell(cell)) if (set.has(e)) return e;
      return null;
    }
    const v = normalizeIdentity(type, cell);
    return v !== null && set.has(v) ? v : null;
  }
}

/**
 * The distinct identities a source holds, for `SourceAdapter.identities` (replay): each once,
 * collected as adapters read them and taken in batches, so a listing streams.
 */
export class IdentityCollector {
  private readonly seen = new Set<string>();
  private pending: Identity[] = [];

  add(id: Identity): void {
    const key = identityKey(id);
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.pending.push(id);
  }

  /** An address as the matchers read one: its canonical form, and the login a noreply address names. */
  email(raw: string): void {
    const value = normalizeEmail(raw);
    if (value === null) return;
    this.add({ type: 'email', value });
    for (const implied of impliedIdentities({ type: 'email', value })) this.add(implied.identity);
  }

  /** The identities added since the last call. */
  take(): Identity[] {
    const out = this.pending;
    this.pending = [];
    return out;
  }
}

/**
 * Whether an address as a file writes it (a commit's author, a gitdm line) is the subject's:
 * directly, or as the GitHub noreply address of their login. `value` is its canonical form (null
 * when it is no address).
 */
export function matchAddress(raw: string, field: string, subject: IdentityMatcher): { value: string | null; hit: MatchedIdentity | null } {
  const value = normalizeEmail(raw);
  if (value === null) return { value, hit: null };
  if (subject.matchCell('email', value) !== null) return { value, hit: { type: 'email', value, field } };
  for (const implied of impliedIdentities({ type: 'email', value })) {
    const login = subject.matchCell('github', implied.identity.value);
    if (login !== null) return { value, hit: { type: 'github', value: login, field: `${field} (GitHub noreply address)` } };
  }
  return { value, hit: null };
}
