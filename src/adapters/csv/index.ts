// The CSV adapter: finds the rows whose mapped columns hold one of the subject's identities;
// erases by deleting the row or redacting columns, in one atomic rewrite per file that copies
// every other row byte for byte. identities() lists the canonical value of every mapped cell of
// every row (for `replay`).
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { atomicRewrite, type AtomicWriter, type RewriteInput } from '../../core/atomic-file.js';
import { didYouMean } from '../../core/config-problems.js';
import { ConfigError, SourceError, errorMessage } from '../../core/errors.js';
import {
  IdentityCollector,
  emailsInCell,
  normalizeEmail,
  normalizeIdentity,
  type Identity,
  type IdentityMatcher,
  type MatchedIdentity,
} from '../../core/identity.js';
import type { IdentityLink, PersonalRecord } from '../../core/record.js';
import type { AdapterContext, AdapterEnv, AdapterFactory, CheckResult, ErasureStep, SourceAdapter, StepResult, TaggedItem } from '../types.js';
import { categoryOfColumn, csvSourceSchema, type CsvSourceConfig } from './config.js';
import { ManySearch } from './many.js';
import { scanCsv, type Block, type Rec } from './scanner.js';
import { candidateRecords, lowerAscii, searchPlans } from './search.js';

const IDENTITY_TYPES = ['email', 'github'] as const;
const QUOTE = 0x22;

interface Header {
  names: string[];
  /** Column index → identity type, for the mapped columns. */
  mapped: Array<{ index: number; type: string; column: string }>;
  redact: number[];
}

interface Candidate {
  line: number;
  start: number;
  end: number;
  next: number;
  fields: string[];
  digest: string;
}

export class CsvAdapter implements SourceAdapter {
  readonly kind = 'csv';
  readonly name: string;
  readonly identityTypes: readonly string[];
  private readonly file: string;
  private readonly delimiter: number;

  constructor(
    private readonly cfg: CsvSourceConfig,
    private readonly env: AdapterEnv,
  ) {
    this.name = cfg.name;
    this.file = isAbsolute(cfg.path) ? cfg.path : resolve(env.configDir, cfg.path);
    this.delimiter = cfg.delimiter.charCodeAt(0);
    this.identityTypes = IDENTITY_TYPES.filter((t) => (cfg.match[t]?.length ?? 0) > 0);
  }

  async check(signal: AbortSignal): Promise<CheckResult> {
    try {
      const st = await this.stat();
      for await (const block of this.blocks(signal)) {
        const first = block.recordFrom(block.start);
        if (!first) continue;
        this.readHeader(block, first);
        break;
      }
      return { ok: true, detail: `${this.cfg.path}: readable, ${st.size} bytes, every mapped column present` };
    } catch (err) {
      return { ok: false, detail: errorMessage(err) };
    }
  }

  async *discover(subject: IdentityMatcher, ctx: AdapterContext): AsyncIterable<PersonalRecord | IdentityLink> {
    await this.stat();
    for await (const c of this.candidates(subject, ctx.signal)) {
      yield* this.toRecords(c.candidate, c.header, subject);
    }
  }

