// The input of `batch`: many requests in CSV (type,email,github,request_id), NDJSON, or OpenDSR
// 2.0 request JSON (one object, an array, or one object a line). Every request is validated
// before any runs; a bad one is reported with its line and never echoes the rejected value (it
// may be someone's address, and messages end up in logs).
import { parse as parseCsv } from 'csv-parse/sync';
import { normalizeEmail, normalizeGithub, type Identity } from './identity.js';

export const BATCH_TYPES = ['access', 'portability', 'erasure'] as const;
export type BatchType = (typeof BATCH_TYPES)[number];

export interface BatchRequest {
  /** 1-based line of the input where the request starts. */
  line: number;
  type: BatchType;
  identities: Identity[];
  /** The caller's id (OpenDSR subject_request_id, CSV request_id), echoed in the status line. */
  requestId?: string;
}

export interface InvalidRequest {
  line: number;
  requestId?: string;
  reason: string;
}

export interface BatchInput {
  format: 'csv' | 'ndjson' | 'opendsr';
  requests: BatchRequest[];
  invalid: InvalidRequest[];
}

/** Also a directory name in `-o DIR/`: no separators, no dot-files, nothing a shell must quote. */
const REQUEST_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

interface Draft {
  line: number;
  type?: unknown;
  emails: unknown[];
  githubs: unknown[];
  requestId?: unknown;
  /** A problem found while reading the shape (unknown identity type, not an object). */
  problem?: string;
}

/** A request of the ledger, as a batch line that names it by `request_id` takes it. */
export interface KnownRequest {
  type: string;
  /** null: the ledger forgot them (closed, reply window over). */
  identities: Identity[] | null;
}

/**
 * `known`: the ledger's request of that id, if there is one: a line naming it takes the type and
 * identities it does not give itself.
 */
export function parseBatchInput(text: string, known: (requestId: string) => KnownRequest | undefined = () => undefined): BatchInput {
  const body = text.replace(/^\uFEFF/, '');
  const first = /\S/.exec(body);
  if (!first) return { format: 'csv', requests: [], invalid: [] };
  let format: BatchInput['format'];
  let drafts: Draft[];
  if (first[0] === '[' || first[0] === '{') {
    const whole = tryJson(body);
    if (whole.ok) {
      const items = Array.isArray(whole.value) ? whole.value : [whole.value];
      const lines = Array.isArray(whole.value) ? elementLines(body) : [lineOf(body, first.index)];
      drafts = items.map((item, i) => draftOfObject(item, lines[i] ?? lineOf(body, first.index)));
      format = items.some(isOpenDsr) ? 'opendsr' : 'ndjson';
    } else {
      drafts = [];
      format = 'ndjson';
      body.split('\n').forEach((raw, i) => {
        if (raw.trim() === '') return;
        const one = tryJson(raw);
        if (one.ok && isOpenDsr(one.value)) format = 'opendsr';
        drafts.push(
          one.ok ? draftOfObject(one.value, i + 1) : { line: i + 1, emails: [], githubs: [], problem: 'not a JSON object (expected one request a line)' },
        );
      });
    }
  } else {
    format = 'csv';
    drafts = csvDrafts(body);
  }
  const requests: BatchRequest[] = [];
  const invalid: InvalidRequest[] = [];
  const ids = new Map<string, number>();
  for (const d of drafts) {
    const r = validate(d, known);
    if ('reason' in r) {
      invalid.push(r);
      continue;
    }
    if (r.requestId !== undefined) {
      const before = ids.get(r.requestId);
      if (before !== undefined) {
        invalid.push({ line: r.line, requestId: r.requestId, reason: `request id repeats the one on line ${before}` });
        continue;
      }
      ids.set(r.requestId, r.line);
    }
    requests.push(r);
  }
  return { format, requests, invalid };
}

function validate(d: Draft, known: (requestId: string) => KnownRequest | undefined): BatchRequest | InvalidRequest {
  const requestId = typeof d.requestId === 'string' && d.requestId.trim() !== '' ? d.requestId.trim() : undefined;
  const bad = (reason: string): InvalidRequest => ({ line: d.line, ...(requestId !== undefined && REQUEST_ID.test(requestId) ? { requestId } : {}), reason });
  if (d.problem) return bad(d.problem);
  if (d.requestId !== undefined && d.requestId !== null && d.requestId !== '' && (requestId === undefined || !REQUEST_ID.test(requestId))) {
    return bad('request id must be 1-128 letters, digits, ".", "_", ":" or "-", starting with a letter or digit');
  }
  const ledger = requestId !== undefined ? known(requestId) : undefined;
  let type = typeof d.type === 'string' ? d.type.trim().toLowerCase() : '';
  if (ledger) {
    if (type === '') type = ledger.type;
    else if (type !== ledger.type) return bad(`request type differs from the ledger request's (${ledger.type})`);
    if (d.emails.length + d.githubs.length === 0) {
      if (ledger.identities === null) return bad("the ledger request's identities were forgotten (it is closed); give them on the line");
      d = {
        ...d,
        emails: ledger.identities.filter((i) => i.type === 'email').map((i) => i.value),
        githubs: ledger.identities.filter((i) => i.type === 'github').map((i) => i.value),
      };
    }
  }
  if (!(BATCH_TYPES as readonly string[]).includes(type)) {
    return bad(type === '' ? 'no request type (access, portability or erasure)' : 'request type must be access, portability or erasure');
  }
  const identities: Identity[] = [];
  const seen = new Set<string>();
  const add = (id: Identity) => {
    if (!seen.has(`${id.type}:${id.value}`)) identities.push(id);
    seen.add(`${id.type}:${id.value}`);
  };
  for (const raw of d.emails) {
    const v = typeof raw === 'string' ? normalizeEmail(raw) : null;
    if (v === null) return bad('an email is not a valid address');
    add({ type: 'email', value: v });
  }
  for (const raw of d.githubs) {
    const v = typeof raw === 'string' ? normalizeGithub(raw) : null;
    if (v === null) return bad('a GitHub handle is not valid');
    add({ type: 'github', value: v });
  }
  if (identities.length === 0) return bad('no identity (give an email and/or a GitHub handle)');
  return { line: d.line, type: type as BatchType, identities, ...(requestId !== undefined ? { requestId } : {}) };
}

