// The state directory's stores: a keyed, anchored audit trail, the suppression list, receipts.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { AuditLog } from '../../src/state/audit.js';
import { StateDir } from '../../src/state/state-dir.js';
import { SuppressionList } from '../../src/state/suppression.js';
import { bundleForChild } from '../helpers/child-module.js';

let dir: string;
let state: StateDir;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'privacyctl-state-'));
  state = new StateDir(path.join(dir, 'state'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const ANN = { type: 'email', value: 'ann@example.org' };

async function logWith(n: number): Promise<{ log: AuditLog; lines: () => string[]; write: (l: string[]) => void }> {
  const log = new AuditLog(state);
  for (let i = 0; i < n; i++) await log.append({ command: `cmd${i}`, exitCode: 0, subjects: [state.hashIdentity(ANN)] });
  return {
    log,
    lines: () => fs.readFileSync(log.file, 'utf8').trimEnd().split('\n'),
    write: (l) => fs.writeFileSync(log.file, `${l.join('\n')}\n`),
  };
}

describe('audit trail', () => {
  it('chains keyed entries, records the head in the ledger, and verifies an untouched trail', async () => {
    const { log, lines } = await logWith(4);
    const entries = lines().map((l) => JSON.parse(l));
    expect(await log.verify()).toMatchObject({
      ok: true,
      entries: 4,
      head: { seq: 4, hash: entries[3].hash },
      anchor: { seq: 4, hash: entries[3].hash },
      unanchored: 0,
    });
    expect(entries[0].prev).toBe('0'.repeat(64));
    expect(entries[2].prev).toBe(entries[1].hash);
    expect(entries.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    expect(fs.statSync(log.file).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.join(state.path, 'audit.key')).mode & 0o777).toBe(0o600);
  });

  it('holds no identity, only salted hashes', async () => {
    const { log } = await logWith(2);
    const text = fs.readFileSync(log.file, 'utf8');
    expect(text).not.toContain('ann@example.org');
    expect(text).toContain(state.hashIdentity(ANN));
  });

  it('reports the first broken link: a changed entry, a removed one, a reordered pair', async () => {
    const startOver = () => ['audit.ndjson', 'ledger.db'].forEach((f) => fs.rmSync(path.join(state.path, f)));
    const changed = await logWith(3);
    changed.write(changed.lines().map((l, i) => (i === 1 ? l.replace('"exitCode":0', '"exitCode":3') : l)));
    expect((await changed.log.verify()).problems[0]).toEqual({ where: 'line 2', reason: expect.stringContaining('changed') });

    startOver();
    const removed = await logWith(3);
    removed.write(removed.lines().filter((_, i) => i !== 1));
    expect((await removed.log.verify()).problems[0]).toMatchObject({ where: 'line 2' });

    startOver();
    const reordered = await logWith(3);
    const l = reordered.lines();
    reordered.write([l[0]!, l[2]!, l[1]!]);
    expect((await reordered.log.verify()).problems[0]).toMatchObject({ where: 'line 2' });
  });

  it('continues after an entry longer than the window it reads the end of the trail with', async () => {
    const log = new AuditLog(state);
    const many = Array.from({ length: 3000 }, (_, i) => state.hashIdentity({ type: 'email', value: `p${i}@example.org` }));
    await log.append({ command: 'batch', exitCode: 0, subjects: many });
    await log.append({ command: 'batch', exitCode: 0, subjects: many });
    const third = await log.append({ command: 'find', exitCode: 0 });
    expect(third.seq).toBe(3);
    expect(fs.statSync(log.file).size).toBeGreaterThan(2 * 64 * 1024);
    expect(await log.verify()).toMatchObject({ ok: true, entries: 3, anchor: { seq: 3, hash: third.hash } });
  });

  it('two processes writing at once (a cron job and a person) still make one unbroken chain', async () => {
    const mod = await bundleForChild('state-audit', { 'src/state/audit.ts': ['AuditLog'], 'src/state/state-dir.ts': ['StateDir'] });
    const script = `
      const { AuditLog, StateDir } = await import(${JSON.stringify(mod)});
      const log = new AuditLog(new StateDir(${JSON.stringify(state.path)}));
      for (let i = 0; i < 40; i++) await log.append({ command: 'w' + process.pid, exitCode: 0 });`;
    state.ensure();
    const runOne = () =>
      new Promise<number | null>((resolve) => spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: 'inherit' }).on('exit', resolve));
    expect(await Promise.all([runOne(), runOne()])).toEqual([0, 0]);
    expect(await new AuditLog(state).verify()).toMatchObject({ ok: true, entries: 80, unanchored: 0 });
  }, 30_000);
});

