// `kind: sql` sources: website accounts, sessions, consent records, newsletter lists in a
// PostgreSQL or SQLite database.
import { z } from 'zod';
import { art15Keys } from '../base-schema.js';

const column = z.string().min(1);
const columns = z.array(column).min(1);
const oneOrMany = z.union([column, columns]).transform((v) => (typeof v === 'string' ? [v] : v));

/** Identity types a column can hold. */
export const SQL_IDENTITY_TYPES = ['email', 'github', 'slack-id', 'ga-client-id', 'ga-user-id', 'ip'] as const;

const viaSchema = z.strictObject({
  column,
  /** `table.column` of the parent row (the table as configured under `tables`). */
  references: z.string().regex(/^.+\..+$/, 'must be table.column, e.g. accounts.id'),
});

const retainSchema = z.strictObject({ reason: z.string().min(1), ground: z.string().min(1) });

export const tableSchema = z
  .strictObject({
    table: z.string().min(1),
    key: oneOrMany,
    match: z.partialRecord(z.enum(SQL_IDENTITY_TYPES), columns).optional(),
    via: z
      .union([viaSchema, z.array(viaSchema).min(1)])
      .transform((v) => (Array.isArray(v) ? v : [v]))
      .optional(),
    /** Columns that hold further identities of the same person: strong links. */
    reveals: z.partialRecord(z.enum(SQL_IDENTITY_TYPES), oneOrMany).optional(),
    erase: z
      .union([z.literal('delete'), z.strictObject({ nullify: columns }), z.strictObject({ retain: retainSchema })], {
        error: 'must be delete, { nullify: [column, ...] } or { retain: { reason: ..., ground: ... } }',
      })
      .default('delete'),
    /** Columns left out of exports (credentials); by default columns named like password/secret/token. */
    omit: z.array(column).optional(),
    /** Category of each column's data, where the column name does not say it. */
    columns: z.record(z.string(), z.string().min(1)).optional(),
    /** The record type in exports (default db-row). */
    type: z.string().min(1).optional(),
  })
  .superRefine((t, ctx) => {
    const matchCols = Object.values(t.match ?? {}).flat();
    if (matchCols.length === 0 && !t.via) {
      ctx.addIssue({
        code: 'custom',
        path: ['match'],
        message: 'name at least one column (match: { email: [email] }) or a parent (via: { column: account_id, references: accounts.id })',
      });
    }
    if (typeof t.erase === 'object' && 'nullify' in t.erase) {
      const nullify = new Set(t.erase.nullify);
      const revealCols = Object.values(t.reveals ?? {}).flat();
      for (const col of [...matchCols, ...revealCols]) {
        if (!nullify.has(col)) {
          ctx.addIssue({
            code: 'custom',
            path: ['erase', 'nullify'],
            message: `must include "${col}" (a match or reveals column), or the row still names the person`,
          });
        }
      }
      for (const k of t.key) if (nullify.has(k)) ctx.addIssue({ code: 'custom', path: ['erase', 'nullify'], message: `cannot null the key column "${k}"` });
    }
  });

export type SqlTableConfig = z.infer<typeof tableSchema>;

const sqliteSchema = z.union([
  z
    .string()
    .min(1)
    .transform((path) => ({ path, seed: undefined as string | undefined })),
  z
    .strictObject({
      /** The database file; without it, a seeded database lives in the state directory. */
      path: z.string().min(1).optional(),
      /** An SQL script that creates the database when the file does not exist yet (demo data). */
      seed: z.string().min(1).optional(),
    })
    .refine((s) => s.path || s.seed, 'give path, seed, or both'),
]);

