// The audit trail: append-only NDJSON (stateDir/audit.ndjson), one entry a line: who, when, which
// command, which sources, counts and outcomes — identities only as salted hashes. Each entry
// carries an HMAC of itself and of the hash before it, keyed with stateDir/audit.key (a file
// apart from the trail): without the key no entry can be changed, added or re-chained. What the
// key cannot stop — entries cut off the end, an emptied file, an older copy put back, or anything
// done by someone who can read the key — the anchors catch: the head (seq and hash) is recorded
// in the ledger after every append, in every stored receipt, and wherever the operator keeps the
// output of `audit head`. See docs/decisions.md, "Audit trail: keyed and anchored".
import { createHmac } from 'node:crypto';
import { closeSync, existsSync, fstatSync, fsyncSync, ftruncateSync, openSync, readFileSync, readSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { basename, join } from 'node:path';
import { AuditTrailError, errorMessage, StateError } from '../core/errors.js';
import { redactSecrets } from '../core/secrets.js';
import type { Ledger } from './ledger.js';
import { withLock } from './lock.js';
import { storedAuditHeads } from './receipts.js';
import type { StateDir } from './state-dir.js';

export interface AuditFacts {
  command: string;
  exitCode: number;
  request?: string | null;
  /** Salted hashes of the subject's identities. */
  subjects?: string[];
  sources?: Array<{ name: string; status: string; records?: number }>;
  counts?: Record<string, number>;
  planId?: string;
  /** `audit repair`: the side file the torn last line was moved to, and its size. */
  repair?: { quarantined: string; bytes: number };
}

export interface AuditEntry extends AuditFacts {
  seq: number;
  ts: string;
  user: string;
  prev: string;
  hash: string;
}

/** An entry's place in the chain: what the anchors record. */
export interface AuditHead {
  seq: number;
  hash: string;
}

const KEY_NAME = 'audit.key';
const GENESIS = '0'.repeat(64);
/** The head of a trail with no entries. */
export const EMPTY_HEAD: AuditHead = { seq: 0, hash: GENESIS };

export function formatHead(head: AuditHead): string {
  return `${head.seq}:${head.hash}`;
}

/** `SEQ:HASH` as `audit head` prints it; undefined when it is not one. */
export function parseHead(text: string): AuditHead | undefined {
  const m = /^(\d+):([0-9a-f]{64})$/.exec(text.trim());
  return m ? { seq: Number(m[1]), hash: m[2]! } : undefined;
}

export interface AuditProblem {
  /** `line N`, `key`, `ledger`, `receipt FILE` or `--head`. */
  where: string;
  reason: string;
}

export interface AuditReport {
  ok: boolean;
  /** Whole lines in the trail. */
  entries: number;
  head: AuditHead;
  /** The head recorded in the ledger (null: none). */
  anchor: AuditHead | null;
  /** Entries after the ledger's head: 1 after a run stopped between its entry and its anchor. */
  unanchored: number;
  /** Stored receipts whose recorded head was checked. */
  receipts: number;
  /** The last line is incomplete (a write cut short: `repair` sets it aside). */
  torn: boolean;
  problems: AuditProblem[];
}

function mac(key: Buffer, body: Omit<AuditEntry, 'hash'>): string {
  return createHmac('sha256', key).update(JSON.stringify(body)).digest('hex');
}

function headOf(entry: AuditEntry): AuditHead {
  return { seq: entry.seq, hash: entry.hash };
}

function shortHead(head: AuditHead): string {
  return `${head.seq}:${head.hash.slice(0, 12)}…`;
}

function osUser(): string {
  try {
    return userInfo().username;
  } catch {
    return String(process.getuid?.() ?? 'unknown');
  }
}

/** The trail's last whole line, and the bytes after it: what a write cut short (a crash) left. */
interface Tail {
  last?: string;
  torn: Buffer;
  tornAt: number;
}

/** Read from the end, so that a run does not read the whole trail to add one line to it. */
function readTail(file: string): Tail {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { torn: Buffer.alloc(0), tornAt: 0 };
    throw err;
  }
  try {
    const size = fstatSync(fd).size;
    // The window grows until it holds the newline before the last whole line (or the whole file).
    for (let window = 64 * 1024; ; window *= 4) {
      const start = Math.max(0, size - window);
      const buf = Buffer.alloc(size - start);
      readSync(fd, buf, 0, buf.length, start);
      const end = buf.lastIndexOf(0x0a);
      const begin = end > 0 ? buf.lastIndexOf(0x0a, end - 1) : -1;
      if (begin < 0 && start > 0) continue;
      const tail: Tail = { torn: buf.subarray(end + 1), tornAt: start + end + 1 };
      if (end >= 0) tail.last = buf.toString('utf8', begin + 1, end);
      return tail;
    }
  } finally {
    closeSync(fd);
  }
}