  /**
   * One pass over the file for a batch. The pre-filter (ManySearch) passes every row that
   * discover's would pass for any of the subjects; each such row is parsed once, the canonical
   * values of its mapped cells are looked up among all the subjects' identities, and each
   * subject found there gets the records discover would give it, built with its own matcher
   * (a cell that holds the addresses of two subjects is "shared" for both).
   */
  async *discoverMany(subjects: readonly IdentityMatcher[], ctx: AdapterContext): AsyncIterable<TaggedItem> {
    await this.stat();
    const types: string[] = [...this.identityTypes];
    const needles = subjects.map((s) => ({
      emails: types.includes('email') ? s.needles(['email']).filter((x) => x.includes('@')) : [],
      handles: types.includes('github') ? s.needles(['github']) : [],
    }));
    const search = new ManySearch(needles);
    if (search.empty) return; // as discover: nothing to look for, the file is not read
    // canonical value → the subjects that have it
    const owners = new Map<string, number[]>();
    needles.forEach((n, k) => {
      for (const [type, values] of [
        ['email', n.emails],
        ['github', n.handles],
      ] as const) {
        for (const v of values) {
          const key = `${type}\0${v}`;
          const list = owners.get(key);
          if (!list) owners.set(key, [k]);
          else if (list[list.length - 1] !== k) list.push(k);
        }
      }
    });
    let header: Header | undefined;
    for await (const block of this.blocks(ctx.signal)) {
      let from = block.start;
      if (!header) {
        const h = this.headerOf(block);
        if (!h) continue;
        header = h.header;
        from = h.from;
      }
      for (const rec of search.candidates(block, from, lowerAscii)) {
        const { line, bytes, fields } = this.row(block, rec, header);
        const whose = new Set<number>();
        for (const m of header.mapped) {
          const cell = fields[m.index]!;
          const values = m.type === 'email' ? emailsInCell(cell) : [normalizeIdentity(m.type, cell)];
          for (const v of values) if (v !== null) for (const k of owners.get(`${m.type}\0${v}`) ?? []) whose.add(k);
        }
        if (whose.size === 0) continue;
        const digest = createHash('sha256').update(bytes).digest('hex');
        const candidate: Candidate = { line, start: rec.start, end: rec.end, next: rec.next, fields, digest };
        for (const k of [...whose].sort((a, b) => a - b)) {
          const subject = subjects[k]!;
          // the subject's own test, as in candidates()
          if (!header.mapped.some((m) => subject.matchCell(m.type, fields[m.index]!) !== null)) continue;
          for (const item of this.toRecords(candidate, header, subject)) yield { subject: k, item };
        }
      }
    }
    if (!header) throw new SourceError(`${this.cfg.path}: the file is empty (no header row)`, 'point the source at a CSV export with a header row');
  }

  /**
   * Every identity by which discover could find a row (`replay`): the canonical value of every
   * mapped cell of every row, read as matchCell reads it — each address of an email cell
   * (`a@x; b@y`, `Name <addr>`, `user!domain`), and the whole cell of any other column (a handle
   * with `@` or as a profile URL). Each row is parsed as discover parses a candidate row, so a
   * malformed file fails here as it fails there. Each distinct identity is yielded once (one Set
   * for the source); the file is streamed block by block.
   */
  async *identities(ctx: AdapterContext): AsyncIterable<Identity> {
    await this.stat();
    const ids = new IdentityCollector();
    const add = (type: string, value: string | null) => {
      if (value !== null) ids.add({ type, value });
    };
    let header: Header | undefined;
    let rows = 0;
    for await (const block of this.blocks(ctx.signal)) {
      let from = block.start;
      if (!header) {
        const h = this.headerOf(block);
        if (!h) continue;
        header = h.header;
        from = h.from;
      }
      for (const fields of this.rowsOf(block, from, header)) {
        rows++;
        for (const m of header.mapped) {
          const cell = fields[m.index]!;
          if (cell.trim() === '') continue;
          if (m.type === 'email') {
            // each address of the cell, as matchCell reads it; when it has none, the whole cell
            // as one address (what a row's links read; it is one of the tokens whenever it is one)
            const found = emailsInCell(cell);
            for (const e of found) add('email', e);
            if (found.length === 0) add('email', normalizeEmail(cell));
          } else add(m.type, normalizeIdentity(m.type, cell));
        }
      }
      ctx.stats['rows'] = rows;
      yield* ids.take();
      if (ctx.signal.aborted) throw ctx.signal.reason;
    }
    if (!header) throw new SourceError(`${this.cfg.path}: the file is empty (no header row)`, 'point the source at a CSV export with a header row');
  }

  async *erase(steps: ErasureStep[], subject: IdentityMatcher, ctx: AdapterContext): AsyncIterable<StepResult> {
    const wanted = new Map<string, ErasureStep[]>();
    for (const s of steps) {
      const digest = String(s.params['digest'] ?? '');
      wanted.set(digest, [...(wanted.get(digest) ?? []), s]);
    }
    const found = new Set<string>();
    await this.stat();
    try {
      await atomicRewrite(this.file, async (out, input) => this.rewrite(out, input, subject, ctx.signal, wanted, found), {
        rewriteReadOnly: this.cfg.rewriteReadOnly,
        label: this.cfg.path,
      });
    } catch (err) {
      if (err instanceof SourceError || err instanceof ConfigError || ctx.signal.aborted) throw err;
      throw new SourceError(
        `${this.cfg.path}: could not rewrite the file: ${errorMessage(err)}`,
        'check that the file and its directory are writable; nothing was changed',
      );
    }
    for (const [digest, list] of wanted) {
      for (const s of list) yield { stepId: s.id, status: found.has(digest) ? 'done' : 'gone' };
    }
  }