export const sqlSourceSchema = z
  .strictObject({
    ...art15Keys,
    kind: z.literal('sql'),
    url: z
      .string()
      .regex(/^postgres(?:ql)?:\/\//, 'must be a postgres:// URL')
      .optional(),
    passwordEnv: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name')
      .optional(),
    passwordFile: z.string().min(1).optional(),
    ssl: z.boolean().optional(),
    sqlite: sqliteSchema.optional(),
    /** Seconds to wait for a connection (PostgreSQL). */
    connectTimeout: z.number().positive().max(600).default(10),
    /**
     * After an erasure, rewrite what it touched so that no old version of an erased row stays in
     * the database's files: PostgreSQL runs VACUUM FULL on the tables rows were erased from (it
     * locks each table while it rewrites it); SQLite runs VACUUM on the whole file (it may renumber
     * the rowids of tables without an INTEGER PRIMARY KEY). Off by default: the receipt says what stays.
     */
    vacuum: z.boolean().default(false),
    /** How a row that holds two of the subject's identity types links them (an account the person filled in: strong). */
    links: z.enum(['strong', 'candidate', 'none']).default('strong'),
    tables: z.array(tableSchema).min(1),
  })
  .superRefine((cfg, ctx) => {
    if (!cfg.url === !cfg.sqlite) {
      ctx.addIssue({ code: 'custom', path: ['url'], message: 'give exactly one connection: url: postgres://user@host/db, or sqlite: path/to/file.db' });
    }
    if (cfg.url) {
      try {
        const u = new URL(cfg.url);
        if (u.password) {
          ctx.addIssue({
            code: 'custom',
            path: ['url'],
            message: 'must not hold a password; name an environment variable (passwordEnv) or a file (passwordFile)',
          });
        }
      } catch {
        ctx.addIssue({ code: 'custom', path: ['url'], message: 'is not a valid URL' });
      }
    }
    if (cfg.passwordEnv && cfg.passwordFile) ctx.addIssue({ code: 'custom', path: ['passwordFile'], message: 'give passwordEnv or passwordFile, not both' });
    if (cfg.sqlite && (cfg.passwordEnv || cfg.passwordFile))
      ctx.addIssue({ code: 'custom', path: ['passwordEnv'], message: 'an SQLite database takes no password' });
    const names = new Map<string, number>();
    cfg.tables.forEach((t, i) => {
      if (names.has(t.table)) ctx.addIssue({ code: 'custom', path: ['tables', i, 'table'], message: `"${t.table}" is listed twice` });
      names.set(t.table, i);
    });
    cfg.tables.forEach((t, i) => {
      for (const [j, v] of (t.via ?? []).entries()) {
        const dot = v.references.lastIndexOf('.');
        const parent = v.references.slice(0, dot);
        if (!names.has(parent)) {
          ctx.addIssue({ code: 'custom', path: ['tables', i, 'via', j, 'references'], message: `names table "${parent}", which is not under tables` });
        } else if (parent === t.table) {
          ctx.addIssue({ code: 'custom', path: ['tables', i, 'via', j, 'references'], message: 'a table cannot be found through itself' });
        }
      }
    });
    if (!cyclesFree(cfg.tables)) ctx.addIssue({ code: 'custom', path: ['tables'], message: 'the via references form a cycle' });
  });

export type SqlSourceConfig = z.infer<typeof sqlSourceSchema>;

export function parentOf(ref: string): { table: string; column: string } {
  const dot = ref.lastIndexOf('.');
  return { table: ref.slice(0, dot), column: ref.slice(dot + 1) };
}

function cyclesFree(tables: SqlTableConfig[]): boolean {
  try {
    topoOrder(tables);
    return true;
  } catch {
    return false;
  }
}

/** Tables with every parent before its children (discovery order); erase uses the reverse. */
export function topoOrder(tables: SqlTableConfig[]): SqlTableConfig[] {
  const byName = new Map(tables.map((t) => [t.table, t]));
  const out: SqlTableConfig[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (t: SqlTableConfig) => {
    const s = state.get(t.table);
    if (s === 'done') return;
    if (s === 'visiting') throw new Error('cycle');
    state.set(t.table, 'visiting');
    for (const v of t.via ?? []) {
      const p = byName.get(parentOf(v.references).table);
      if (p) visit(p);
    }
    state.set(t.table, 'done');
    out.push(t);
  };
  for (const t of tables) visit(t);
  return out;
}

const CREDENTIAL = /pass(word|wd)?$|passw|secret|token|api_?key|hash|salt|otp|totp/i;

export function isCredentialColumn(name: string): boolean {
  return CREDENTIAL.test(name);
}

/** Category of a column's data from its name (or the table's `columns:` map). */
export function categoryOfSqlColumn(column: string, identityType: string | undefined, overrides?: Record<string, string>): string {
  const o = overrides?.[column];
  if (o) return o;
  if (identityType === 'email') return 'contact.email';
  if (identityType === 'github') return 'online.handle';
  if (identityType === 'ip') return 'online.ip-address';
  if (identityType === 'ga-client-id' || identityType === 'ga-user-id') return 'online.identifier';
  const c = column.toLowerCase();
  if (/e-?mail/.test(c)) return 'contact.email';
  if (/(^|_)ip($|_)|ip_?addr|remote_addr/.test(c)) return 'online.ip-address';
  if (/github|handle|login|username/.test(c)) return 'online.handle';
  if (/phone|mobile|tel/.test(c)) return 'contact.phone';
  if (/user_?agent|browser|device/.test(c)) return 'online.device';
  if (/cookie|session|client_?id|token/.test(c)) return 'online.identifier';
  if (/consent|opt_?in|subscri|newsletter/.test(c)) return 'consent';
  if (/address|street|city|country|postcode|zip|region|location/.test(c)) return 'location.address';
  if (/company|employer|organi[sz]ation|affiliation/.test(c)) return 'affiliation';
  if (/time ?zone|\btz\b/.test(c)) return 'location.timezone';
  if (/name/.test(c)) return 'name';
  if (/_at$|date|time|created|updated|last_/.test(c)) return 'activity.timestamp';
  return 'account';
}
