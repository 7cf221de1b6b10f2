// The request ledger: one SQLite file under stateDir (WAL, busy timeout), safe for a cron job
// and a person at once. A request keeps its identities only while they are needed: once it is
// closed and its reply window has passed, only salted hashes remain — the tool must not become
// the largest store of personal data about people who asked to be forgotten.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { UsageError } from '../core/errors.js';
import { privateSqliteFile } from '../core/file-modes.js';
import { redactSecrets } from '../core/secrets.js';
import { dueDate } from '../core/deadline.js';
import type { Identity } from '../core/identity.js';
import type { AuditHead } from './audit.js';
import type { StateDir } from './state-dir.js';

export const REQUEST_TYPES = ['access', 'portability', 'erasure', 'rectification', 'restriction', 'objection'] as const;
export type RequestType = (typeof REQUEST_TYPES)[number];
export const REQUEST_STATUSES = ['open', 'in-progress', 'waiting', 'done', 'refused'] as const;
export type RequestStatus = (typeof REQUEST_STATUSES)[number];

export interface RequestRun {
  ts: string;
  command: string;
  exitCode: number;
  summary: Record<string, unknown>;
}

export interface PrivacyRequest {
  id: string;
  type: RequestType;
  received: string;
  due: string;
  status: RequestStatus;
  statusReason: string | null;
  /** null once the request is closed and its reply window has passed. */
  identities: Identity[] | null;
  identityHashes: Array<{ type: string; hash: string }>;
  /** days: how much later the answer is due; months: the extension as decided (Art. 12(3)). */
  extension: { days: number; months?: number; reason: string } | null;
  closedAt: string | null;
  overdue: boolean;
  runs: RequestRun[];
}

interface Row {
  id: string;
  type: RequestType;
  received: string;
  due: string;
  status: RequestStatus;
  status_reason: string | null;
  identities: string | null;
  identity_hashes: string;
  extension_days: number | null;
  extension_months: number | null;
  extension_reason: string | null;
  closed_at: string | null;
}

const DAY = 86_400_000;
/** A request's deadline: the controller's responseDays, if set; one calendar month otherwise. */
export interface DeadlineRule {
  responseDays?: number | undefined;
}

export class Ledger {
  private readonly db: Database.Database;

