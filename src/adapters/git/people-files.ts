// People files at the tip of the default branch: .mailmap, OWNERS / OWNERS_ALIASES (Kubernetes
// style), MAINTAINERS(.md), CODEOWNERS, SECURITY_CONTACTS. Each is read line by line, so every
// entry found has a line number and the edit to make there.
import { minimatch } from 'minimatch';
import { normalizeEmail, normalizeGithub } from '../../core/identity.js';

/** Folders whose contents are copies of other projects (their people are not this project's). */
const VENDORED = new Set(['vendor', 'third_party', 'node_modules']);

/**
 * Is this path (from the repository root) in a vendored tree, or matched by one of the `exclude`
 * globs — the path itself or a folder above it, as a .gitignore entry would?
 */
export function isExcluded(path: string, exclude: readonly string[]): boolean {
  const parts = path.split('/');
  if (parts.slice(0, -1).some((p) => VENDORED.has(p))) return true;
  if (exclude.length === 0) return false;
  for (let i = 1; i <= parts.length; i++) {
    const prefix = parts.slice(0, i).join('/');
    if (exclude.some((g) => minimatch(prefix, g.replace(/^\/+|\/+$/g, ''), { dot: true }))) return true;
  }
  return false;
}

export type PeopleFileKind = 'mailmap' | 'owners' | 'maintainers' | 'codeowners' | 'security-contacts';

/** The kind of people file a path at the tip is, or null. */
export function peopleFileKind(path: string): PeopleFileKind | null {
  const base = path.slice(path.lastIndexOf('/') + 1);
  if (path === '.mailmap') return 'mailmap';
  if (base === 'OWNERS' || base === 'OWNERS_ALIASES') return 'owners';
  if (/^MAINTAINERS(\.md|\.txt)?$/i.test(base)) return 'maintainers';
  if (base === 'CODEOWNERS' && (path === 'CODEOWNERS' || path === '.github/CODEOWNERS' || path === 'docs/CODEOWNERS')) return 'codeowners';
  if (base === 'SECURITY_CONTACTS') return 'security-contacts';
  return null;
}

/** One identity written on one line of a people file. */
export interface PeopleEntry {
  line: number;
  type: 'email' | 'github';
  /** As written. */
  raw: string;
  /** Canonical. */
  value: string;
  /** What the line makes the person: `approvers`, `aliases.sig-node`, `mailmap`, a CODEOWNERS pattern… */
  role: string;
  /** A display name written next to the identity on the same line (mailmap, MAINTAINERS), if any. */
  name?: string;
  /** Other identities on the same line that belong to the same entry (a mailmap line's other address). */
  sameEntry?: Array<{ type: 'email' | 'github'; value: string }>;
  /** MAINTAINERS: the line is a row of a Markdown table (deleting it leaves the table whole). */
  tableRow?: boolean;
  /** MAINTAINERS: the line is a list item (`- `, `* `, `1. `): one entry of a list. */
  listItem?: boolean;
  /** CODEOWNERS: the line's pattern and every owner written on it, teams included. */
  pattern?: string;
  owners?: number;
}

