// The SQL adapter: finds the subject's rows in configured tables of a PostgreSQL or SQLite
// database, matching pushed down to the database (`lower(col) = ANY($1)` with canonical
// lower-case values), follows `via` references to child rows, and erases in one transaction per
// source — children before parents — after checking that the database still holds what the plan
// saw (otherwise it rolls back and reports the difference).
import { createHash } from 'node:crypto';
import { ConfigError, SourceError, errorMessage } from '../../core/errors.js';
import { normalizeIdentity, type Identity, type IdentityMatcher, type MatchedIdentity } from '../../core/identity.js';
import type { IdentityLink, PersonalRecord } from '../../core/record.js';
import type { AdapterContext, AdapterEnv, AdapterFactory, CheckResult, ErasureStep, SourceAdapter, StepResult } from '../types.js';
import { categoryOfSqlColumn, isCredentialColumn, parentOf, sqlSourceSchema, topoOrder, type SqlSourceConfig, type SqlTableConfig } from './config.js';
import { mapDbError, openDb, quoteIdent, type Db, type Row } from './db.js';

const CHUNK = 500;
/** Identity types that do not single out a person on their own. */
const WEAK_TYPES: ReadonlySet<string> = new Set(['ip', 'ga-client-id', 'ga-user-id']);
const WITHHELD = '[withheld: credential]';

/** A row of the subject's, as found. */
interface Found {
  table: SqlTableConfig;
  row: Row;
  keyValues: unknown[];
  keyStr: string;
  digest: string;
  /** The subject identities the row was found by (directly, or through its parent). */
  matched: MatchedIdentity[];
  /** For a nullify row whose columns are already null: nothing left to erase. */
  alreadyErased: boolean;
}

type FoundByTable = Map<string, Map<string, Found>>;

/** A value as it appears in exports and digests: JSON-safe and stable. */
export function plainValue(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? String(v) : v.toISOString();
  if (Buffer.isBuffer(v)) return `base64:${v.toString('base64')}`;
  if (typeof v === 'bigint') return v.toString();
  if (Array.isArray(v)) return v.map(plainValue);
  if (typeof v === 'object') return Object.fromEntries(Object.entries(v as Row).map(([k, x]) => [k, plainValue(x)]));
  return v;
}

function rowDigest(row: Row): string {
  const keys = Object.keys(row).sort();
  return createHash('sha256')
    .update(JSON.stringify(keys.map((k) => [k, plainValue(row[k])])))
    .digest('hex');
}

/** `accounts/42`, `memberships/7,3`: key values joined, each escaped so the locator stays unambiguous. */
function keyString(values: unknown[]): string {
  return values.map((v) => encodeURIComponent(String(plainValue(v)))).join(',');
}

function isAscii(s: string): boolean {
  return /^[\x00-\x7f]*$/.test(s);
}

function chunks<T>(xs: T[], n: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n));
  return out;
}

export class SqlAdapter implements SourceAdapter {
  readonly kind = 'sql';
  readonly name: string;
  readonly identityTypes: readonly string[];
  private readonly order: SqlTableConfig[];

  constructor(
    private readonly cfg: SqlSourceConfig,
    private readonly env: AdapterEnv,
  ) {
    this.name = cfg.name;
    this.order = topoOrder(cfg.tables);
    const types = new Set<string>();
    for (const t of cfg.tables) for (const [type, cols] of Object.entries(t.match ?? {})) if (cols && cols.length > 0) types.add(type);
    this.identityTypes = [...types];
  }

  async check(signal: AbortSignal): Promise<CheckResult> {
    let db: Db | undefined;
    try {
      db = await openDb(this.cfg, this.env, { write: false, signal });
      await this.checkSchema(db);
      return {
        ok: true,
        detail: `${db.label}: connected; ${this.cfg.tables.length} table${this.cfg.tables.length === 1 ? '' : 's'} and their columns present`,
      };
    } catch (err) {
      return { ok: false, detail: errorMessage(err) };
    } finally {
      await db?.close();
    }
  }