describe('suppression list', () => {
  it('answers for an added identity with its first date, and not for others', async () => {
    const list = new SuppressionList(state);
    expect(list.lookup(ANN)).toBeNull();
    expect(await list.add([ANN], new Date('2026-01-01T00:00:00Z'))).toBe(1);
    expect(await list.add([ANN], new Date('2026-02-01T00:00:00Z'))).toBe(0);
    expect(list.lookup(ANN)).toBe('2026-01-01T00:00:00.000Z');
    expect(list.lookup({ type: 'email', value: 'joann@example.org' })).toBeNull();
    expect(fs.readFileSync(list.file, 'utf8')).not.toContain('ann@');
  });

  it('after a line torn by a crash, the next entries are still read (the torn one starts no line of theirs)', async () => {
    const list = new SuppressionList(state);
    await list.add([ANN]);
    const whole = fs.readFileSync(list.file, 'utf8');
    fs.writeFileSync(list.file, whole.slice(0, 30)); // ann's entry cut mid-write
    expect(list.lookup(ANN)).toBeNull();
    expect(await list.add([ANN, { type: 'github', value: 'ann-example' }])).toBe(2);
    expect(list.lookup(ANN)).not.toBeNull();
    expect(list.lookup({ type: 'github', value: 'ann-example' })).not.toBeNull();
  });

  it('hashes with a per-state-directory salt: another state directory does not recognise the hash', () => {
    const other = new StateDir(path.join(dir, 'other'));
    expect(other.hashIdentity(ANN)).not.toBe(state.hashIdentity(ANN));
    expect(fs.statSync(path.join(state.path, 'salt')).mode & 0o777).toBe(0o600);
  });
});

describe('the lock on the state files', () => {
  const LONG_AGO = new Date(Date.now() - 60_000);

  it('a lock left behind by a crash (an empty lock file, a lock directory) does not stop later runs', async () => {
    state.ensure();
    const log = new AuditLog(state);
    fs.writeFileSync(`${log.file}.lock`, ''); // no pid in it: the crash came before it was written
    fs.utimesSync(`${log.file}.lock`, LONG_AGO, LONG_AGO);
    const list = new SuppressionList(state);
    fs.mkdirSync(`${list.file}.lock`);
    fs.utimesSync(`${list.file}.lock`, LONG_AGO, LONG_AGO);

    await expect(log.append({ command: 'after-a-crash', exitCode: 0 })).resolves.toMatchObject({ seq: 1 });
    await expect(log.append({ command: 'and-again', exitCode: 0 })).resolves.toMatchObject({ seq: 2 });
    await expect(list.add([ANN])).resolves.toBe(1);
    expect(fs.existsSync(`${log.file}.lock`)).toBe(false);
    expect(fs.existsSync(`${list.file}.lock`)).toBe(false);
  });

  it('a lock whose holder was killed (kill -9) is taken over', async () => {
    state.ensure();
    const log = new AuditLog(state);
    const mod = await bundleForChild('state-lock', { 'src/state/lock.ts': ['withLock'] });
    const script = `
      const { withLock } = await import(${JSON.stringify(mod)});
      await withLock(${JSON.stringify(`${log.file}.lock`)}, () => { process.stdout.write('held'); return new Promise(() => setInterval(() => {}, 1000)); });`;
    const holder = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve) => holder.stdout.once('data', () => resolve()));
    expect(fs.existsSync(`${log.file}.lock`)).toBe(true);
    const gone = new Promise((resolve) => holder.on('exit', resolve));
    holder.kill('SIGKILL');
    await gone;
    expect(fs.existsSync(`${log.file}.lock`)).toBe(true); // left behind

    await expect(log.append({ command: 'after-the-kill', exitCode: 0 })).resolves.toMatchObject({ seq: 1 });
    expect(fs.existsSync(`${log.file}.lock`)).toBe(false);
  }, 30_000);
});
