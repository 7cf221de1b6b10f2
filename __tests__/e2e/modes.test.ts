// File modes through the built CLI: whatever the tool keeps under its state directory, and every
// export, is its owner's only (files 0600, directories 0700) whatever the caller's umask — also in
// a state directory that existed as 0755, and for a 0644 ledger.db (an earlier version's) that a
// cron job holds open with its -wal and -shm. What it writes into the project's own data keeps the
// mode that data should have.
import { afterAll, describe, expect, test } from '@jest/globals';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import Database from 'better-sqlite3';
import { ANN, SURVEY, cleanupWorkspaces, cliCommand, makeWorkspace, modeOf, runShell, type RunResult } from './helpers.js';

afterAll(cleanupWorkspaces);

/** The CLI as started from a shell whose umask is 022 (files 0644, directories 0755 by default). */
function cli(cwd: string, args: string[]): RunResult {
  return runShell(cwd, `umask 022; exec ${cliCommand(args)}`, { timeout: 60_000 });
}

/**
 * `MODE path` of every entry under `root` (itself included) that is not private: directories
 * must be 0700, files 0600 — or 0400, the read-only objects git makes in its clones.
 */
function looseModes(root: string): string[] {
  const loose: string[] = [];
  const visit = (p: string) => {
    const st = statSync(p);
    const mode = st.mode & 0o777;
    const ok = st.isDirectory() ? mode === 0o700 : mode === 0o600 || (mode === 0o400 && /\/objects\//.test(p));
    if (!ok) loose.push(`${mode.toString(8)} ${relative(root, p) || '.'}`);
    if (st.isDirectory()) for (const name of readdirSync(p)) visit(join(p, name));
  };
  visit(root);
  return loose;
}

/** A demo run: a request, its erasure (while `ledger` reads the ledger), an export bundle. */
function demoRun(ws: string, out: string): void {
  const add = cli(ws, ['--json', 'requests', 'add', '--type', 'erasure', '--email', ANN]);
  expect(add.code).toBe(0);
  const id = JSON.parse(add.stdout).id as string;
  // A second connection (a cron job's) keeps the ledger's -wal and -shm in place after the CLI exits.
  const ledger = new Database(join(ws, '.privacyctl', 'ledger.db'));
  try {
    ledger.prepare('SELECT count(*) FROM requests').get();
    expect(cli(ws, ['erase', '--request', id, '--apply', '--yes']).code).toBe(0);
    expect(cli(ws, ['export', '--email', ANN, '-o', `${out}/`]).code).toBe(0);
    const state = join(ws, '.privacyctl');
    for (const f of ['ledger.db-wal', 'ledger.db-shm', 'sql/accounts.db', 'receipts', 'journal', 'salt'])
      expect(`${f}: ${existsSync(join(state, f))}`).toBe(`${f}: true`);
    expect(readdirSync(join(state, 'cache', 'git')).filter((d) => d.endsWith('.git'))).toHaveLength(1);
    expect(looseModes(state)).toEqual([]);
  } finally {
    ledger.close();
  }
}

describe('modes of what the tool keeps', () => {
  test('a fresh state directory and an export bundle: every file 0600, every directory 0700, under umask 022', () => {
    const ws = makeWorkspace({ sources: 'all' });
    demoRun(ws, join(ws, 'reply'));
    expect(looseModes(join(ws, 'reply'))).toEqual([]);
  });

  test("an earlier version's state: a 0755 directory, a 0644 ledger held open with its -wal and -shm; an export into a 0755 directory", () => {
    const ws = makeWorkspace({ sources: 'all' });
    const state = join(ws, '.privacyctl');
    expect(cli(ws, ['requests', 'add', '--type', 'access', '--github', 'botr']).code).toBe(0);
    const ledger = join(state, 'ledger.db');
    chmodSync(state, 0o755);
    chmodSync(ledger, 0o644);
    const cron = new Database(ledger);
    try {
      cron.prepare('SELECT count(*) FROM requests').get();
      for (const f of [`${ledger}-wal`, `${ledger}-shm`]) chmodSync(f, 0o644);
      const reply = join(ws, 'replies');
      mkdirSync(reply);
      chmodSync(reply, 0o755);
      demoRun(ws, reply);
      expect(modeOf(reply)).toBe(0o755); // the caller's own directory keeps its mode
      expect(looseModes(reply).filter((l) => l !== '755 .')).toEqual([]);
    } finally {
      cron.close();
    }
  });
});

describe("modes of what the tool writes into the project's data", () => {
  test('a new config and a new gitdm forbidden-hashes file are 0644; a rewritten CSV keeps its mode', () => {
    const ws = makeWorkspace({ sources: 'all' });
    expect(cli(ws, ['-c', 'new.yaml', 'init']).code).toBe(0);
    expect(modeOf(join(ws, 'new.yaml'))).toBe(0o644);

    const config = join(ws, 'privacyctl.yaml');
    const yaml = readFileSync(config, 'utf8');
    const gitdm = yaml.replace(/(kind: gitdm[\s\S]*?)erase: remove-lines/, '$1erase: forbidden-hashes\n    forbiddenDir: fixtures/demo/gitdm');
    expect(gitdm).not.toBe(yaml);
    writeFileSync(config, gitdm);
    chmodSync(join(ws, SURVEY), 0o664);
    const survey = readFileSync(join(ws, SURVEY));
    expect(cli(ws, ['erase', '--email', ANN, '--apply', '--yes']).code).toBe(0);
    expect(modeOf(join(ws, 'fixtures/demo/gitdm/forbidden-sha1.csv'))).toBe(0o644);
    expect(modeOf(join(ws, 'fixtures/demo/gitdm/forbidden-sha256.csv'))).toBe(0o644);
    expect(readFileSync(join(ws, SURVEY)).equals(survey)).toBe(false);
    expect(modeOf(join(ws, SURVEY))).toBe(0o664);
  });
});
