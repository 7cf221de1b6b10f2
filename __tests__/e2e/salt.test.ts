// The salt that keeps the state directory's hashes from naming anyone: never empty, never
// partial, never two of them. A damaged one (an old version left a 0-byte salt on a full disk)
// is refused with a way to repair it; a full disk leaves no salt at all; concurrent first runs
// end up with one salt, and every hash they wrote is made with it.
import { afterEach, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { ANN, BIN, childEnv, cleanupWorkspaces, expectSameFiles, makeWorkspace, run, shellQuote, snapshot, spawnCli } from './helpers.js';

afterEach(cleanupWorkspaces);

const STATE = '.privacyctl';
const HEX_SALT = /^[0-9a-f]{64}\n$/;

const hmac = (key: Buffer | string, identity: string) => createHmac('sha256', key).update(identity).digest('hex');

/** Every hash the state directory holds: suppression list, stored receipts, audit trail, ledger. */
function writtenHashes(ws: string): Array<{ where: string; type?: string; hash: string }> {
  const st = join(ws, STATE);
  const out: Array<{ where: string; type?: string; hash: string }> = [];
  const lines = (f: string) => (existsSync(join(st, f)) ? readFileSync(join(st, f), 'utf8').split('\n').filter(Boolean) : []);
  for (const l of lines('suppression.ndjson')) {
    const e = JSON.parse(l);
    out.push({ where: 'suppression', type: e.type, hash: e.hash });
  }
  for (const l of lines('audit.ndjson')) for (const hash of JSON.parse(l).subjects ?? []) out.push({ where: 'audit', hash });
  const receipts = join(st, 'receipts');
  for (const f of existsSync(receipts) ? readdirSync(receipts) : []) {
    for (const h of JSON.parse(readFileSync(join(receipts, f), 'utf8')).subject.identityHashes) out.push({ where: `receipt ${f}`, type: h.type, hash: h.hash });
  }
  if (existsSync(join(st, 'ledger.db'))) {
    const db = new Database(join(st, 'ledger.db'), { readonly: true });
    try {
      for (const r of db.prepare('SELECT identity_hashes FROM requests').all() as Array<{ identity_hashes: string }>) {
        for (const h of JSON.parse(r.identity_hashes)) out.push({ where: 'ledger', type: h.type, hash: h.hash });
      }
    } finally {
      db.close();
    }
  }
  return out;
}

describe('a damaged salt left by an old version', () => {
  const damaged: Array<[string, string]> = [
    ['empty (0 bytes)', ''],
    ['short (16 bytes)', `${'0123456789abcdef'.repeat(2)}\n`],
    ['not hex', `${'z'.repeat(64)}\n`],
  ];
  const commands = [
    ['erase', '--email', ANN, '--apply', '--yes'],
    ['suppressed', '--email', ANN],
    ['requests', 'add', '--type', 'erasure', '--email', ANN],
    ['find', '--email', ANN],
    ['export', '--email', ANN, '-o', 'ann.json'],
  ];
  it.each(damaged)('%s: every command that hashes exits 1 with the repair hint, changes nothing and writes no hash', (_, salt) => {
    const ws = makeWorkspace();
    mkdirSync(join(ws, STATE), { mode: 0o700 });
    writeFileSync(join(ws, STATE, 'salt'), salt, { mode: 0o600 });
    const before = snapshot(ws);
    for (const args of commands) {
      const r = run(ws, args);
      expect({ args, code: r.code }).toEqual({ args, code: 1 });
      expect(r.stderr).toMatch(/state secret .*salt is damaged \(\d+ bytes where 64 hex digits are expected\)/);
      expect(r.stderr).toMatch(/hint: .*delete .*salt and re-run; otherwise restore it from a backup/);
      expect(r.stdout).toBe('');
    }
    expectSameFiles(ws, before); // nothing erased, no export written
    expect(readFileSync(join(ws, STATE, 'salt'), 'utf8')).toBe(salt); // not replaced behind the user's back
    expect(writtenHashes(ws)).toEqual([]);
    expect(existsSync(join(ws, STATE, 'receipts'))).toBe(false);
    expect(existsSync(join(ws, STATE, 'ledger.db'))).toBe(false);
  });

  it('once the empty salt is deleted (the hint), the next run makes a good one', () => {
    const ws = makeWorkspace();
    mkdirSync(join(ws, STATE), { mode: 0o700 });
    writeFileSync(join(ws, STATE, 'salt'), '');
    expect(run(ws, ['suppressed', '--email', ANN]).code).toBe(1);
    spawnSync('rm', [join(ws, STATE, 'salt')]);
    const r = run(ws, ['erase', '--email', ANN, '--apply', '--yes']);
    expect(r.code).toBe(0);
    const salt = readFileSync(join(ws, STATE, 'salt'), 'utf8');
    expect(salt).toMatch(HEX_SALT);
    const sup = writtenHashes(ws).filter((h) => h.where === 'suppression');
    expect(sup).toContainEqual({ where: 'suppression', type: 'email', hash: hmac(Buffer.from(salt.trim(), 'hex'), `email:${ANN}`) });
  });
});

/** Can this machine give a command a tmpfs of its own (user and mount namespaces)? */
function mountProbe(): string | undefined {
  const dir = makeWorkspace({ withFixtures: false });
  const r = spawnSync('unshare', ['-rm', 'sh', '-c', 'mount -t tmpfs -o size=64k tmpfs "$0"', dir], { encoding: 'utf8' });
  if (r.error) return `unshare is not available (${r.error.message})`;
  if (r.status !== 0) return `unshare/mount is not permitted here: ${r.stderr.trim()}`;
  return undefined;
}
const noMount = mountProbe();
if (noMount) process.stdout.write(`salt.test: skipping the full-disk test: ${noMount}\n`);

describe('the state directory on a full disk', () => {
  (noMount ? it.skip : it)(
    'the first run fails with a clear error and leaves no salt; a later run with space makes a good one',
    () => {
      const ws = makeWorkspace();
      const state = join(ws, STATE);
      const out = join(makeWorkspace({ withFixtures: false }), 'out');
      mkdirSync(state, { mode: 0o700 });
      mkdirSync(join(out, 'state'), { recursive: true });
      const cli = (args: string[]) => [process.execPath, BIN, ...args].map(shellQuote).join(' ');
      // In a mount namespace of its own: the state directory is a small tmpfs, filled to the last
      // block; one run there, then the filler removed and a run with space. What each left is
      // copied out before the namespace (and its tmpfs) goes.
      const script = [
        'set -u',
        `S=${shellQuote(state)}; O=${shellQuote(out)}`,
        'mount -t tmpfs -o size=256k,mode=0700 tmpfs "$S" || exit 97',
        'dd if=/dev/zero of="$S/fill" bs=4096 2>/dev/null',
        'find fixtures -type f | sort | xargs sha256sum >"$O/before.sums"',
        `${cli(['suppressed', '--email', ANN])} >"$O/run1.out" 2>"$O/run1.err"; echo $? >"$O/run1.code"`,
        'ls -A "$S" >"$O/run1.ls"',
        `${cli(['erase', '--email', ANN, '--apply', '--yes'])} >"$O/run2.out" 2>"$O/run2.err"; echo $? >"$O/run2.code"`,
        'find fixtures -type f | sort | xargs sha256sum >"$O/run2.sums"',
        'rm "$S/fill"',
        `${cli(['erase', '--email', ANN, '--apply', '--yes'])} >"$O/run3.out" 2>"$O/run3.err"; echo $? >"$O/run3.code"`,
        'cp -a "$S/." "$O/state/"',
      ].join('\n');
      const r = spawnSync('unshare', ['-rm', 'sh', '-c', script], { cwd: ws, env: childEnv(), encoding: 'utf8', timeout: 120_000 });
      expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
      const o = (f: string) => readFileSync(join(out, f), 'utf8');

      // the full disk: a clear error and a hint, and no salt of any size left behind
      expect(o('run1.code').trim()).toBe('1');
      expect(o('run1.err')).toMatch(/cannot create the state secret salt in .* \(ENOSPC\); nothing was done/);
      expect(o('run1.err')).toMatch(/hint: free space on that disk and re-run/);
      expect(o('run1.out')).toBe('');
      expect(o('run1.ls').split('\n').filter(Boolean)).toEqual(['fill']); // no salt, no temp, no stuck lock
      // an erasure on the full disk erases nothing
      expect(o('run2.code').trim()).toBe('1');
      expect(o('run2.err')).toMatch(/ENOSPC/);
      expect(o('run2.sums')).toBe(o('before.sums'));

      // with space: a good salt, and the erasure's hashes made with it
      expect({ code: o('run3.code').trim(), err: o('run3.err') }).toEqual({ code: '0', err: expect.not.stringMatching(/audit trail|error:/) });
      const salt = readFileSync(join(out, 'state', 'salt'), 'utf8');
      expect(salt).toMatch(HEX_SALT);
      const key = Buffer.from(salt.trim(), 'hex');
      const sup = readFileSync(join(out, 'state', 'suppression.ndjson'), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l));
      expect(sup.map((e) => e.hash)).toContain(hmac(key, `email:${ANN}`));
      expect(sup.map((e) => e.hash)).not.toContain(hmac('', `email:${ANN}`));
    },
    180_000,
  );
});