  async *discover(subject: IdentityMatcher, ctx: AdapterContext): AsyncIterable<PersonalRecord | IdentityLink> {
    const db = await openDb(this.cfg, this.env, { write: false, signal: ctx.signal });
    let found: FoundByTable;
    try {
      await this.checkSchema(db);
      found = await this.findAll(db, subject, ctx, false);
    } catch (err) {
      throw mapDbError(err, db.label, this.name, 'reading');
    } finally {
      await db.close();
    }
    const linked = new Set<string>(); // one link per identity: the first row that shows it
    for (const t of this.order) {
      for (const f of found.get(t.table)?.values() ?? []) {
        yield this.toRecord(f);
        for (const l of this.linksOf(f, subject)) {
          const k = `${l.to.type}:${l.to.value}`;
          if (linked.has(k)) continue;
          linked.add(k);
          yield l;
        }
      }
    }
  }

  async *erase(steps: ErasureStep[], subject: IdentityMatcher, ctx: AdapterContext): AsyncIterable<StepResult> {
    // The plan's rows, by table and key.
    const planned = new Map<string, Map<string, { step: ErasureStep; digest: string }>>();
    for (const s of steps) {
      const table = String(s.params['table'] ?? '');
      const keyStr = String(s.params['key'] ?? '');
      const t = this.cfg.tables.find((x) => x.table === table);
      if (!t) {
        throw new SourceError(`${this.name}: the plan names table "${table}", which is not in the config`, 'make a new plan against the current config');
      }
      const action = typeof t.erase === 'object' && 'nullify' in t.erase ? 'nullify-columns' : typeof t.erase === 'object' ? 'retain' : 'delete-row';
      if (action !== s.action) {
        throw new SourceError(
          `${this.name}: the plan would ${s.action} in table "${table}", but the config now says ${action}; nothing was changed`,
          'make a new plan against the current config',
        );
      }
      if (!planned.has(table)) planned.set(table, new Map());
      planned.get(table)!.set(keyStr, { step: s, digest: String(s.params['digest'] ?? '') });
    }
    const db = await openDb(this.cfg, this.env, { write: true, signal: ctx.signal });
    const results: StepResult[] = [];
    const erasedFrom = new Set<string>();
    try {
      await db.begin();
      try {
        await this.checkSchema(db);
        const current = await this.findAll(db, subject, ctx, true);
        // Compare what the database holds now with the plan.
        const differences: string[] = [];
        for (const t of this.cfg.tables) {
          if (typeof t.erase === 'object' && 'retain' in t.erase) continue;
          const want = planned.get(t.table) ?? new Map();
          const have = new Map([...(current.get(t.table)?.entries() ?? [])].filter(([, f]) => !f.alreadyErased));
          const added = [...have.keys()].filter((k) => !want.has(k)).length;
          const changed = [...want.entries()].filter(([k, p]) => have.has(k) && have.get(k)!.digest !== p.digest).length;
          if (added > 0) differences.push(`${t.table}: ${added} row${added === 1 ? '' : 's'} not in the plan`);
          if (changed > 0) differences.push(`${t.table}: ${changed} planned row${changed === 1 ? '' : 's'} changed`);
        }
        if (differences.length > 0) {
          throw new SourceError(
            `${this.name}: the database changed since the plan (${differences.join('; ')}); rolled back, nothing was changed`,
            'make a new plan (privacyctl erase SUBJECT) and review it',
          );
        }
        // Children before parents.
        for (const t of [...this.order].reverse()) {
          const want = planned.get(t.table);
          if (!want || want.size === 0) continue;
          const have = current.get(t.table) ?? new Map<string, Found>();
          const present = [...want.keys()].filter((k) => have.has(k) && !have.get(k)!.alreadyErased);
          const isPresent = new Set(present);
          for (const [k, { step }] of want) {
            results.push(
              isPresent.has(k)
                ? { stepId: step.id, status: 'done' }
                : { stepId: step.id, status: 'gone', detail: 'no longer in the database (erased by an earlier run)' },
            );
          }
          // An interrupted run of this plan may have committed without reclaiming: do it again.
          if (ctx.resumed && present.length < want.size) erasedFrom.add(t.table);
          if (present.length === 0) continue;
          const affected = await this.eraseRows(
            db,
            t,
            present.map((k) => have.get(k)!.keyValues),
          );
          if (affected !== present.length) {
            throw new SourceError(
              `${this.name}: ${t.table}: the erasure touched ${affected} row${affected === 1 ? '' : 's'} where the plan has ${present.length}; rolled back, nothing was changed`,
              'make a new plan and review it; check the key column(s) configured for this table',
            );
          }
          ctx.stats[`${t.table}.erased`] = (ctx.stats[`${t.table}.erased`] ?? 0) + affected;
          erasedFrom.add(t.table);
        }
        if (ctx.signal.aborted) throw new SourceError(`${this.name}: interrupted; rolled back, nothing was changed`);
        await db.commit();
      } catch (err) {
        await db.rollback().catch(() => undefined);
        throw err;
      }
      // The rows are gone from the tables; their bytes may not be gone from the files yet.
      if (erasedFrom.size > 0) for (const text of await db.reclaim([...erasedFrom].sort(), this.cfg.vacuum)) ctx.note?.(text);
    } catch (err) {
      throw mapDbError(err, db.label, this.name, 'erasing');
    } finally {
      await db.close();
    }
    yield* results;
  }