  // ---- reading ----

  private async stat() {
    try {
      const st = await fsp.stat(this.file);
      if (!st.isFile()) throw new Error('not a regular file');
      await fsp.access(this.file, fsp.constants.R_OK);
      return st;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : errorMessage(err);
      throw new SourceError(`${this.cfg.path}: cannot read the file (${why})`, `check sources "${this.name}".path in the config`);
    }
  }

  /** The file's records block by block: read by path, or the input of a rewrite. */
  private blocks(signal: AbortSignal, input?: RewriteInput): AsyncGenerator<Block> {
    return scanCsv(input ?? this.file, { delimiter: this.delimiter, signal, label: this.cfg.path });
  }

  private parseRecord(bytes: Buffer, line: number): string[] {
    let rows: string[][];
    try {
      rows = parse(bytes, { delimiter: this.cfg.delimiter, relax_column_count: true, bom: false });
    } catch (err) {
      throw new SourceError(`${this.cfg.path}: malformed CSV at line ${line}: ${errorMessage(err)}`, 'fix the file and re-run; no file was changed');
    }
    if (rows.length !== 1) throw new SourceError(`${this.cfg.path}: malformed CSV at line ${line}: not one record`);
    return rows[0]!;
  }

  /**
   * The header, read from the first record of `block`, and where the data rows start; null when
   * the block has no record.
   */
  private headerOf(block: Block): { header: Header; from: number } | null {
    const rec = block.recordFrom(block.start);
    return rec ? { header: this.readHeader(block, rec), from: rec.next } : null;
  }

  private readHeader(block: Block, rec: Rec): Header {
    const names = this.parseRecord(block.buf.subarray(rec.start, rec.end), rec.line).map((n) => n.trim());
    const index = (column: string, where: string) => {
      const i = names.indexOf(column);
      if (i === -1) {
        const guess = didYouMean(column, names);
        throw new ConfigError(
          `${this.cfg.path}: column "${column}" (sources "${this.name}" ${where}) is not in the file's header${guess ? `; did you mean "${guess}"?` : ''}`,
          `the header has: ${names.join(', ')}; fix the column name in the config`,
        );
      }
      return i;
    };
    const mapped: Header['mapped'] = [];
    for (const type of IDENTITY_TYPES) {
      for (const column of this.cfg.match[type] ?? []) mapped.push({ index: index(column, `match.${type}`), type, column });
    }
    const redact = typeof this.cfg.erase === 'object' ? this.cfg.erase.redact.map((c) => index(c, 'erase.redact')) : [];
    return { names, mapped, redact };
  }

  /** Record `i` of the block, parsed; a record whose field count is not the header's is an error. */
  private row(block: Block, rec: Rec, header: Header): { line: number; bytes: Buffer; fields: string[] } {
    const line = rec.line;
    const bytes = block.buf.subarray(rec.start, rec.end);
    const fields = this.parseRecord(bytes, line);
    if (fields.length !== header.names.length) {
      throw new SourceError(
        `${this.cfg.path}: malformed CSV at line ${line}: ${fields.length} fields where the header has ${header.names.length}`,
        'fix the file and re-run; no file was changed',
      );
    }
    return { line, bytes, fields };
  }

