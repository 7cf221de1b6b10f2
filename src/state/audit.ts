// The audit trail: append-only, one JSON object a line, each carrying the hash of the line
// before it, so that a removed, changed or reordered entry breaks the chain. It records who,
// when, which command, which sources, counts and outcomes — identities only as salted hashes.
import { createHash } from 'node:crypto';
import { appendFileSync, closeSync, existsSync, fsyncSync, openSync, readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { redactSecrets } from '../core/secrets.js';
import { withLock } from './lock.js';
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
}

export interface AuditEntry extends AuditFacts {
  seq: number;
  ts: string;
  user: string;
  prev: string;
  hash: string;
}

const GENESIS = '0'.repeat(64);

function hashOf(entry: Omit<AuditEntry, 'hash'>): string {
  return createHash('sha256').update(JSON.stringify(entry)).digest('hex');
}

function osUser(): string {
  try {
    return userInfo().username;
  } catch {
    return String(process.getuid?.() ?? 'unknown');
  }
}

export class AuditLog {
  readonly file: string;
  constructor(private readonly state: StateDir) {
    this.file = join(state.path, 'audit.ndjson');
  }

  async append(facts: AuditFacts): Promise<AuditEntry> {
    this.state.ensure();
    return await withLock(`${this.file}.lock`, () => {
      const last = this.lastEntry();
      const base: Omit<AuditEntry, 'hash'> = {
        seq: last ? last.seq + 1 : 1,
        ts: new Date().toISOString(),
        user: osUser(),
        ...(JSON.parse(redactSecrets(JSON.stringify(facts))) as AuditFacts),
        prev: last ? last.hash : GENESIS,
      };
      const entry: AuditEntry = { ...base, hash: hashOf(base) };
      const fd = openSync(this.file, 'a', 0o600);
      try {
        appendFileSync(fd, `${JSON.stringify(entry)}\n`);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      return entry;
    });
  }

  private lastEntry(): AuditEntry | undefined {
    if (!existsSync(this.file)) return undefined;
    const lines = readFileSync(this.file, 'utf8').trimEnd().split('\n');
    const last = lines[lines.length - 1];
    return last ? (JSON.parse(last) as AuditEntry) : undefined;
  }

  /** Check the whole chain; returns the first broken link (1-based line) or ok. */
  verify(): { ok: true; entries: number } | { ok: false; entries: number; line: number; reason: string } {
    if (!existsSync(this.file)) return { ok: true, entries: 0 };
    const lines = readFileSync(this.file, 'utf8').split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    let prev = GENESIS;
    let seq = 0;
    for (let i = 0; i < lines.length; i++) {
      const fail = (reason: string) => ({ ok: false as const, entries: lines.length, line: i + 1, reason });
      let entry: AuditEntry;
      try {
        entry = JSON.parse(lines[i]!) as AuditEntry;
      } catch {
        return fail('not a JSON object');
      }
      const { hash, ...rest } = entry;
      if (entry.prev !== prev) return fail('does not follow the entry before it (an entry was removed, added or reordered)');
      if (entry.seq !== seq + 1) return fail(`sequence number ${entry.seq} where ${seq + 1} was expected`);
      if (hashOf(rest) !== hash) return fail('its content does not match its hash (the entry was changed)');
      prev = hash;
      seq = entry.seq;
    }
    return { ok: true, entries: lines.length };
  }
}