  // ---- reading ----

  /** Every identity in the match and reveals columns (for `replay`, which compares salted hashes). */
  async *identities(ctx: AdapterContext): AsyncIterable<Identity> {
    const db = await openDb(this.cfg, this.env, { write: false, signal: ctx.signal });
    const out: Identity[] = [];
    try {
      await this.checkSchema(db);
      for (const t of this.cfg.tables) {
        const byType: Array<[string, string[]]> = [...Object.entries(t.match ?? {}), ...Object.entries(t.reveals ?? {})].map(([type, cols]) => [
          type,
          ([] as string[]).concat(cols ?? []),
        ]);
        for (const [type, cols] of byType) {
          for (const col of cols) {
            if (ctx.signal.aborted) return;
            const r = await db.query(`SELECT DISTINCT ${quoteIdent(col)} AS v FROM ${quoteIdent(t.table, true)} WHERE ${quoteIdent(col)} IS NOT NULL`);
            for (const row of r.rows) {
              const v = normalizeIdentity(type, String(row['v']));
              if (v !== null) out.push({ type, value: v });
            }
          }
        }
      }
    } catch (err) {
      throw mapDbError(err, db.label, this.name, 'reading');
    } finally {
      await db.close();
    }
    yield* out;
  }

  private async checkSchema(db: Db): Promise<void> {
    for (const t of this.cfg.tables) {
      const cols = await db.columns(t.table);
      if (!cols)
        throw new ConfigError(
          `sources "${this.name}": table "${t.table}" is not in ${db.label} (or its user may not see it)`,
          'fix the table name under tables in the config, or grant the user USAGE on its schema',
        );
      const have = new Set(cols);
      const want = [
        ...t.key,
        ...Object.values(t.match ?? {}).flat(),
        ...Object.values(t.reveals ?? {}).flat(),
        ...(t.via ?? []).map((v) => v.column),
        ...(typeof t.erase === 'object' && 'nullify' in t.erase ? t.erase.nullify : []),
      ];
      for (const v of t.via ?? []) {
        const p = parentOf(v.references);
        const pcols = await db.columns(p.table);
        if (pcols && !pcols.includes(p.column)) {
          throw new ConfigError(
            `sources "${this.name}": column "${p.column}" (via.references of table "${t.table}") is not in table "${p.table}"`,
            'fix via.references in the config',
          );
        }
      }
      for (const c of want) {
        if (!have.has(c)) {
          throw new ConfigError(
            `sources "${this.name}": column "${c}" is not in table "${t.table}"`,
            `the table has: ${cols.join(', ')}; fix the column name in the config`,
          );
        }
      }
    }
  }