  /**
   * The fields of the records of the block from byte `from` on, for identities(): split at the delimiter when
   * the block has no quote, else parsed in one csv-parse call when that gives the scanner's
   * records, each with the header's field count. Anything else is parsed row by row with row(),
   * which reports a malformed record as discover does, at its line.
   */
  private rowsOf(block: Block, from: number, header: Header): string[][] {
    const recs = block.records(from);
    if (recs.length === 0) return [];
    const to = recs[recs.length - 1]!.end;
    const quote = block.buf.indexOf(QUOTE, from);
    if (quote === -1 || quote >= to) {
      // No quote: every field is the bytes between delimiters, as csv-parse reads them.
      return recs.map((r) => {
        const fields = block.buf.toString('utf8', r.start, r.end).split(this.cfg.delimiter);
        return fields.length === header.names.length ? fields : this.row(block, r, header).fields;
      });
    }
    try {
      const rows: string[][] = parse(block.buf.subarray(from, to), {
        delimiter: this.cfg.delimiter,
        relax_column_count: true,
        bom: false,
        skip_empty_lines: true,
        record_delimiter: ['\r\n', '\n'],
      });
      if (rows.length === recs.length && rows.every((r) => r.length === header.names.length)) return rows;
    } catch {
      // row by row below: the error, if any, as discover reports it
    }
    return recs.map((r) => this.row(block, r, header).fields);
  }

  /** Rows that hold one of the subject's identities in a mapped column, with the header. */
  private async *candidates(subject: IdentityMatcher, signal: AbortSignal): AsyncGenerator<{ candidate: Candidate; header: Header; block: Block }> {
    const needles = subject.needles([...this.identityTypes]);
    if (needles.length === 0) return;
    const ascii = needles.every((n) => /^[\x00-\x7f]*$/.test(n));
    const varia = needles.some((n) => n.includes('`'));
    const plans = searchPlans(needles);
    let header: Header | undefined;
    for await (const block of this.blocks(signal)) {
      let from = block.start;
      if (!header) {
        const h = this.headerOf(block);
        if (!h) continue;
        header = h.header;
        from = h.from;
      }
      for (const rec of candidateRecords(block, from, needles, ascii, varia, plans)) {
        const { line, bytes, fields } = this.row(block, rec, header);
        if (!header.mapped.some((m) => subject.matchCell(m.type, fields[m.index]!) !== null)) continue;
        const digest = createHash('sha256').update(bytes).digest('hex');
        yield { candidate: { line, start: rec.start, end: rec.end, next: rec.next, fields, digest }, header, block };
      }
    }
    if (!header) throw new SourceError(`${this.cfg.path}: the file is empty (no header row)`, 'point the source at a CSV export with a header row');
  }

  /**
   * Whose row is this? 'subject' when a mapped cell names the subject and no mapped cell lists
   * another address in the same cell; 'shared' when a cell lists the subject with somebody else.
   */
  private rowOwnership(header: Header, fields: string[], subject: IdentityMatcher): 'subject' | 'shared' | 'other' {
    let mine = false;
    for (const m of header.mapped) {
      const cell = fields[m.index] ?? '';
      if (subject.matchCell(m.type, cell) === null) continue;
      mine = true;
      if (m.type === 'email' && emailsInCell(cell).some((e) => subject.matchCell('email', e) === null)) return 'shared';
    }
    return mine ? 'subject' : 'other';
  }

  private *toRecords(c: Candidate, header: Header, subject: IdentityMatcher): Iterable<PersonalRecord | IdentityLink> {
    const matched: MatchedIdentity[] = [];
    const others: MatchedIdentity[] = [];
    for (const m of header.mapped) {
      const cell = c.fields[m.index]!;
      const hit = subject.matchCell(m.type, cell);
      if (hit !== null) matched.push({ type: m.type, value: hit, field: m.column });
      else {
        const v = normalizeIdentity(m.type, cell);
        if (v !== null) others.push({ type: m.type, value: v, field: m.column });
      }
    }
    const shared = this.rowOwnership(header, c.fields, subject) === 'shared';
    const data: Record<string, unknown> = {};
    const categories = new Set<string>();
    const emailColumns = new Set(header.mapped.filter((m) => m.type === 'email').map((m) => m.index));
    header.names.forEach((name, i) => {
      let value = c.fields[i] ?? '';
      // Another person's address in the same cell is theirs, not the subject's: withhold it.
      if (shared && emailColumns.has(i)) value = withholdOthers(value, subject);
      data[name] = value;
      if (value.trim() !== '') categories.add(categoryOfColumn(name, this.cfg.columns));
    });
    const locator = `${this.cfg.path}:${c.line}`;
    const redact = typeof this.cfg.erase === 'object' ? this.cfg.erase.redact : undefined;
    const base = { source: this.name, type: 'csv-row', locator, matched, categories: [...categories].sort(), data };
    if (shared) {
      // Deleting or blanking the row would erase the other person's data too: a person decides.
      yield {
        ...base,
        disposition: 'manual',
        manual: `${this.cfg.path} line ${c.line} lists this person together with someone else; remove only this person's address from it by hand`,
      };
    } else {
      yield {
        ...base,
        disposition: 'erase',
        action: redact ? 'redact-fields' : 'delete-row',
        erasure: { digest: c.digest, line: c.line, ...(redact ? { fields: redact } : {}) },
      };
    }
    if (this.cfg.links !== 'none' && matched.length > 0 && !shared) {
      for (const o of others) {
        yield {
          kind: 'identity-link',
          from: { type: matched[0]!.type, value: matched[0]!.value },
          to: { type: o.type, value: o.value },
          strength: this.cfg.links,
          source: this.name,
          locator,
          reason: `the same row of ${this.cfg.path} holds both (${matched[0]!.field}, ${o.field})`,
        };
      }
    }
  }

