// The state directory's stores: a hash-chained audit trail, the suppression list, receipts.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { AuditLog } from '../../src/state/audit.js';
import { StateDir } from '../../src/state/state-dir.js';
import { withLock } from '../../src/state/lock.js';
import { SuppressionList } from '../../src/state/suppression.js';

let dir: string;
let state: StateDir;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'privacyctl-state-'));
  state = new StateDir(path.join(dir, 'state'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const ANN = { type: 'email', value: 'ann@example.org' };

function logWith(n: number): { log: AuditLog; lines: () => string[]; write: (l: string[]) => void } {
  const log = new AuditLog(state);
  for (let i = 0; i < n; i++) log.append({ command: `cmd${i}`, exitCode: 0, subjects: [state.hashIdentity(ANN)] });
  return {
    log,
    lines: () => fs.readFileSync(log.file, 'utf8').trimEnd().split('\n'),
    write: (l) => fs.writeFileSync(log.file, `${l.join('\n')}\n`),
  };
}

describe('audit trail', () => {
  it('chains entries and verifies an untouched trail', () => {
    const { log, lines } = logWith(4);
    expect(log.verify()).toEqual({ ok: true, entries: 4 });
    const entries = lines().map((l) => JSON.parse(l));
    expect(entries[0].prev).toBe('0'.repeat(64));
    expect(entries[2].prev).toBe(entries[1].hash);
    expect(entries.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    expect(fs.statSync(log.file).mode & 0o777).toBe(0o600);
  });

  it('holds no identity, only salted hashes', () => {
    const { log } = logWith(2);
    const text = fs.readFileSync(log.file, 'utf8');
    expect(text).not.toContain('ann@example.org');
    expect(text).toContain(state.hashIdentity(ANN));
  });

  it('reports the first broken link: a changed entry, a removed one, a reordered pair', () => {
    const changed = logWith(3);
    changed.write(changed.lines().map((l, i) => (i === 1 ? l.replace('"exitCode":0', '"exitCode":3') : l)));
    expect(changed.log.verify()).toMatchObject({ ok: false, line: 2, reason: expect.stringContaining('changed') });

    fs.rmSync(path.join(state.path, 'audit.ndjson'));
    const removed = logWith(3);
    removed.write(removed.lines().filter((_, i) => i !== 1));
    expect(removed.log.verify()).toMatchObject({ ok: false, line: 2 });

    fs.rmSync(path.join(state.path, 'audit.ndjson'));
    const reordered = logWith(3);
    const l = reordered.lines();
    reordered.write([l[0]!, l[2]!, l[1]!]);
    expect(reordered.log.verify()).toMatchObject({ ok: false, line: 2 });
  });

  it('two processes writing at once (a cron job and a person) still make one unbroken chain', async () => {
    const dist = path.resolve('dist/state');
    const script = `
      const { AuditLog } = await import(${JSON.stringify(path.join(dist, 'audit.js'))});
      const { StateDir } = await import(${JSON.stringify(path.join(dist, 'state-dir.js'))});
      const log = new AuditLog(new StateDir(${JSON.stringify(state.path)}));
      for (let i = 0; i < 40; i++) log.append({ command: 'w' + process.pid, exitCode: 0 });`;
    state.ensure();
    const runOne = () =>
      new Promise<number | null>((resolve) => spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: 'inherit' }).on('exit', resolve));
    expect(await Promise.all([runOne(), runOne()])).toEqual([0, 0]);
    expect(new AuditLog(state).verify()).toEqual({ ok: true, entries: 80 });
  }, 30_000);
});

describe('suppression list', () => {
  it('answers for an added identity with its first date, and not for others', () => {
    const list = new SuppressionList(state);
    expect(list.lookup(ANN)).toBeNull();
    expect(list.add([ANN], new Date('2026-01-01T00:00:00Z'))).toBe(1);
    expect(list.add([ANN], new Date('2026-02-01T00:00:00Z'))).toBe(0);
    expect(list.lookup(ANN)).toBe('2026-01-01T00:00:00.000Z');
    expect(list.lookup({ type: 'email', value: 'joann@example.org' })).toBeNull();
    expect(fs.readFileSync(list.file, 'utf8')).not.toContain('ann@');
  });

  it('after a line torn by a crash, the next entries are still read (the torn one starts no line of theirs)', () => {
    const list = new SuppressionList(state);
    list.add([ANN]);
    const whole = fs.readFileSync(list.file, 'utf8');
    fs.writeFileSync(list.file, whole.slice(0, 30)); // ann's entry cut mid-write
    expect(list.lookup(ANN)).toBeNull();
    expect(list.add([ANN, { type: 'github', value: 'ann-example' }])).toBe(2);
    expect(list.lookup(ANN)).not.toBeNull();
    expect(list.lookup({ type: 'github', value: 'ann-example' })).not.toBeNull();
  });

  it('hashes with a per-state-directory salt: another state directory does not recognise the hash', () => {
    const other = new StateDir(path.join(dir, 'other'));
    expect(other.hashIdentity(ANN)).not.toBe(state.hashIdentity(ANN));
    expect(fs.statSync(path.join(state.path, 'salt')).mode & 0o777).toBe(0o600);
  });
});

describe('lock files', () => {
  it('a lock whose writer died before writing its pid is taken over once it is a second old', () => {
    const lock = path.join(dir, 'x.lock');
    fs.writeFileSync(lock, '');
    const old = new Date(Date.now() - 5_000);
    fs.utimesSync(lock, old, old);
    const started = Date.now();
    expect(withLock(lock, () => 'ran', 3_000)).toBe('ran');
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(fs.existsSync(lock)).toBe(false);
  });

  it('a fresh lock without a pid is waited for (its owner is writing it)', () => {
    const lock = path.join(dir, 'x.lock');
    fs.writeFileSync(lock, '');
    expect(() => withLock(lock, () => 'ran', 300)).toThrow(/is held/);
  });
});