  /** Every row of the subject's, table by table, parents before children. */
  private async findAll(db: Db, subject: IdentityMatcher, ctx: AdapterContext, forUpdate: boolean): Promise<FoundByTable> {
    const found: FoundByTable = new Map();
    const lock = forUpdate && db.dialect === 'pg' ? ' FOR UPDATE' : '';
    for (const t of this.order) {
      if (ctx.signal.aborted) throw new SourceError(`${this.name}: interrupted`);
      const mine = new Map<string, Found>();
      const add = (row: Row, matched: MatchedIdentity[]) => {
        const keyValues = t.key.map((k) => row[k]);
        const keyStr = keyString(keyValues);
        const prev = mine.get(keyStr);
        if (prev) {
          const seen = new Set(prev.matched.map((m) => `${m.type}:${m.value}:${m.field}`));
          prev.matched.push(...matched.filter((m) => !seen.has(`${m.type}:${m.value}:${m.field}`)));
          return;
        }
        const nullify = typeof t.erase === 'object' && 'nullify' in t.erase ? t.erase.nullify : undefined;
        const alreadyErased = nullify ? nullify.every((c) => row[c] === null || row[c] === undefined) : false;
        mine.set(keyStr, { table: t, row, keyValues, keyStr, digest: rowDigest(row), matched: [...matched], alreadyErased });
      };
      // Direct matches.
      for (const [type, cols] of Object.entries(t.match ?? {})) {
        const needles = subject.needles([type]).filter((n) => type !== 'email' || !n.includes('!'));
        if (!cols || needles.length === 0) continue;
        for (const col of cols) {
          for (const part of chunks(needles, CHUNK)) {
            const { sql, params } = this.matchQuery(db, t, col, part, lock);
            const r = await db.query(sql, params);
            ctx.stats['queries'] = (ctx.stats['queries'] ?? 0) + 1;
            for (const row of r.rows) {
              // The database compared lower-case forms; confirm with the tool's own exact matching.
              const cell = row[col];
              if (typeof cell !== 'string') continue;
              const hit = subject.matchCell(type, cell);
              if (hit === null || normalizeIdentity(type, cell) !== hit) continue;
              add(row, [{ type, value: hit, field: `${t.table}.${col}` }]);
            }
          }
        }
      }
      // Rows found through a parent.
      for (const v of t.via ?? []) {
        const p = parentOf(v.references);
        const parents = [...(found.get(p.table)?.values() ?? [])];
        const byValue = new Map<string, MatchedIdentity[]>();
        for (const f of parents) {
          const pv = f.row[p.column];
          if (pv === null || pv === undefined) continue;
          const k = String(plainValue(pv));
          byValue.set(k, [...(byValue.get(k) ?? []), ...f.matched]);
        }
        const values = [...new Set(parents.map((f) => f.row[p.column]).filter((x) => x !== null && x !== undefined))];
        for (const part of chunks(values, CHUNK)) {
          const { sql, params } = this.inQuery(db, t, v.column, part, lock);
          const r = await db.query(sql, params);
          ctx.stats['queries'] = (ctx.stats['queries'] ?? 0) + 1;
          for (const row of r.rows) {
            const roots = byValue.get(String(plainValue(row[v.column]))) ?? [];
            add(
              row,
              roots.map((m) => ({ type: m.type, value: m.value, field: `${t.table}.${v.column} → ${v.references}` })),
            );
          }
        }
      }
      ctx.stats['rows'] = (ctx.stats['rows'] ?? 0) + mine.size;
      found.set(t.table, mine);
    }
    return found;
  }