/** `a@x.org; b@y.org` in one CSV cell or a JSON string; arrays as they are. */
function values(v: unknown): unknown[] {
  if (v === undefined || v === null || v === '') return [];
  if (Array.isArray(v)) return v;
  if (typeof v === 'string')
    return v
      .split(/[;,]/)
      .map((x) => x.trim())
      .filter((x) => x !== '');
  return [v];
}

function isOpenDsr(v: unknown): boolean {
  return Boolean(v && typeof v === 'object' && !Array.isArray(v) && ('subject_request_type' in v || 'subject_identities' in v));
}

function draftOfObject(v: unknown, line: number): Draft {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return { line, emails: [], githubs: [], problem: 'not a JSON object' };
  const o = v as Record<string, unknown>;
  if (!isOpenDsr(o)) return { line, type: o['type'], emails: values(o['email']), githubs: values(o['github']), requestId: o['request_id'] };
  // OpenDSR 2.0: identities are {identity_type, identity_value, identity_format}; GitHub handles
  // come as the extension type "github" (or "x-github").
  const d: Draft = { line, type: o['subject_request_type'], emails: [], githubs: [], requestId: o['subject_request_id'] };
  const list = o['subject_identities'];
  if (!Array.isArray(list)) return { ...d, problem: 'subject_identities must be an array' };
  for (const id of list) {
    const t = id && typeof id === 'object' ? (id as Record<string, unknown>)['identity_type'] : undefined;
    const value = id && typeof id === 'object' ? (id as Record<string, unknown>)['identity_value'] : undefined;
    const fmt = id && typeof id === 'object' ? (id as Record<string, unknown>)['identity_format'] : undefined;
    if (fmt !== undefined && fmt !== 'raw') return { ...d, problem: 'only identity_format "raw" is supported (hashed identities cannot be searched for)' };
    if (t === 'email') d.emails.push(value);
    else if (t === 'github' || t === 'x-github') d.githubs.push(value);
    else return { ...d, problem: 'identity_type must be email or github' };
  }
  return d;
}

const CSV_COLUMNS = ['type', 'email', 'github', 'request_id'];

function csvDrafts(body: string): Draft[] {
  let rows: Array<{ record: string[]; line: number }>;
  try {
    rows = (
      parseCsv(body, { info: true, relax_column_count: true, skip_empty_lines: true, trim: true }) as unknown as Array<{
        record: string[];
        info: { lines: number };
      }>
    ).map((r) => ({ record: r.record, line: r.info.lines }));
  } catch (err) {
    const line = (err as { lines?: number }).lines ?? 1;
    return [{ line, emails: [], githubs: [], problem: 'not valid CSV (a quote is not closed, or a field is malformed)' }];
  }
  const [header, ...data] = rows;
  if (!header) return [];
  // "Request ID", "request-id", "GitHub": one name each, whatever the case and spacing
  const cols = header.record.map((h) =>
    h
      .trim()
      .toLowerCase()
      .replace(/[\s-]+/g, '_'),
  );
  const at = (name: string) => cols.indexOf(name);
  const unknown = header.record.filter((_, i) => !CSV_COLUMNS.includes(cols[i]!));
  if (unknown.length > 0) {
    return [
      {
        line: header.line,
        emails: [],
        githubs: [],
        problem: `unknown column${unknown.length === 1 ? '' : 's'} ${unknown.map((c) => `"${c}"`).join(', ')} in the CSV header (the columns are ${CSV_COLUMNS.join(', ')})`,
      },
    ];
  }
  if (at('request_id') < 0 && (at('type') < 0 || (at('email') < 0 && at('github') < 0))) {
    return [
      {
        line: header.line,
        emails: [],
        githubs: [],
        problem: 'the CSV header must name the columns type, email and/or github, and optionally request_id (or request_id alone, for ledger requests)',
      },
    ];
  }
  return data.map(({ record, line }) => {
    const cell = (name: string) => (at(name) >= 0 ? record[at(name)] : undefined);
    // csv-parse counts the line where a record ends; a request starts on the first of its lines
    const start = line - (record.join(',').match(/\n/g) ?? []).length;
    return { line: start, type: cell('type'), emails: values(cell('email')), githubs: values(cell('github')), requestId: cell('request_id') };
  });
}

function tryJson(text: string): { ok: true; value: unknown } | { ok: false; value?: undefined } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

function lineOf(text: string, index: number): number {
  let n = 1;
  for (let i = 0; i < index; i++) if (text.charCodeAt(i) === 10) n++;
  return n;
}

/** The line where each element of a top-level JSON array begins (for messages about element i). */
function elementLines(text: string): number[] {
  const out: number[] = [];
  let depth = 0;
  let inString = false;
  let line = 1;
  let expecting = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\n') line++;
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (/\s/.test(c)) continue;
    if (depth === 1 && expecting && c !== ']') {
      out.push(line);
      expecting = false;
    }
    if (c === '"') inString = true;
    else if (c === '[' || c === '{') {
      depth++;
      if (depth === 1) expecting = true;
    } else if (c === ']' || c === '}') depth--;
    else if (c === ',' && depth === 1) expecting = true;
  }
  return out;
}
