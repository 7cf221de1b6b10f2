// One small interface over the two drivers: pg (PostgreSQL) and better-sqlite3 (SQLite).
// Every statement is parameterised; identifiers are quoted by quoteIdent. Driver errors are
// mapped to the typed errors of src/core/errors.ts here, in one place, and never carry a password.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, promises as fsp, readFileSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
// The drivers are loaded when a source opens its database: every run of the CLI would pay
// for them otherwise.
import type BetterSqlite3 from 'better-sqlite3';
import type { Client as PgClient, ClientConfig } from 'pg';
import { AuthError, ConfigError, PrivacyctlError, SourceError, errorMessage } from '../../core/errors.js';
import { privateSqliteFile } from '../../core/file-modes.js';
import { holdSecret } from '../../core/secrets.js';
import type { AdapterEnv } from '../types.js';
import type { SqlSourceConfig } from './config.js';

export type Row = Record<string, unknown>;

export interface Db {
  readonly dialect: 'pg' | 'sqlite';
  /** Placeholder for parameter n (1-based). */
  param(n: number): string;
  query(sql: string, params?: unknown[]): Promise<{ rows: Row[]; rowCount: number }>;
  /** Column names of a table, or null when it does not exist. */
  columns(table: string): Promise<string[] | null>;
  begin(): Promise<void>;
  commit(): Promise<void>;
  rollback(): Promise<void>;
  /**
   * After an erasure committed: clear what the database's files still keep of the erased rows
   * (old row versions, freed space, the write-ahead log) as far as this database and `vacuum`
   * allow, and say what was done and what stays — one line each, for the receipt. Never throws:
   * the erasure itself is done.
   */
  reclaim(tables: string[], vacuum: boolean): Promise<string[]>;
  close(): Promise<void>;
  /** For messages: the database without credentials. */
  readonly label: string;
}

/** A quoted SQL identifier; `schema.table` is quoted part by part. */
export function quoteIdent(name: string, qualified = false): string {
  const q = (s: string) => `"${s.replace(/"/g, '""')}"`;
  return qualified ? name.split('.').map(q).join('.') : q(name);
}

function expandHome(p: string, env: AdapterEnv): string {
  if (p === '~' || p.startsWith('~/')) return join(homedir(), p.slice(1));
  return isAbsolute(p) ? p : resolve(env.configDir, p);
}

export function readPassword(cfg: SqlSourceConfig, env: AdapterEnv): string | undefined {
  if (cfg.passwordEnv) {
    const v = process.env[cfg.passwordEnv];
    if (v === undefined || v === '') {
      throw new SourceError(
        `sources "${cfg.name}": the environment variable ${cfg.passwordEnv} (passwordEnv) is not set`,
        `export ${cfg.passwordEnv} with the database password, or use passwordFile`,
      );
    }
    return holdSecret(v);
  }
  if (cfg.passwordFile) {
    const file = expandHome(cfg.passwordFile, env);
    try {
      return holdSecret(readFileSync(file, 'utf8').replace(/\r?\n$/, ''));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new SourceError(
        `sources "${cfg.name}": cannot read passwordFile ${cfg.passwordFile} (${code ?? errorMessage(err)})`,
        'check the path and its permissions',
      );
    }
  }
  return undefined;
}

// ---- PostgreSQL ----

