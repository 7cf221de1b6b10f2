// Commit-message trailers, found as git's own trailer code finds them (trailer.c,
// find_trailer_block_start): only the last paragraph, and only when it is a trailer block —
// every line a trailer (or a continuation), or at least one git-generated trailer
// (`Signed-off-by: `, `(cherry picked from commit `) and at least 3 trailer lines for every
// 4 lines. The title paragraph is never a trailer block; a `---` line ends the message.

export interface Trailer {
  /** The key as written (`Co-Authored-By`). */
  key: string;
  /** The value, continuation lines unfolded into single spaces, trimmed. */
  value: string;
  /** 1-based line number of the trailer's first line in the message. */
  line: number;
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
export function parseTrailers(message: string): Trailer[] {
  const lines = message.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  // The title: the first paragraph (leading blank lines skipped).
  let t = 0;
  while (t < lines.length && isBlank(lines[t]!)) t++;
  while (t < lines.length && !isBlank(lines[t]!)) t++;
  const endOfTitle = t;
  const end = endOfMessage(lines, endOfTitle);

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
  let current: { key: string; parts: string[]; line: number } | null = null;
  const flush = () => {
    if (current) out.push({ key: current.key, value: current.parts.join(' ').trim(), line: current.line });
    current = null;
  };
  for (let i = start; i < end; i++) {
    const l = lines[i]!;
    if (isBlank(l) || l.startsWith('#')) {
      flush();
      continue;
    }
    if (/^\s/.test(l)) {
      if (current) (current as { parts: string[] }).parts.push(l.trim());
      continue;
    }
    flush();
    const sep = findSeparator(l);
    if (sep >= 1) current = { key: l.slice(0, sep).trim(), parts: [l.slice(sep + 1).trim()], line: i + 1 };
    // A non-trailer line inside a trailer block (allowed by the 25 % rule) is not a trailer.
  }
  flush();
  return out;
}

/** Trailer keys privacyctl reports, lower-case → record type. */
export const TRAILER_TYPES: ReadonlyMap<string, string> = new Map([
  ['signed-off-by', 'signoff'],
  ['co-authored-by', 'co-author'],
  ['reviewed-by', 'trailer'],
  ['acked-by', 'trailer'],
  ['tested-by', 'trailer'],
  ['reported-by', 'trailer'],
]);

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
  if (token) return { name: value.replace(token, '').trim(), email: token.replace(/^[(<\[]+|[)>\],;.]+$/g, '') };
  return { name: value.trim(), email: '' };
}