describe('concurrent first runs', () => {
  it('3 at once, 15 times: one 64-hex-digit salt, and every hash any of them wrote is made with it (never with an empty key)', async () => {
    const tries = 15;
    const mismatches: string[] = [];
    for (let t = 0; t < tries; t++) {
      const ws = makeWorkspace();
      // three first runs that each write hashes: an erasure, an erasure of someone with no data
      // (a receipt and suppression entries, no data rewritten), and a ledger request
      const runs: Array<{ args: string[]; ids: string[] }> = [
        { args: ['--json', 'erase', '--email', ANN, '--apply', '--yes'], ids: [] },
        { args: ['--json', 'erase', '--email', 'nobody@example.net', '--apply', '--yes'], ids: [] },
        { args: ['requests', 'add', '--type', 'access', '--email', 'carol@example.com'], ids: ['email:carol@example.com'] },
      ];
      const results = await Promise.all(
        runs.map(
          (r) =>
            new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
              const child = spawnCli(ws, r.args);
              let stdout = '';
              let stderr = '';
              child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
              child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
              child.on('close', (code) => resolve({ code, stdout, stderr }));
            }),
        ),
      );
      results.forEach((res, i) => {
        if (res.code !== 0) mismatches.push(`try ${t}: ${runs[i]!.args.join(' ')} exited ${res.code}: ${res.stderr.slice(-300)}`);
      });
      // the identities each erasure used, as it printed them
      for (const i of [0, 1]) {
        if (results[i]!.code === 0)
          runs[i]!.ids = JSON.parse(results[i]!.stdout).subject.identities.map((x: { type: string; value: string }) => `${x.type}:${x.value}`);
      }
      const salt = readFileSync(join(ws, STATE, 'salt'), 'utf8');
      if (!HEX_SALT.test(salt)) mismatches.push(`try ${t}: salt ${JSON.stringify(salt)}`);
      const key = Buffer.from(salt.trim(), 'hex');
      const good = new Map(runs.flatMap((r) => r.ids).map((id) => [hmac(key, id), id]));
      const empty = new Set(runs.flatMap((r) => r.ids).map((id) => hmac('', id)));
      for (const h of writtenHashes(ws)) {
        if (empty.has(h.hash)) mismatches.push(`try ${t}: ${h.where} holds a hash made with an empty key`);
        else if (!good.has(h.hash) || (h.type && !good.get(h.hash)!.startsWith(`${h.type}:`)))
          mismatches.push(`try ${t}: ${h.where} holds a hash made with another salt`);
      }
      // each erased identity suppressed once: two salts would have listed it twice
      const sup = writtenHashes(ws).filter((h) => h.where === 'suppression');
      if (sup.length !== runs[0]!.ids.length + runs[1]!.ids.length) mismatches.push(`try ${t}: ${sup.length} suppression entries`);
      const leftovers = readdirSync(join(ws, STATE)).filter((n) => n.startsWith('salt.'));
      if (leftovers.length > 0) mismatches.push(`try ${t}: left ${leftovers.join(', ')}`);
      cleanupWorkspaces();
    }
    process.stdout.write(`salt: ${tries} tries of 3 concurrent first runs, ${mismatches.length} mismatches\n`);
    expect(mismatches).toEqual([]);
  }, 300_000);
});