function pgTarget(url: string): { config: ClientConfig; label: string } {
  const u = new URL(url);
  const database = decodeURIComponent(u.pathname.replace(/^\//, '')) || undefined;
  const socketHost = u.searchParams.get('host');
  const host = socketHost ?? (u.hostname ? decodeURIComponent(u.hostname).replace(/^\[|\]$/g, '') : undefined);
  const port = u.port ? Number(u.port) : undefined;
  const user = u.username ? decodeURIComponent(u.username) : undefined;
  if (u.password) holdSecret(decodeURIComponent(u.password)); // never meant to be there, but never echoed
  const sslmode = u.searchParams.get('sslmode');
  const config: ClientConfig = { host, port, user, database };
  if (sslmode === 'require' || sslmode === 'prefer') config.ssl = { rejectUnauthorized: false };
  else if (sslmode === 'verify-ca' || sslmode === 'verify-full') config.ssl = true;
  return { config, label: `postgres://${user ? `${user}@` : ''}${host ?? 'localhost'}${port ? `:${port}` : ''}/${database ?? ''}` };
}

function causeCode(err: unknown): string | undefined {
  const e = err as { code?: string; errors?: Array<{ code?: string }> };
  return e?.code ?? e?.errors?.[0]?.code;
}

/** A driver error as a typed error; `what` says what was being done. */
export function mapDbError(err: unknown, label: string, source: string, what: string): PrivacyctlError {
  if (err instanceof PrivacyctlError) return err;
  const code = causeCode(err);
  const msg = errorMessage(err);
  switch (code) {
    case 'ECONNREFUSED':
    case 'ENOTFOUND':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'ETIMEDOUT':
    case 'ECONNRESET':
      return new SourceError(
        `${label}: cannot connect (${code === 'ECONNREFUSED' ? 'connection refused' : code})`,
        `check that the database is running and sources "${source}".url`,
      );
    case '28P01':
    case '28000':
      return new AuthError(
        `${label}: the database refused the credentials (${msg})`,
        `check the user in sources "${source}".url and the password in its passwordEnv / passwordFile`,
      );
    case '42501':
      return new AuthError(
        `${label}: permission denied while ${what} (${msg})`,
        'grant the database user SELECT (and DELETE/UPDATE to erase) on the configured tables',
      );
    case '3D000':
      return new SourceError(`${label}: ${msg}`, `check the database name in sources "${source}".url`);
    case '42P01':
    case '42703':
      return new ConfigError(`sources "${source}": ${msg}`, 'fix the table or column names under tables in the config');
    case 'SQLITE_CANTOPEN':
      return new SourceError(`${label}: cannot open the database file (${msg})`, `check sources "${source}".sqlite`);
    case 'SQLITE_READONLY':
    case 'SQLITE_PERM':
    case 'SQLITE_AUTH':
      return new AuthError(`${label}: permission refused while ${what} (${msg})`, 'check that the database file and its directory are writable');
    case 'SQLITE_NOTADB':
    case 'SQLITE_CORRUPT':
      return new SourceError(`${label}: not a usable SQLite database (${msg})`, `check sources "${source}".sqlite`);
    default:
      if (/^SQLITE_ERROR/.test(code ?? '') && /no such (table|column)/.test(msg)) {
        return new ConfigError(`sources "${source}": ${msg}`, 'fix the table or column names under tables in the config');
      }
      return new SourceError(`${label}: ${what} failed: ${msg}`);
  }
}

class PgDb implements Db {
  readonly dialect = 'pg' as const;
  constructor(
    private readonly client: PgClient,
    readonly label: string,
  ) {}
  param(n: number) {
    return `$${n}`;
  }
  async query(sql: string, params: unknown[] = []) {
    const r = await this.client.query(sql, params);
    return { rows: r.rows as Row[], rowCount: r.rowCount ?? 0 };
  }
  async columns(table: string) {
    // pg_attribute, not information_schema: the latter hides columns the user may not read,
    // and a permission problem must surface as one (not as a missing table).
    const r = await this.client.query(
      `SELECT attname FROM pg_catalog.pg_attribute WHERE attrelid = to_regclass($1) AND attnum > 0 AND NOT attisdropped ORDER BY attnum`,
      [quoteIdent(table, true)],
    );
    return r.rows.length === 0 ? null : r.rows.map((x: Row) => String(x['attname']));
  }
  async begin() {
    await this.client.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
  }
  async commit() {
    await this.client.query('COMMIT');
  }
  async rollback() {
    await this.client.query('ROLLBACK');
  }
  async reclaim(tables: string[], vacuum: boolean) {
    // A deleted or updated row's old version stays in the table's pages; plain VACUUM only marks
    // its space free (the bytes stay until overwritten): VACUUM FULL rewrites the table without it.
    const list = tables.join(', ');
    if (!vacuum) {
      return [
        `PostgreSQL keeps the erased rows' old versions in the files of ${list} until VACUUM FULL rewrites them; this source does not run it (set vacuum: true)`,
      ];
    }
    // VACUUM skips a table its user may not vacuum with a WARNING, not an error.
    let warning: string | undefined;
    const onNotice = (n: { severity?: string; message?: string }) => {
      if (n.severity === 'WARNING') warning ??= n.message;
    };
    this.client.on('notice', onNotice);
    const done: string[] = [];
    const skipped: Array<{ table: string; why: string }> = [];
    try {
      for (const table of tables) {
        warning = undefined;
        try {
          await this.client.query(`VACUUM FULL ${quoteIdent(table, true)}`);
        } catch (err) {
          warning = errorMessage(err);
        }
        if (warning === undefined) done.push(table);
        else skipped.push({ table, why: warning });
      }
    } finally {
      this.client.off('notice', onNotice);
    }
    const notes: string[] = [];
    if (done.length > 0)
      notes.push(
        `VACUUM FULL rewrote ${done.join(', ')}: the erased rows' old versions are no longer in their files (the server's write-ahead log and backups keep them until they expire)`,
      );
    if (skipped.length > 0) {
      notes.push(
        `VACUUM FULL did not run on ${skipped.map((x) => x.table).join(', ')} (${skipped[0]!.why}): the erased rows' old versions stay in their files until it does`,
      );
    }
    return notes;
  }
  async close() {
    await this.client.end().catch(() => undefined);
  }
}

async function openPg(cfg: SqlSourceConfig, env: AdapterEnv, signal?: AbortSignal): Promise<Db> {
  const { config, label } = pgTarget(cfg.url!);
  const password = readPassword(cfg, env);
  const { default: pg } = await import('pg');
  const client = new pg.Client({
    ...config,
    ...(password !== undefined ? { password } : {}),
    ssl: cfg.ssl ?? config.ssl,
    connectionTimeoutMillis: cfg.connectTimeout * 1000,
    application_name: 'privacyctl',
  });
  client.on('error', () => undefined); // a dropped connection surfaces on the next query
  const onAbort = () => void client.end().catch(() => undefined);
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    await client.connect();
  } catch (err) {
    await client.end().catch(() => undefined);
    throw mapDbError(err, label, cfg.name, 'connecting');
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
  return new PgDb(client, label);
}

// ---- SQLite ----

class SqliteDb implements Db {
  readonly dialect = 'sqlite' as const;
  constructor(
    private readonly db: BetterSqlite3.Database,
    readonly label: string,
    private readonly file: string,
  ) {
    // NFC + lower case, as the tool's own identity normalisation; SQLite's lower() is ASCII-only.
    db.function('privacyctl_fold', { deterministic: true }, (v: unknown) => (typeof v === 'string' ? v.normalize('NFC').toLowerCase() : v));
  }
  param() {
    return '?';
  }
  async query(sql: string, params: unknown[] = []) {
    const stmt = this.db.prepare(sql);
    const bound = params.map((p) => (typeof p === 'boolean' ? Number(p) : p));
    if (stmt.reader) return { rows: stmt.all(...bound) as Row[], rowCount: 0 };
    const r = stmt.run(...bound);
    return { rows: [], rowCount: r.changes };
  }
  async columns(table: string) {
    const dot = table.indexOf('.');
    const sql =
      dot === -1 ? `PRAGMA table_info(${quoteIdent(table)})` : `PRAGMA ${quoteIdent(table.slice(0, dot))}.table_info(${quoteIdent(table.slice(dot + 1))})`;
    const rows = this.db.prepare(sql).all() as Row[];
    return rows.length === 0 ? null : rows.map((r) => String(r['name']));
  }
  async begin() {
    this.db.exec('BEGIN IMMEDIATE');
  }
  async commit() {
    this.db.exec('COMMIT');
  }
  async rollback() {
    if (this.db.inTransaction) this.db.exec('ROLLBACK');
  }
  async reclaim(_tables: string[], vacuum: boolean) {
    // The erasing connection has secure_delete on: the rows it deleted or nulled are zeros now.
    // Copies that earlier changes (made without it) left in free space go only with VACUUM.
    const notes: string[] = [];
    if (!vacuum) {
      notes.push(
        `the erased rows were overwritten with zeros (secure_delete); any copies that earlier changes left in free space stay until VACUUM rebuilds the file (set vacuum: true)`,
      );
    } else {
      try {
        this.db.exec('VACUUM');
        notes.push('VACUUM rebuilt the database file: no old version of an erased row is left in its free space');
      } catch (err) {
        notes.push(
          `VACUUM could not run (${errorMessage(err)}): the erased rows were overwritten with zeros (secure_delete), but copies that earlier changes left in free space stay`,
        );
      }
    }
    // In WAL mode the -wal still holds the pages as they were before: a checkpoint copies the
    // zeroed pages into the file and TRUNCATE empties the log. A reader of an older snapshot
    // stops it (after the busy timeout). In rollback mode the journal went with the commit.
    const f = basename(this.file);
    const later = `${f} and ${f}-wal keep the erased rows until a checkpoint after that (the last connection to close the database makes one)`;
    try {
      if (this.db.pragma('journal_mode', { simple: true }) === 'wal') {
        const [r] = this.db.pragma('wal_checkpoint(TRUNCATE)') as Array<{ busy: number }>;
        if (r?.busy) notes.push(`the checkpoint could not finish, another connection was reading: ${later}`);
      }
    } catch (err) {
      notes.push(`the checkpoint failed (${errorMessage(err)}): ${later}`);
    }
    return notes;
  }
  async close() {
    this.db.close();
  }
}

/** Where the SQLite database of a source lives (a seeded one defaults to the state directory). */
export function sqliteFile(cfg: SqlSourceConfig, env: AdapterEnv): string {
  const s = cfg.sqlite!;
  if (s.path) return expandHome(s.path, env);
  return join(env.stateDir, 'sql', `${cfg.name}.db`);
}

/** Create the database from its seed script if it does not exist yet (atomically: temp file, rename). */
async function materialise(cfg: SqlSourceConfig, env: AdapterEnv, file: string): Promise<void> {
  const seed = cfg.sqlite!.seed;
  if (!seed || existsSync(file)) return;
  let script: string;
  try {
    script = await fsp.readFile(expandHome(seed, env), 'utf8');
  } catch (err) {
    throw new SourceError(
      `sources "${cfg.name}": cannot read the seed script ${seed} (${causeCode(err) ?? errorMessage(err)})`,
      `check sources "${cfg.name}".sqlite.seed`,
    );
  }
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const tmp = join(dirname(file), `.${randomBytes(4).toString('hex')}.seeding.tmp`);
  try {
    privateSqliteFile(tmp);
    const { default: Database } = await import('better-sqlite3');
    const db = new Database(tmp);
    try {
      db.exec(script);
    } finally {
      db.close();
    }
    if (!existsSync(file)) renameSync(tmp, file);
  } catch (err) {
    throw new SourceError(`sources "${cfg.name}": the seed script ${seed} failed: ${errorMessage(err)}`, 'fix the seed script');
  } finally {
    rmSync(tmp, { force: true });
  }
}

async function openSqlite(cfg: SqlSourceConfig, env: AdapterEnv, readonly: boolean): Promise<Db> {
  const file = sqliteFile(cfg, env);
  const label = `sqlite:${cfg.sqlite!.path ?? `${cfg.name}.db (seeded from ${cfg.sqlite!.seed})`}`;
  await materialise(cfg, env, file);
  if (!existsSync(file)) {
    throw new SourceError(`${label}: no such database file`, `check sources "${cfg.name}".sqlite`);
  }
  // A seeded database is the tool's own (one an earlier version made 0644 is made 0600); a
  // database at a path of the project's keeps its mode.
  if (!cfg.sqlite!.path) privateSqliteFile(file);
  try {
    const { default: Database } = await import('better-sqlite3');
    const db = new Database(file, { fileMustExist: true, readonly });
    db.pragma('busy_timeout = 5000');
    db.pragma('foreign_keys = ON');
    // What this connection deletes or overwrites is zeroed, in the file and in the -wal.
    if (!readonly) db.pragma('secure_delete = ON');
    return new SqliteDb(db, label, file);
  } catch (err) {
    throw mapDbError(err, label, cfg.name, 'opening');
  }
}

export async function openDb(cfg: SqlSourceConfig, env: AdapterEnv, opts: { write: boolean; signal?: AbortSignal }): Promise<Db> {
  return cfg.url ? openPg(cfg, env, opts.signal) : openSqlite(cfg, env, !opts.write);
}
