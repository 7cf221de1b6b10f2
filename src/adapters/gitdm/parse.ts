// Streaming readers for gitdm's two formats. Every item carries its exact bytes (line
// terminators included), so a rewrite can copy everything it keeps byte for byte.
import { fileChunks, type RewriteInput } from '../../core/atomic-file.js';

export interface Line {
  /** 1-based. */
  line: number;
  /** The line's bytes including its terminator (none on an unterminated last line). */
  bytes: Buffer;
  /** The text without the terminator. */
  text: string;
}

/** The lines of a file: by path, or the input of a rewrite. */
export async function* readLines(file: string | RewriteInput, signal?: AbortSignal): AsyncGenerator<Line> {
  let carry: Buffer | null = null;
  let n = 0;
  const make = (bytes: Buffer): Line => {
    let end = bytes.length;
    if (end > 0 && bytes[end - 1] === 0x0a) end--;
    if (end > 0 && bytes[end - 1] === 0x0d) end--;
    return { line: ++n, bytes, text: bytes.toString('utf8', 0, end) };
  };
  for await (const chunk of fileChunks(file, 1 << 16)) {
    if (signal?.aborted) throw signal.reason ?? new Error('aborted');
    const buf: Buffer = carry ? Buffer.concat([carry, chunk]) : chunk;
    let pos = 0;
    for (let nl = buf.indexOf(0x0a, pos); nl !== -1; nl = buf.indexOf(0x0a, pos)) {
      yield make(Buffer.from(buf.subarray(pos, nl + 1)));
      pos = nl + 1;
    }
    carry = pos < buf.length ? Buffer.from(buf.subarray(pos)) : null;
  }
  if (carry && carry.length > 0) yield make(carry);
}

export interface Affiliation {
  company: string;
  from?: string;
  until?: string;
}

/** `Company`, `Company until 2021-03-01`, `Company from 2019-01-01 until 2022-06-30`, `Company from 2022-01-01`. */
export function parseAffiliation(text: string): Affiliation {
  const t = text.trim();
  const m = /^(.*?)(?:\s+from\s+(\d{4}-\d{2}-\d{2}))?(?:\s+until\s+(\d{4}-\d{2}-\d{2}))?$/.exec(t)!;
  return { company: m[1]!, ...(m[2] ? { from: m[2] } : {}), ...(m[3] ? { until: m[3] } : {}) };
}

/** A developer's block in developers_affiliations*.txt: `login: a!b.org, c!d.com` then indented affiliation lines. */
export interface Block {
  kind: 'block';
  line: number;
  login: string;
  /** As written (`ann!example.org`). */
  emails: string[];
  affiliations: Affiliation[];
  lines: Line[];
}

export type AffiliationsItem = Block | { kind: 'line'; line: Line };

const LOGIN_LINE = /^([^\s:#][^\s:]*):(.*)$/;

export async function* readAffiliations(file: string | RewriteInput, signal?: AbortSignal): AsyncGenerator<AffiliationsItem> {
  let block: Block | null = null;
  for await (const l of readLines(file, signal)) {
    const indented = /^[ \t]/.test(l.text) && l.text.trim() !== '';
    if (block && indented) {
      // An indented comment belongs to the block (it is removed with it, and does not cut the
      // block short, leaving its later affiliation lines to the developer before).
      block.lines.push(l);
      if (!l.text.trim().startsWith('#')) block.affiliations.push(parseAffiliation(l.text));
      continue;
    }
    if (block) {
      yield block;
      block = null;
    }
    const m = LOGIN_LINE.exec(l.text);
    if (m) {
      block = {
        kind: 'block',
        line: l.line,
        login: m[1]!,
        emails: m[2]!.split(/[,\s]+/).filter((e) => e !== ''),
        affiliations: [],
        lines: [l],
      };
      continue;
    }
    yield { kind: 'line', line: l };
  }
  if (block) yield block;
}

/** One line of email-map: `user!domain Employer [< YYYY-MM-DD]`. */
export interface EmailMapEntry {
  email: string;
  company: string;
  until?: string;
}

export function parseEmailMapLine(text: string): EmailMapEntry | null {
  const t = text.trim();
  if (t === '' || t.startsWith('#')) return null;
  const m = /^(\S+)\s+(.*?)(?:\s*<\s*(\d{4}-\d{2}-\d{2}))?\s*$/.exec(t);
  if (!m) return null;
  return { email: m[1]!, company: m[2]!, ...(m[3] ? { until: m[3] } : {}) };
}