const EMAIL_RE = /[^\s<>()[\]|,;:"'`*]+@[^\s<>()[\]|,;:"'`*]+\.[^\s<>()[\]|,;:"'`*.]+/gu;

function email(raw: string): string | null {
  return normalizeEmail(raw.replace(/^mailto:/i, ''));
}

export function parsePeopleFile(kind: PeopleFileKind, text: string): PeopleEntry[] {
  const lines = text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  switch (kind) {
    case 'mailmap':
      return parseMailmap(lines);
    case 'owners':
      return parseOwners(lines);
    case 'codeowners':
      return parseCodeowners(lines);
    case 'security-contacts':
      return parseSecurityContacts(lines);
    case 'maintainers':
      return parseMaintainers(lines);
  }
}

/**
 * .mailmap, all four forms:
 *   Proper Name <commit@email>
 *   <proper@email> <commit@email>
 *   Proper Name <proper@email> <commit@email>
 *   Proper Name <proper@email> Commit Name <commit@email>
 */
function parseMailmap(lines: string[]): PeopleEntry[] {
  const out: PeopleEntry[] = [];
  lines.forEach((raw, i) => {
    const l = raw.trimStart();
    if (l === '' || l.startsWith('#')) return;
    const parts: Array<{ name: string; email: string }> = [];
    const re = /([^<>]*)<([^<>]*)>/g;
    let m: RegExpExecArray | null;
    while ((m = re.exec(l)) !== null && parts.length < 2) parts.push({ name: m[1]!.trim(), email: m[2]!.trim() });
    const ids = parts.map((p) => ({ ...p, value: email(p.email) })).filter((p) => p.value !== null) as Array<{ name: string; email: string; value: string }>;
    ids.forEach((p, k) => {
      const role = parts.length === 1 ? 'mailmap: proper name for this address' : k === 0 ? 'mailmap: proper address' : 'mailmap: address in commits';
      const name = p.name || parts[0]!.name || undefined;
      const others = ids.filter((o) => o.value !== p.value).map((o) => ({ type: 'email' as const, value: o.value }));
      out.push({ line: i + 1, type: 'email', raw: p.email, value: p.value, role, ...(name ? { name } : {}), ...(others.length ? { sameEntry: others } : {}) });
    });
  });
  return out;
}

function stripYamlComment(l: string): string {
  const m = /(^|\s)#/.exec(l);
  return m ? l.slice(0, m.index) : l;
}

/** Kubernetes OWNERS / OWNERS_ALIASES: list items and flow sequences under keys, with the key path as the role. */
function parseOwners(lines: string[]): PeopleEntry[] {
  const out: PeopleEntry[] = [];
  const stack: Array<{ indent: number; key: string }> = [];
  lines.forEach((raw, i) => {
    const l = stripYamlComment(raw).replace(/\s+$/, '');
    if (l.trim() === '' || l.trim() === '---') return;
    const indent = l.length - l.trimStart().length;
    let body = l.trimStart();
    const items: string[] = [];
    // "- item" (a list item may itself be "- key: value" in odd files: then it is a key)
    let listItem = false;
    if (body.startsWith('- ') || body === '-') {
      listItem = true;
      body = body.slice(1).trim();
    }
    const keyMatch = /^("[^"]*"|'[^']*'|[^\s:[\]{}][^:]*?)\s*:(?:\s+(.*)|$)/.exec(body);
    if (keyMatch) {
      const rawKey = keyMatch[1]!;
      const key = rawKey.startsWith('"') ? rawKey.slice(1, -1).replace(/\\(.)/g, '$1') : rawKey.replace(/^'|'$/g, '');
      const effIndent = listItem ? indent + 2 : indent;
      while (stack.length && stack[stack.length - 1]!.indent >= effIndent) stack.pop();
      stack.push({ indent: effIndent, key });
      const rest = (keyMatch[2] ?? '').trim();
      if (rest.startsWith('[')) items.push(...rest.replace(/^\[|\]$/g, '').split(','));
      else if (rest !== '' && !rest.startsWith('{')) items.push(rest);
      const role = stack.map((s) => s.key).join('.');
      if (peoplePath(role)) pushItems(out, items, i + 1, role);
      return;
    }
    while (stack.length && stack[stack.length - 1]!.indent > indent) stack.pop();
    if (listItem) items.push(body);
    else if (body.startsWith('[')) items.push(...body.replace(/^\[|\]$/g, '').split(','));
    const role = stack.map((s) => s.key).join('.');
    if (peoplePath(role)) pushItems(out, items, i + 1, role);
  });
  return out;
}

const PEOPLE_KEYS = new Set(['approvers', 'reviewers', 'emeritus_approvers', 'emeritus_reviewers', 'required_reviewers']);

/** Does an OWNERS key path hold people (not labels or options)? */
function peoplePath(role: string): boolean {
  const parts = role.split('.');
  return parts[0] === 'aliases' ? parts.length > 1 : PEOPLE_KEYS.has(parts[parts.length - 1]!);
}

function pushItems(out: PeopleEntry[], items: string[], line: number, role: string): void {
  for (const it of items) {
    const raw = it.trim().replace(/^["']|["']$/g, '');
    if (raw === '') continue;
    if (raw.includes('@') && !raw.startsWith('@')) {
      const v = email(raw);
      if (v) out.push({ line, type: 'email', raw, value: v, role });
      continue;
    }
    const v = normalizeGithub(raw);
    if (v) out.push({ line, type: 'github', raw, value: v, role });
  }
}

/** CODEOWNERS: `pattern @user @org/team user@example.org`. */
function parseCodeowners(lines: string[]): PeopleEntry[] {
  const out: PeopleEntry[] = [];
  lines.forEach((raw, i) => {
    const l = stripYamlComment(raw).trim();
    if (l === '' || l.startsWith('[')) return; // GitLab-style section headers
    const [pattern, ...owners] = l.split(/\s+/);
    // Teams count as owners (a pattern they still own is not left unowned), but are not people.
    const where = { pattern: pattern!, owners: owners.length };
    for (const o of owners) {
      if (o.startsWith('@')) {
        if (o.includes('/')) continue; // @org/team: a team, not a person
        const v = normalizeGithub(o);
        if (v) out.push({ line: i + 1, type: 'github', raw: o, value: v, role: `code owner of ${pattern}`, ...where });
      } else if (o.includes('@')) {
        const v = email(o);
        if (v) out.push({ line: i + 1, type: 'email', raw: o, value: v, role: `code owner of ${pattern}`, ...where });
      }
    }
  });
  return out;
}

/** SECURITY_CONTACTS: one GitHub handle (or address) a line, `#` comments. */
function parseSecurityContacts(lines: string[]): PeopleEntry[] {
  const out: PeopleEntry[] = [];
  lines.forEach((raw, i) => {
    const l = stripYamlComment(raw).trim();
    if (l === '') return;
    pushItems(out, l.split(/[\s,]+/), i + 1, 'security contact');
  });
  return out;
}

/**
 * MAINTAINERS(.md): free text. Addresses anywhere on a line; handles written `@handle` or as
 * github.com/handle links; and table cells in a column whose header says GitHub / handle / login.
 */
function parseMaintainers(lines: string[]): PeopleEntry[] {
  const out: PeopleEntry[] = [];
  let handleColumns: number[] = [];
  let nameColumn = -1;
  lines.forEach((raw, i) => {
    const line = i + 1;
    const seen = new Set<string>();
    const add = (type: 'email' | 'github', rawId: string, value: string | null, name?: string) => {
      if (!value || seen.has(`${type}:${value}`)) return;
      seen.add(`${type}:${value}`);
      out.push({
        line,
        type,
        raw: rawId,
        value,
        role: 'maintainer',
        ...(name ? { name } : {}),
        ...(cells ? { tableRow: true } : {}),
        ...(/^([-*+]|\d+[.)])\s/.test(trimmed) ? { listItem: true } : {}),
      });
    };
    const trimmed = raw.trim();
    let cells: string[] | null = null;
    if (trimmed.startsWith('|')) {
      cells = trimmed
        .replace(/^\||\|$/g, '')
        .split('|')
        .map((c) => c.trim());
      if (cells.every((c) => /^:?-{2,}:?$/.test(c))) return; // the |---|---| row
      const isHeader = i + 1 < lines.length && /^\s*\|?\s*:?-{2,}/.test(lines[i + 1]!);
      if (isHeader) {
        handleColumns = cells.flatMap((c, k) => (/github|handle|login/i.test(c) ? [k] : []));
        nameColumn = cells.findIndex((c) => /^name$/i.test(c));
        return;
      }
    } else if (trimmed === '' || !trimmed.startsWith('|')) {
      handleColumns = [];
      nameColumn = -1;
    }
    const name = cells && nameColumn >= 0 ? cells[nameColumn]?.replace(/[*_[\]]/g, '').trim() || undefined : undefined;
    for (const m of raw.matchAll(EMAIL_RE)) {
      if (m.index > 0 && raw[m.index - 1] === '/') continue;
      add('email', m[0], email(m[0]), name);
    }
    for (const m of raw.matchAll(/(?<![\w.@/-])@([A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38})(?![\w@.-]*\.[A-Za-z])(?![\w/-])/g)) {
      add('github', m[0], normalizeGithub(m[1]!), name);
    }
    for (const m of raw.matchAll(/github\.com\/([A-Za-z0-9-]{1,39})(?![\w-]*\/)/gi)) add('github', m[0], normalizeGithub(m[1]!), name);
    if (cells) {
      for (const k of handleColumns) {
        const c = (cells[k] ?? '')
          .replace(/[*_`]/g, '')
          .replace(/^\[([^\]]*)\].*$/, '$1')
          .trim();
        if (c && !c.includes(' ')) add('github', c, normalizeGithub(c), name);
      }
    }
  });
  return out;
}