  /** `lower(col) = ANY($1)` (PostgreSQL) / `lower(col) IN (?, …)` (SQLite), with canonical lower-case needles. */
  private matchQuery(db: Db, t: SqlTableConfig, col: string, needles: string[], lock: string): { sql: string; params: unknown[] } {
    const table = quoteIdent(t.table, true);
    const c = quoteIdent(col);
    if (db.dialect === 'pg') {
      return { sql: `SELECT * FROM ${table} WHERE lower(${c}) = ANY(${db.param(1)}::text[])${lock}`, params: [needles] };
    }
    // SQLite's lower() folds ASCII only: other needles are compared with the tool's own folding.
    const ascii = needles.filter(isAscii);
    const other = needles.filter((n) => !isAscii(n));
    const conds: string[] = [];
    if (ascii.length > 0) conds.push(`lower(${c}) IN (${ascii.map(() => '?').join(', ')})`);
    if (other.length > 0) conds.push(`privacyctl_fold(${c}) IN (${other.map(() => '?').join(', ')})`);
    return { sql: `SELECT * FROM ${table} WHERE ${conds.join(' OR ')}`, params: [...ascii, ...other] };
  }

  private inQuery(db: Db, t: SqlTableConfig, col: string, values: unknown[], lock: string): { sql: string; params: unknown[] } {
    const table = quoteIdent(t.table, true);
    const c = quoteIdent(col);
    if (db.dialect === 'pg') return { sql: `SELECT * FROM ${table} WHERE ${c} = ANY(${db.param(1)})${lock}`, params: [values] };
    return { sql: `SELECT * FROM ${table} WHERE ${c} IN (${values.map(() => '?').join(', ')})`, params: values };
  }

  private async eraseRows(db: Db, t: SqlTableConfig, keys: unknown[][]): Promise<number> {
    const table = quoteIdent(t.table, true);
    let affected = 0;
    for (const part of chunks(keys, t.key.length === 1 ? CHUNK : 100)) {
      let where: string;
      let params: unknown[];
      if (t.key.length === 1 && db.dialect === 'pg') {
        where = `${quoteIdent(t.key[0]!)} = ANY(${db.param(1)})`;
        params = [part.map((k) => k[0])];
      } else {
        let n = 0;
        params = [];
        where = part
          .map(
            (k) =>
              `(${t.key
                .map((col, i) => {
                  params.push(k[i]);
                  return `${quoteIdent(col)} = ${db.param(++n)}`;
                })
                .join(' AND ')})`,
          )
          .join(' OR ');
      }
      const set =
        typeof t.erase === 'object' && 'nullify' in t.erase
          ? `UPDATE ${table} SET ${t.erase.nullify.map((c) => `${quoteIdent(c)} = NULL`).join(', ')} WHERE ${where}`
          : `DELETE FROM ${table} WHERE ${where}`;
      const r = await db.query(set, params);
      affected += r.rowCount;
    }
    return affected;
  }

  // ---- records ----