  constructor(
    private readonly state: StateDir,
    private readonly now: () => Date = () => new Date(),
  ) {
    state.ensure();
    // Open requests name people: the file and its -wal/-shm are 0600, also one made 0644 earlier.
    const file = join(state.path, 'ledger.db');
    privateSqliteFile(file);
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('busy_timeout = 10000');
    // Forgotten identities must not survive in free pages or the write-ahead log.
    this.db.pragma('secure_delete = ON');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS requests (
        id TEXT PRIMARY KEY, type TEXT NOT NULL, received TEXT NOT NULL, due TEXT NOT NULL,
        status TEXT NOT NULL, status_reason TEXT, identities TEXT, identity_hashes TEXT NOT NULL,
        extension_days INTEGER, extension_reason TEXT, closed_at TEXT);
      CREATE TABLE IF NOT EXISTS runs (
        request_id TEXT NOT NULL REFERENCES requests(id), ts TEXT NOT NULL, command TEXT NOT NULL,
        exit_code INTEGER NOT NULL, summary TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS audit_head (
        id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL, hash TEXT NOT NULL, ts TEXT NOT NULL);
    `);
    // Extensions are counted in months since calendar deadlines (a ledger of an earlier version has no column for it).
    const columns = (this.db.prepare(`PRAGMA table_info(requests)`).all() as Array<{ name: string }>).map((c) => c.name);
    if (!columns.includes('extension_months')) this.db.exec(`ALTER TABLE requests ADD COLUMN extension_months INTEGER`);
    this.forgetExpiredIdentities();
  }

  close(): void {
    this.db.close();
  }

  /** Closed requests whose reply window has passed keep only the hashes. */
  forgetExpiredIdentities(): number {
    const changes = this.db
      .prepare(`UPDATE requests SET identities = NULL WHERE identities IS NOT NULL AND status IN ('done', 'refused') AND due < ?`)
      .run(this.now().toISOString()).changes;
    if (changes > 0) this.db.pragma('wal_checkpoint(TRUNCATE)');
    return changes;
  }

  add(type: RequestType, identities: Identity[], opts: DeadlineRule & { received?: Date }): PrivacyRequest {
    const received = opts.received ?? this.now();
    if (received.getTime() > this.now().getTime()) {
      throw new UsageError('--received is in the future', 'give the date the request arrived (YYYY-MM-DD), or leave it out for now');
    }
    const due = dueDate(received, opts);
    const day = received.toISOString().slice(0, 10).replace(/-/g, '');
    const insert = this.db.transaction(() => {
      const n = (this.db.prepare(`SELECT COUNT(*) AS n FROM requests WHERE id LIKE ?`).get(`R-${day}-%`) as { n: number }).n;
      const id = `R-${day}-${n + 1}`;
      this.db
        .prepare(`INSERT INTO requests (id, type, received, due, status, identities, identity_hashes) VALUES (?, ?, ?, ?, 'open', ?, ?)`)
        .run(
          id,
          type,
          received.toISOString(),
          due.toISOString(),
          JSON.stringify(identities.map(({ type: t, value }) => ({ type: t, value }))),
          JSON.stringify(identities.map((i) => ({ type: i.type, hash: this.state.hashIdentity(i) }))),
        );
      return id;
    });
    return this.get(insert.immediate());
  }

  get(id: string): PrivacyRequest {
    const row = this.db.prepare(`SELECT * FROM requests WHERE id = ?`).get(id) as Row | undefined;
    if (!row) throw new UsageError(`no request ${id} in the ledger`, 'see `privacyctl requests list`');
    return this.toRequest(row);
  }

  list(filter: { overdue?: boolean; dueWithinDays?: number; status?: RequestStatus[] } = {}): PrivacyRequest[] {
    const rows = this.db.prepare(`SELECT * FROM requests ORDER BY due, id`).all() as Row[];
    const now = this.now().getTime();
    return rows
      .map((r) => this.toRequest(r))
      .filter((r) => {
        if (filter.status && !filter.status.includes(r.status)) return false;
        if (filter.overdue && !r.overdue) return false;
        if (filter.dueWithinDays !== undefined && (isClosed(r.status) || Date.parse(r.due) > now + filter.dueWithinDays * DAY)) return false;
        return true;
      });
  }

  /**
   * Art. 12(3): extended once, by one or two further months, while the first period still runs,
   * with the reason the person must be told.
   */
  extend(id: string, months: number, reason: string, rule: DeadlineRule = {}): PrivacyRequest {
    const r = this.get(id);
    if (isClosed(r.status)) throw new UsageError(`request ${id} is ${r.status}; only an open request can be extended`);
    if (r.extension)
      throw new UsageError(
        `request ${id} was already extended (due ${r.due.slice(0, 10)})`,
        'GDPR Art. 12(3) allows one extension of at most two further months',
      );
    if (months !== 1 && months !== 2) throw new UsageError('--months must be 1 or 2', 'Art. 12(3): by at most two further months');
    if (!reason.trim()) throw new UsageError('--reason is required', 'the person must be told why the answer is delayed');
    if (Date.parse(r.due) < this.now().getTime()) {
      throw new UsageError(
        `request ${id} was due on ${r.due.slice(0, 10)}: an extension must be decided, and the person told, within the first period`,
        'answer the request now',
      );
    }
    const due = dueDate(new Date(r.received), { ...rule, extendedByMonths: months });
    const days = Math.round((due.getTime() - Date.parse(r.due)) / DAY);
    this.db
      .prepare(`UPDATE requests SET due = ?, extension_days = ?, extension_months = ?, extension_reason = ? WHERE id = ?`)
      .run(due.toISOString(), days, months, reason, id);
    return this.get(id);
  }

  /**
   * Close a request. An erasure request is done only after an erasure run that completed (exit
   * 0); `force` closes it anyway (the reason is the operator's).
   */
  setStatus(id: string, status: RequestStatus, reason?: string, opts: { force?: boolean } = {}): PrivacyRequest {
    const r = this.get(id);
    if (isClosed(r.status)) throw new UsageError(`request ${id} is already ${r.status}`);
    if (status === 'refused' && !reason?.trim()) throw new UsageError('a refusal needs a reason', 'pass --refused "REASON"');
    if (status === 'done' && r.type === 'erasure' && !opts.force && !r.runs.some((run) => ['erase', 'batch'].includes(run.command) && run.exitCode === 0)) {
      throw new UsageError(
        `request ${id} is an erasure request and no erasure run for it completed; it was not closed`,
        `run \`privacyctl erase --request ${id} --apply\` (or batch) until it exits 0, or pass --force to close it anyway`,
      );
    }
    const closedAt = isClosed(status) ? this.now().toISOString() : null;
    this.db.prepare(`UPDATE requests SET status = ?, status_reason = ?, closed_at = ? WHERE id = ?`).run(status, reason ?? null, closedAt, id);
    this.forgetExpiredIdentities();
    return this.get(id);
  }

  /**
   * Identities an erasure for this request used beyond those given (linked through an account
   * row, a profile): kept with the request, so that `verify --request` checks them all even after
   * the records that linked them are gone. Forgotten with the rest when the request expires.
   */
  addIdentities(id: string, identities: Identity[]): void {
    const r = this.get(id);
    if (!r.identities) return; // forgotten already: only hashes are kept
    const key = (i: Identity) => `${i.type}:${i.value}`;
    const have = new Set(r.identities.map(key));
    const fresh = identities.filter((i) => !have.has(key(i))).map(({ type, value }) => ({ type, value }));
    if (fresh.length === 0) return;
    const all = [...r.identities.map(({ type, value }) => ({ type, value })), ...fresh];
    this.db
      .prepare(`UPDATE requests SET identities = ?, identity_hashes = ? WHERE id = ?`)
      .run(JSON.stringify(all), JSON.stringify(all.map((i) => ({ type: i.type, hash: this.state.hashIdentity(i) }))), id);
  }

  recordRun(id: string, command: string, exitCode: number, summary: Record<string, unknown>): void {
    const r = this.get(id);
    this.db
      .prepare(`INSERT INTO runs (request_id, ts, command, exit_code, summary) VALUES (?, ?, ?, ?, ?)`)
      .run(id, this.now().toISOString(), command, exitCode, redactSecrets(JSON.stringify(summary)));
    if (r.status === 'open') this.db.prepare(`UPDATE requests SET status = 'in-progress' WHERE id = ?`).run(id);
  }

  /** The audit trail's head as last recorded: an anchor kept apart from the trail (see audit.ts). */
  auditHead(): AuditHead | null {
    return (this.db.prepare(`SELECT seq, hash FROM audit_head WHERE id = 1`).get() as AuditHead | undefined) ?? null;
  }

  recordAuditHead(head: AuditHead): void {
    this.db
      .prepare(
        `INSERT INTO audit_head (id, seq, hash, ts) VALUES (1, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, ts = excluded.ts`,
      )
      .run(head.seq, head.hash, this.now().toISOString());
  }

  private toRequest(row: Row): PrivacyRequest {
    const runs = (
      this.db.prepare(`SELECT ts, command, exit_code, summary FROM runs WHERE request_id = ? ORDER BY rowid`).all(row.id) as Array<{
        ts: string;
        command: string;
        exit_code: number;
        summary: string;
      }>
    ).map((x) => ({
      ts: x.ts,
      command: x.command,
      exitCode: x.exit_code,
      summary: JSON.parse(x.summary) as Record<string, unknown>,
    }));
    return {
      id: row.id,
      type: row.type,
      received: row.received,
      due: row.due,
      status: row.status,
      statusReason: row.status_reason,
      identities: row.identities ? (JSON.parse(row.identities) as Identity[]) : null,
      identityHashes: JSON.parse(row.identity_hashes) as Array<{ type: string; hash: string }>,
      extension: row.extension_days
        ? { days: row.extension_days, ...(row.extension_months ? { months: row.extension_months } : {}), reason: row.extension_reason ?? '' }
        : null,
      closedAt: row.closed_at,
      overdue: !isClosed(row.status) && Date.parse(row.due) < this.now().getTime(),
      runs,
    };
  }
}

function isClosed(s: RequestStatus): boolean {
  return s === 'done' || s === 'refused';
}
