// Commit-message trailers, found as git's own trailer code finds them (trailer.c,
// find_trailer_block_start): only the last paragraph, and only when it is a trailer block —
// every line a trailer (or a continuation), or at least one git-generated trailer
// (`Signed-off-by: `, `(cherry picked from commit `) and at least 3 trailer lines for every
// 4 lines. The title paragraph is never a trailer block. A `---` line ends a *patch e-mail's*
// message, but not a commit's: git's commit view (`%(trailers)`) reads commits with no divider,
// and Dependabot and other tools put YAML `---` blocks in commit bodies.

export interface Trailer {
  /** The key as written (`Co-Authored-By`). */
  key: string;
  /** The value, continuation lines unfolded into single spaces, trimmed. */
  value: string;
  /** 1-based line number of the trailer's first line in the message. */
  line: number;
  /** 1-based line number of its last line (continuation lines included). */
  lastLine: number;
}

export interface TrailerOptions {
  /** Stop at a `---` line, as for a patch e-mail (`git interpret-trailers` without --no-divider). Default false: a commit. */
  divider?: boolean;
}

const GIT_GENERATED = ['Signed-off-by: ', '(cherry picked from commit '];

function isBlank(line: string): boolean {
  return /^\s*$/.test(line);
}

/** Position of the separator (`:`) after a token of alnum/`-` and optional blanks, or -1 (git's find_separator). */
export function findSeparator(line: string): number {
  let whitespace = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === ':') return i;
    if (!whitespace && /[A-Za-z0-9-]/.test(c)) continue;
    if (i !== 0 && (c === ' ' || c === '\t')) {
      whitespace = true;
      continue;
    }
    break;
  }
  return -1;
}

/** Index (in `lines`) where the message ends: before a `---` divider line, as `git interpret-trailers` does. */
function endOfMessage(lines: string[], from: number): number {
  for (let i = from; i < lines.length; i++) {
    const l = lines[i]!;
    if (l.startsWith('---') && (l.length === 3 || l[3] === ' ' || l[3] === '\t')) return i;
  }
  return lines.length;
}

/** The trailers of a raw commit message (`%B`). */
export function parseTrailers(message: string, opts: TrailerOptions = {}): Trailer[] {
  const lines = message.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  // The title: the first paragraph (leading blank lines skipped).
  let t = 0;
  while (t < lines.length && isBlank(lines[t]!)) t++;
  while (t < lines.length && !isBlank(lines[t]!)) t++;
  const endOfTitle = t;
  const end = opts.divider ? endOfMessage(lines, endOfTitle) : lines.length;

  let onlySpaces = true;
  let recognizedPrefix = false;
  let trailerLines = 0;
  let nonTrailerLines = 0;
  let possibleContinuation = 0;
  let start = -1;
  for (let i = end - 1; i >= endOfTitle; i--) {
    const l = lines[i]!;
    if (l.startsWith('#')) {
      nonTrailerLines += possibleContinuation;
      possibleContinuation = 0;
      continue;
    }
    if (isBlank(l)) {
      if (onlySpaces) continue;
      nonTrailerLines += possibleContinuation;
      if ((recognizedPrefix && trailerLines * 3 >= nonTrailerLines) || (trailerLines > 0 && nonTrailerLines === 0)) start = i + 1;
      break;
    }
    onlySpaces = false;
    if (GIT_GENERATED.some((p) => l.startsWith(p))) {
      trailerLines++;
      possibleContinuation = 0;
      recognizedPrefix = true;
      continue;
    }
    const sep = findSeparator(l);
    if (sep >= 1 && !/^\s/.test(l)) {
      trailerLines++;
      possibleContinuation = 0;
    } else if (/^\s/.test(l)) {
      possibleContinuation++;
    } else {
      nonTrailerLines++;
      nonTrailerLines += possibleContinuation;
      possibleContinuation = 0;
    }
  }
  if (start < 0) return [];

  const out: Trailer[] = [];
  let current: { key: string; parts: string[]; line: number; lastLine: number } | null = null;
  const flush = () => {
    if (current) out.push({ key: current.key, value: current.parts.join(' ').trim(), line: current.line, lastLine: current.lastLine });
    current = null;
  };
  for (let i = start; i < end; i++) {
    const l = lines[i]!;
    if (isBlank(l) || l.startsWith('#')) {
      flush();
      continue;
    }
    if (/^\s/.test(l)) {
      if (current) {
        const c = current as { parts: string[]; lastLine: number };
        c.parts.push(l.trim());
        c.lastLine = i + 1;
      }
      continue;
    }
    flush();
    const sep = findSeparator(l);
    if (sep >= 1) current = { key: l.slice(0, sep).trim(), parts: [l.slice(sep + 1).trim()], line: i + 1, lastLine: i + 1 };
    // A non-trailer line inside a trailer block (allowed by the 25 % rule) is not a trailer.
  }
  flush();
  return out;
}

/** Trailer keys with a record type of their own, lower-case → type; every other key is a `trailer`. */
export const TRAILER_TYPES: ReadonlyMap<string, string> = new Map([
  ['signed-off-by', 'signoff'],
  ['co-authored-by', 'co-author'],
]);

/** The record type of a trailer naming the subject: any key can (Reviewed-by, Cc, Helped-by, Cherry-picked-by…). */
export function trailerType(key: string): string {
  return TRAILER_TYPES.get(key.toLowerCase()) ?? 'trailer';
}

// Address- and handle-shaped tokens in free text; the matcher then compares each whole.
const ADDRESS_RE = /[^\s<>()[\]{}|,;:"'`*]+@[^\s<>()[\]{}|,;:"'`*@]+/gu;
const HANDLE_RE = /(?<![\w.@/+-])@([A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38})(?![\w@-])(?!\.[A-Za-z])/g;

/** The address-shaped tokens of a text as written (trailing sentence punctuation dropped). */
export function addressesIn(text: string): string[] {
  if (!text.includes('@')) return [];
  return [...text.matchAll(ADDRESS_RE)].map((m) => m[0].replace(/[.!?]+$/, ''));
}

/** The `@handle` mentions of a text, without the `@`. */
export function handlesIn(text: string): string[] {
  if (!text.includes('@')) return [];
  return [...text.matchAll(HANDLE_RE)].map((m) => m[1]!);
}

/** Canonical spelling of a known trailer key (`Co-Authored-By` → `Co-authored-by`). */
export function canonicalKey(key: string): string {
  const k = key.toLowerCase();
  return k.charAt(0).toUpperCase() + k.slice(1);
}

/** `Name <addr>` → name and address as written; a bare address has no name. */
export function splitIdent(value: string): { name: string; email: string } {
  const m = /^(.*?)<([^<>]*)>/.exec(value);
  if (m) return { name: m[1]!.trim().replace(/^"(.*)"$/, '$1'), email: m[2]!.trim() };
  const token = value.split(/\s+/).find((t) => t.includes('@'));
  if (token) return { name: value.replace(token, '').trim(), email: token.replace(/^[(<[]+|[)>\],;.]+$/g, '') };
  return { name: value.trim(), email: '' };
}