  private toRecord(f: Found): PersonalRecord {
    const t = f.table;
    const typeOfColumn = new Map<string, string>();
    for (const [type, cols] of [...Object.entries(t.match ?? {}), ...Object.entries(t.reveals ?? {})]) for (const c of cols ?? []) typeOfColumn.set(c, type);
    const omit = new Set(t.omit ?? Object.keys(f.row).filter((c) => isCredentialColumn(c)));
    const data: Record<string, unknown> = {};
    const categories = new Set<string>();
    for (const [col, value] of Object.entries(f.row)) {
      if (omit.has(col)) {
        if (value !== null && value !== undefined) data[col] = WITHHELD;
        continue;
      }
      data[col] = plainValue(value);
      if (value !== null && value !== undefined && value !== '' && !t.key.includes(col) && !(t.via ?? []).some((v) => v.column === col)) {
        categories.add(categoryOfSqlColumn(col, typeOfColumn.get(col), t.columns));
      }
    }
    const base = {
      source: this.name,
      type: t.type ?? 'db-row',
      locator: `${t.table}/${f.keyStr}`,
      matched: f.matched,
      categories: [...categories].sort(),
      data,
    };
    if (typeof t.erase === 'object' && 'retain' in t.erase) {
      return { ...base, disposition: 'retain', retention: { reason: t.erase.retain.reason, ground: t.erase.retain.ground } };
    }
    if (f.alreadyErased) {
      const cols = (t.erase as { nullify: string[] }).nullify;
      return {
        ...base,
        disposition: 'retain',
        retention: {
          reason: `the personal columns (${cols.join(', ')}) were erased; the rest of the row is kept`,
          ground: `the source's configuration erases this table by nulling those columns only`,
        },
      };
    }
    const nullify = typeof t.erase === 'object' && 'nullify' in t.erase ? t.erase.nullify : undefined;
    return {
      ...base,
      disposition: 'erase',
      action: nullify ? 'nullify-columns' : 'delete-row',
      erasure: { table: t.table, key: f.keyStr, digest: f.digest, ...(nullify ? { columns: nullify } : {}) },
    };
  }

  private *linksOf(f: Found, subject: IdentityMatcher): Iterable<IdentityLink> {
    // A row found only by an IP address or an analytics id may be someone else's (a shared
    // network, a shared browser): what it reveals is only a candidate.
    const weak = f.matched.every((m) => WEAK_TYPES.has(m.type));
    const from = f.matched.find((m) => !WEAK_TYPES.has(m.type)) ?? f.matched[0];
    if (!from || f.alreadyErased) return;
    const locator = `${f.table.table}/${f.keyStr}`;
    const seen = new Set<string>();
    const emit = (type: string, raw: unknown, column: string, strength: 'strong' | 'candidate', why: string): IdentityLink | undefined => {
      if (raw === null || raw === undefined) return undefined;
      const value = normalizeIdentity(type, String(plainValue(raw)));
      if (value === null || subject.matchCell(type, value) !== null || seen.has(`${type}:${value}`)) return undefined;
      seen.add(`${type}:${value}`);
      return {
        kind: 'identity-link',
        from: { type: from.type, value: from.value },
        to: { type, value },
        strength,
        source: this.name,
        locator,
        reason: `${why} (${f.table.table}.${column})`,
      };
    };
    for (const [type, cols] of Object.entries(f.table.reveals ?? {})) {
      for (const c of cols ?? []) {
        // An IP address names a network (an office, a NAT, an address later reassigned), not a
        // person: following it would take other people's log lines. Only a candidate.
        const strength = weak || type === 'ip' ? 'candidate' : 'strong';
        const l = emit(type, f.row[c], c, strength, `the person's own ${f.table.table} row holds it`);
        if (l) yield l;
      }
    }
    if (this.cfg.links === 'none') return;
    for (const [type, cols] of Object.entries(f.table.match ?? {})) {
      for (const c of cols ?? []) {
        const l = emit(type, f.row[c], c, weak ? 'candidate' : this.cfg.links, `the same ${f.table.table} row holds both`);
        if (l) yield l;
      }
    }
  }
}

export const sqlFactory: AdapterFactory<SqlSourceConfig> = {
  kind: 'sql',
  schema: sqlSourceSchema,
  suggestedFacts: {
    categories: ['contact.email', 'online.handle', 'online.identifier', 'online.ip-address', 'activity.timestamp'],
    purpose: ['authentication', 'communication'],
    legalBasis: 'contract',
    recipients: [],
    retention: 'for as long as the account exists; sessions and logs for a limited period',
    origin: 'provided by you (website account) and recorded when the website is used',
    transfers: 'none: the database is kept in the EU/EEA',
  },
  create: (cfg, env) => new SqlAdapter(cfg, env),
};
