// The request ledger (src/state/ledger.ts) on a real SQLite file.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UsageError } from '../../src/core/errors.js';
import { Ledger } from '../../src/state/ledger.js';
import { StateDir } from '../../src/state/state-dir.js';
import { bundleForChild } from '../helpers/child-module.js';

const ANN = { type: 'email', value: 'ann@example.org' };
let dir: string;
let state: StateDir;
let now: Date;
let ledger: Ledger;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'privacyctl-ledger-'));
  state = new StateDir(path.join(dir, 'state'));
  now = new Date('2026-03-01T12:00:00Z');
  ledger = new Ledger(state, () => now);
});
afterEach(() => {
  ledger.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('ledger', () => {
  it('opens a request with an id, status open, and due at the end of the same date a month later (Art. 12(3))', () => {
    const r = ledger.add('erasure', [ANN], {});
    expect(r.id).toBe('R-20260301-1');
    expect(r.status).toBe('open');
    expect(r.due).toBe('2026-04-01T23:59:59.999Z');
    expect(r.identities).toEqual([ANN]);
    expect(r.identityHashes).toEqual([{ type: 'email', hash: state.hashIdentity(ANN) }]);
    expect(ledger.add('access', [ANN], { responseDays: 30 }).id).toBe('R-20260301-2');
  });

  it('a month without the date ends on its last day: 31 January is due 28 February, 29 in a leap year', () => {
    now = new Date('2028-12-31T00:00:00Z');
    expect(ledger.add('access', [ANN], { received: new Date('2027-01-31T09:30:00Z') }).due).toBe('2027-02-28T23:59:59.999Z');
    expect(ledger.add('access', [ANN], { received: new Date('2028-01-31T09:30:00Z') }).due).toBe('2028-02-29T23:59:59.999Z');
    expect(ledger.add('access', [ANN], { received: new Date('2027-12-15T00:00:00Z') }).due).toBe('2028-01-15T23:59:59.999Z');
    // a controller's own, shorter deadline in days
    expect(ledger.add('access', [ANN], { responseDays: 10, received: new Date('2027-01-31T09:30:00Z') }).due).toBe('2027-02-10T23:59:59.999Z');
  });

  it('refuses a request received in the future', () => {
    expect(() => ledger.add('access', [ANN], { received: new Date('2026-03-02T00:00:00Z') })).toThrow(/in the future/);
  });

  it('lists overdue requests and those due within N days; closed ones are neither', () => {
    const old = ledger.add('access', [ANN], { received: new Date('2026-01-01T00:00:00Z') });
    const soon = ledger.add('access', [ANN], { responseDays: 5 });
    const later = ledger.add('access', [ANN], {});
    expect(ledger.list({ overdue: true }).map((r) => r.id)).toEqual([old.id]);
    expect(ledger.list({ dueWithinDays: 7 }).map((r) => r.id)).toEqual([old.id, soon.id]);
    ledger.setStatus(old.id, 'done');
    expect(ledger.list({ overdue: true })).toEqual([]);
    expect(ledger.list().map((r) => r.id)).toEqual([old.id, soon.id, later.id]);
  });

  it('extends once, by one or two further months, with a reason, while the first month runs (Art. 12(3))', () => {
    const r = ledger.add('access', [ANN], { received: new Date('2026-01-31T10:00:00Z') }); // due 28 February
    now = new Date('2026-02-20T00:00:00Z');
    expect(() => ledger.extend(r.id, 3, 'x')).toThrow(/1 or 2/);
    expect(() => ledger.extend(r.id, 2, ' ')).toThrow(UsageError);
    const e = ledger.extend(r.id, 2, 'many sources');
    expect(e.due).toBe('2026-04-30T23:59:59.999Z'); // three months from 31 January: 30 April
    expect(e.extension).toEqual({ days: 61, months: 2, reason: 'many sources' });
    expect(() => ledger.extend(r.id, 1, 'again')).toThrow(/already extended/);
  });

  it('refuses an extension once the first month has ended', () => {
    const r = ledger.add('access', [ANN], { received: new Date('2026-01-10T10:00:00Z') });
    now = new Date('2026-02-11T00:00:00Z');
    expect(() => ledger.extend(r.id, 1, 'too late')).toThrow(/due on 2026-02-10/);
  });

  it('closes an erasure request only after an erasure run that completed, unless forced', () => {
    const r = ledger.add('erasure', [ANN], {});
    expect(() => ledger.setStatus(r.id, 'done')).toThrow(/no erasure run for it completed/);
    ledger.recordRun(r.id, 'erase', 3, { erased: 1 });
    expect(() => ledger.setStatus(r.id, 'done')).toThrow(/no erasure run for it completed/);
    ledger.recordRun(r.id, 'erase', 0, { erased: 2 });
    expect(ledger.setStatus(r.id, 'done').status).toBe('done');
    const other = ledger.add('erasure', [ANN], {});
    expect(ledger.setStatus(other.id, 'done', undefined, { force: true }).status).toBe('done');
  });

  it('closes as done or refused (with a reason); a closed request cannot change', () => {
    const a = ledger.add('access', [ANN], { responseDays: 30 });
    expect(() => ledger.setStatus(a.id, 'refused')).toThrow(/reason/);
    expect(ledger.setStatus(a.id, 'refused', 'manifestly unfounded').status).toBe('refused');
    expect(() => ledger.setStatus(a.id, 'done')).toThrow(/already refused/);
    expect(() => ledger.get('R-19990101-1')).toThrow(UsageError);
  });

  it('records runs, and an open request becomes in-progress', () => {
    const r = ledger.add('erasure', [ANN], { responseDays: 30 });
    ledger.recordRun(r.id, 'erase', 0, { erased: 3 });
    const s = ledger.get(r.id);
    expect(s.status).toBe('in-progress');
    expect(s.runs).toEqual([{ ts: now.toISOString(), command: 'erase', exitCode: 0, summary: { erased: 3 } }]);
  });

  it('forgets the identities of a closed request once its reply window has passed, keeping the hashes', () => {
    const r = ledger.add('erasure', [ANN], {});
    ledger.setStatus(r.id, 'done', undefined, { force: true });
    expect(ledger.get(r.id).identities).toEqual([ANN]); // still inside the window
    now = new Date('2026-04-15T00:00:00Z');
    ledger.close();
    ledger = new Ledger(state, () => now);
    const after = ledger.get(r.id);
    expect(after.identities).toBeNull();
    expect(after.identityHashes[0]!.hash).toBe(state.hashIdentity(ANN));
    ledger.close();
    // not on disk: neither in the database file nor in its write-ahead log
    for (const f of fs.readdirSync(state.path).filter((n) => n.startsWith('ledger.db'))) {
      expect(fs.readFileSync(path.join(state.path, f)).includes(Buffer.from('ann@example.org'))).toBe(false);
    }
    ledger = new Ledger(state, () => now);
  });

  it('keeps ledger.db and its -wal and -shm 0600, also when an earlier version left them 0644', () => {
    const file = path.join(state.path, 'ledger.db');
    const modes = () => ['', '-wal', '-shm'].map((x) => `ledger.db${x} ${(fs.statSync(file + x).mode & 0o777).toString(8)}`);
    ledger.add('erasure', [ANN], { responseDays: 30 }); // the -wal and -shm exist while it is open
    expect(modes()).toEqual(['ledger.db 600', 'ledger.db-wal 600', 'ledger.db-shm 600']);
    const other = new Ledger(state); // another process's, holding the files open meanwhile
    try {
      ledger.close();
      for (const x of ['', '-wal', '-shm']) fs.chmodSync(file + x, 0o644);
      ledger = new Ledger(state);
      expect(modes()).toEqual(['ledger.db 600', 'ledger.db-wal 600', 'ledger.db-shm 600']);
    } finally {
      other.close();
    }
  });

  it('two processes adding at once get distinct ids and lose nothing', async () => {
    ledger.close();
    const mod = await bundleForChild('ledger', { 'src/state/ledger.ts': ['Ledger'], 'src/state/state-dir.ts': ['StateDir'] });
    const script = `
      const { Ledger, StateDir } = await import(${JSON.stringify(mod)});
      const l = new Ledger(new StateDir(${JSON.stringify(state.path)}));
      for (let i = 0; i < 25; i++) l.add('access', [{ type: 'email', value: 'p' + i + '@example.org' }], { responseDays: 30 });
      l.close();`;
    const one = () =>
      new Promise<number | null>((resolve) => spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: 'inherit' }).on('exit', resolve));
    expect(await Promise.all([one(), one()])).toEqual([0, 0]);
    ledger = new Ledger(state);
    const ids = ledger.list().map((r) => r.id);
    expect(ids).toHaveLength(50);
    expect(new Set(ids).size).toBe(50);
  }, 30_000);
});