  // ---- erasing ----

  private async rewrite(
    out: AtomicWriter,
    input: RewriteInput,
    subject: IdentityMatcher,
    signal: AbortSignal,
    wanted: Map<string, ErasureStep[]>,
    found: Set<string>,
  ): Promise<boolean> {
    found.clear(); // a try again on content that changed meanwhile starts afresh
    let header: Header | undefined;
    let changed = false;
    const needles = subject.needles([...this.identityTypes]);
    const ascii = needles.every((n) => /^[\x00-\x7f]*$/.test(n));
    const varia = needles.some((n) => n.includes('`'));
    const plans = searchPlans(needles);
    for await (const block of this.blocks(signal, input)) {
      let from = block.start;
      if (!header) {
        const h = this.headerOf(block);
        if (h) {
          header = h.header;
          from = h.from;
        }
      }
      let copied = 0; // bytes of block.buf already written
      if (header && needles.length > 0) {
        for (const rec of candidateRecords(block, from, needles, ascii, varia, plans)) {
          const bytes = block.buf.subarray(rec.start, rec.end);
          const digest = createHash('sha256').update(bytes).digest('hex');
          if (!wanted.has(digest)) continue;
          // Act only on planned rows (a row added since the plan waits for the next plan), and
          // only on rows that name the subject and nobody else: a plan is a file, and a file can
          // be edited.
          const fields = this.parseRecord(bytes, rec.line);
          if (this.rowOwnership(header, fields, subject) !== 'subject') continue;
          await out.write(block.buf.subarray(copied, rec.start));
          if (typeof this.cfg.erase === 'object') {
            for (const col of header.redact) fields[col] = '';
            const line = stringify([fields], { delimiter: this.cfg.delimiter, record_delimiter: 'unix' });
            await out.write(line.slice(0, -1));
            await out.write(block.buf.subarray(rec.end, rec.next));
          }
          copied = rec.next;
          found.add(digest);
          changed = true;
        }
      }
      await out.write(block.buf.subarray(copied, block.end));
      if (signal.aborted) throw signal.reason;
    }
    return changed;
  }
}

const WITHHELD = "[another person's address withheld]";

/** The cell with every address that is not the subject's replaced by a placeholder. */
function withholdOthers(cell: string, subject: IdentityMatcher): string {
  return cell.replace(/[^\s,;<>]*[@!][^\s,;<>]*/g, (token) => {
    const e = emailsInCell(token);
    return e.length > 0 && subject.matchCell('email', e[0]!) === null ? WITHHELD : token;
  });
}

export const csvFactory: AdapterFactory<CsvSourceConfig> = {
  kind: 'csv',
  schema: csvSourceSchema,
  suggestedFacts: {
    categories: ['contact.email', 'name'],
    purpose: ['research'],
    legalBasis: 'consent',
    recipients: [],
    retention: 'kept until the purpose it was collected for is fulfilled (for a survey: its report is published), then deleted',
    origin: 'provided by you',
    transfers: 'none: the file is kept in the EU/EEA',
  },
  create: (cfg, env) => new CsvAdapter(cfg, env),
};