/** Written and fsync'd before the next step relies on it. */
function writeDurably(file: string, flags: string, data: Buffer | string): void {
  const fd = openSync(file, flags, 0o600);
  try {
    writeFileSync(fd, data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function parseEntry(line: string): AuditEntry | undefined {
  try {
    const entry = JSON.parse(line) as unknown;
    return entry && typeof entry === 'object' && !Array.isArray(entry) ? (entry as AuditEntry) : undefined;
  } catch {
    return undefined;
  }
}

/** Why `head` is not an entry of the chain `entries` (undefined: it is). */
function headProblem(entries: Array<AuditEntry | undefined>, head: AuditHead): string | undefined {
  if (head.seq === 0) return head.hash === GENESIS ? undefined : 'not the head of any trail';
  if (head.seq > entries.length) {
    return `the trail ends at entry ${entries.length}: entries after it were removed, or an older copy of the trail was put back`;
  }
  const found = entries[head.seq - 1]?.hash;
  if (found !== head.hash) {
    return `entry ${head.seq} of the trail is not the one recorded (its hash is ${found ? `${found.slice(0, 12)}…` : 'unreadable'}): the trail was rewritten, or the record was changed`;
  }
  return undefined;
}

/** What to do about a trail its key or its anchors contradict. */
export const RESTORE_HINT = 'restore the state directory (audit.ndjson, audit.key, ledger.db, receipts/) from a backup, and find out who changed it';

export class AuditLog {
  readonly file: string;
  private readonly keyFile: string;
  constructor(private readonly state: StateDir) {
    this.file = join(state.path, 'audit.ndjson');
    this.keyFile = join(state.path, KEY_NAME);
  }

  /** Appends one entry, then records it in the ledger as the head. AuditTrailError when the trail cannot take it. */
  async append(facts: AuditFacts): Promise<AuditEntry> {
    return this.locked((ledger) => this.appendLocked(ledger, facts));
  }

  /** The head the next entry would follow, checked as `append` checks it: an erasure asks before it changes anything. */
  async ready(): Promise<AuditHead> {
    return this.locked((ledger) => {
      const { last } = this.appendable(ledger, readTail(this.file));
      return last ? headOf(last) : EMPTY_HEAD;
    });
  }

  /**
   * Moves a torn last line (a write cut short) to `audit.ndjson.torn-TIME` and appends an entry
   * saying so. Only a crash's damage is repaired: the trail without the torn bytes must still be
   * one its anchor recorded. Undefined when nothing is torn.
   */
  async repair(): Promise<{ quarantined: string; bytes: number; entry: AuditEntry } | undefined> {
    return this.locked((ledger) => {
      const tail = readTail(this.file);
      if (tail.torn.length === 0) return undefined;
      this.appendable(ledger, { ...tail, torn: Buffer.alloc(0) });
      const quarantined = `${this.file}.torn-${new Date().toISOString().replace(/[:.]/g, '-')}`;
      // Kept before it is cut off; a crash between the two leaves a copy in both places.
      writeDurably(quarantined, 'wx', tail.torn);
      const fd = openSync(this.file, 'r+');
      try {
        ftruncateSync(fd, tail.tornAt);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      const entry = this.appendLocked(ledger, {
        command: 'audit repair',
        exitCode: 0,
        repair: { quarantined: basename(quarantined), bytes: tail.torn.length },
      });
      return { quarantined, bytes: tail.torn.length, entry };
    });
  }

  /**
   * Checks the whole chain against the key, and its head against every anchor: the ledger, the
   * stored receipts, and `given` (from `audit head`, kept elsewhere). Writes nothing.
   */
  async verify(given?: AuditHead): Promise<AuditReport> {
    const problems: AuditProblem[] = [];
    const lines = existsSync(this.file) ? readFileSync(this.file, 'utf8').split('\n') : [''];
    const torn = lines.pop()!;
    const key = this.keyToVerify(lines.length > 0 || torn !== '', problems);

    const entries = lines.map(parseEntry);
    let prev = GENESIS;
    for (const [i, entry] of entries.entries()) {
      const reason = linkProblem(entry, i + 1, prev, key);
      if (reason) {
        problems.push({ where: `line ${i + 1}`, reason }); // the first broken link: the rest follow from it
        break;
      }
      prev = entry!.hash;
    }
    if (torn !== '')
      problems.push({
        where: `line ${lines.length + 1}`,
        reason: 'incomplete: a write was cut short, or the line was cut; `privacyctl audit repair` sets it aside',
      });

    const anchor = await this.recordedHead();
    let unanchored = entries.length - (anchor?.seq ?? 0);
    const anchorProblem = anchor ? headProblem(entries, anchor) : undefined;
    if (anchorProblem) {
      problems.push({ where: 'ledger', reason: `head ${shortHead(anchor!)} recorded in the ledger: ${anchorProblem}` });
      unanchored = 0;
    } else if (unanchored > 1) {
      problems.push({
        where: 'ledger',
        reason: anchor
          ? `${unanchored} entries follow the head recorded in the ledger (entry ${anchor.seq}); only one may (a run stopped between its entry and its anchor): the others were not written by privacyctl`
          : `the ledger records no head for a trail of ${entries.length} entries: ledger.db was deleted, replaced or rolled back`,
      });
    }

    const receipts = storedAuditHeads(this.state);
    for (const { file, head } of receipts) {
      const reason = head ? headProblem(entries, head) : 'records no audit head (removed, or the receipt was damaged)';
      if (reason) problems.push({ where: `receipt ${basename(file)}`, reason: head ? `head ${shortHead(head)}: ${reason}` : reason });
    }
    const givenProblem = given && headProblem(entries, given);
    if (givenProblem) problems.push({ where: '--head', reason: `head ${shortHead(given)}: ${givenProblem}` });

    const last = entries.at(-1);
    return {
      ok: problems.length === 0,
      entries: entries.length,
      head: last ? headOf(last) : EMPTY_HEAD,
      anchor,
      unanchored: Math.max(0, unanchored),
      receipts: receipts.length,
      torn: torn !== '',
      problems,
    };
  }

  /** The work under the trail's lock is synchronous (fs and SQLite alike): the lock holds for all of it. */
  private async locked<T>(fn: (ledger: Ledger) => T): Promise<T> {
    this.state.ensure();
    // Loaded on demand, like everywhere else: a native module, and its own bundle chunk.
    const { Ledger } = await import('./ledger.js');
    return withLock(`${this.file}.lock`, () => {
      const ledger = new Ledger(this.state);
      try {
        return fn(ledger);
      } finally {
        ledger.close();
      }
    });
  }

  private appendLocked(ledger: Ledger, facts: AuditFacts): AuditEntry {
    const { key, last, unanchored } = this.appendable(ledger, readTail(this.file));
    // A run that stopped between its entry and its anchor is anchored first, so that the trail
    // is never more than one entry ahead of the ledger.
    if (unanchored) this.anchor(ledger, headOf(last!));
    const base: Omit<AuditEntry, 'hash'> = {
      seq: last ? last.seq + 1 : 1,
      ts: new Date().toISOString(),
      user: osUser(),
      ...(JSON.parse(redactSecrets(JSON.stringify(facts))) as AuditFacts),
      prev: last ? last.hash : GENESIS,
    };
    const entry: AuditEntry = { ...base, hash: mac(key, base) };
    // The entry first, then its anchor: a crash in between leaves one entry the ledger has not
    // recorded yet — told apart from tampering by its key and by following the recorded head.
    writeDurably(this.file, 'a', `${JSON.stringify(entry)}\n`);
    this.anchor(ledger, headOf(entry));
    return entry;
  }

  /** The trail's last entry, if the next may follow it: whole, keyed, and at (or one past) the ledger's head. */
  private appendable(ledger: Ledger, tail: Tail): { key: Buffer; last?: AuditEntry; unanchored: boolean } {
    if (tail.torn.length > 0) {
      throw new AuditTrailError(
        `the last line of the audit trail ${this.file} is incomplete (${tail.torn.length} bytes: a write was cut short); no run can be audited until it is repaired`,
        'run `privacyctl audit repair`: it moves the incomplete line to a side file and records that it did',
      );
    }
    const recorded = ledger.auditHead();
    const key = this.key(tail.last !== undefined);
    if (tail.last === undefined) {
      if (recorded && recorded.seq > 0) throw this.mismatch(`the audit trail is empty or missing, but the ledger recorded entry ${recorded.seq} as its head`);
      return { key, unanchored: false };
    }
    const last = parseEntry(tail.last);
    if (!last) throw this.mismatch('the last line of the audit trail is not an audit entry');
    const { hash, ...body } = last;
    if (mac(key, body) !== hash)
      throw this.mismatch(`entry ${last.seq}, the last of the audit trail, does not match the audit key: it was changed or forged, or the key was replaced`);
    if (!recorded && last.seq > 1)
      throw this.mismatch(`the ledger records no head for the audit trail (${last.seq} entries): ledger.db was deleted, replaced or rolled back`);
    const head = recorded ?? EMPTY_HEAD;
    if (last.seq === head.seq && hash === head.hash) return { key, last, unanchored: false };
    if (last.seq === head.seq + 1 && last.prev === head.hash) return { key, last, unanchored: true };
    throw this.mismatch(
      last.seq < head.seq
        ? `the audit trail ends at entry ${last.seq}, but the ledger recorded entry ${head.seq} as its head`
        : `the audit trail's last entry (${last.seq}) does not follow the head recorded in the ledger (entry ${head.seq})`,
    );
  }

  private mismatch(what: string): AuditTrailError {
    return new AuditTrailError(`${what}; no run is audited on a trail that its anchors contradict`, `see \`privacyctl audit verify\`; ${RESTORE_HINT}`);
  }

  private anchor(ledger: Ledger, head: AuditHead): void {
    try {
      ledger.recordAuditHead(head);
    } catch (err) {
      throw new AuditTrailError(
        `entry ${head.seq} is in the audit trail, but its head could not be recorded in the ledger (${errorMessage(err)})`,
        `check that ${join(this.state.path, 'ledger.db')} is writable; the next run records it`,
      );
    }
  }

  /** The key, created with the first entry; refused when entries exist but their key does not. */
  private key(trailHasEntries: boolean): Buffer {
    if (trailHasEntries && !existsSync(this.keyFile)) {
      throw new AuditTrailError(
        `the audit key ${this.keyFile} is missing: the trail's entries cannot be checked, and a new key would not continue their chain`,
        'restore audit.key from a backup of the state directory (a trail from a privacyctl that did not key it yet has no key: move that audit.ndjson aside)',
      );
    }
    return this.state.secret(KEY_NAME);
  }

  /** The key for `verify`, which creates nothing: a missing or damaged key is a problem to report. */
  private keyToVerify(trailHasEntries: boolean, problems: AuditProblem[]): Buffer | undefined {
    if (!existsSync(this.keyFile)) {
      if (trailHasEntries) problems.push({ where: 'key', reason: `the audit key ${this.keyFile} is missing: no entry can be checked against it` });
      return undefined;
    }
    try {
      return this.state.secret(KEY_NAME);
    } catch (err) {
      if (!(err instanceof StateError)) throw err;
      problems.push({ where: 'key', reason: err.message });
      return undefined;
    }
  }

  /** The ledger's head, without creating a ledger where there is none. */
  private async recordedHead(): Promise<AuditHead | null> {
    if (!existsSync(join(this.state.path, 'ledger.db'))) return null;
    const { Ledger } = await import('./ledger.js');
    const ledger = new Ledger(this.state);
    try {
      return ledger.auditHead();
    } finally {
      ledger.close();
    }
  }
}

/** Why line `line` does not continue the chain after `prev` (undefined: it does). */
function linkProblem(entry: AuditEntry | undefined, line: number, prev: string, key: Buffer | undefined): string | undefined {
  if (!entry) return 'not an audit entry';
  if (entry.prev !== prev) return 'does not follow the entry before it (an entry was removed, added or reordered)';
  if (entry.seq !== line) return `sequence number ${entry.seq} where ${line} was expected`;
  const { hash, ...body } = entry;
  if (key && mac(key, body) !== hash) return 'does not match its keyed hash: it was changed, or written without the audit key (forged, or re-chained)';
  return undefined;
}
