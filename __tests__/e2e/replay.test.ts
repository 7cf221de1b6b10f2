// `privacyctl replay`: a backup restore brings an erased person back; replay recognises them by
// the salted hashes in the stored receipts, reports it, and with --apply --yes erases them again.
import { afterEach, describe, expect, it } from '@jest/globals';
import { cpSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { ReplayLine } from '../../src/cli/results.js';
import { ANN, CSV_FILES, cleanupWorkspaces, expectSameFiles, makeWorkspace, read, run, snapshot } from './helpers.js';

afterEach(cleanupWorkspaces);

function lines(stdout: string): ReplayLine[] {
  return stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as ReplayLine);
}

/** Copy the data (fixtures and the demo database) aside, as a nightly backup would. */
function backup(ws: string): string {
  const dir = join(ws, '..', `${ws.split('/').pop()}-backup`);
  cpSync(join(ws, 'fixtures'), join(dir, 'fixtures'), { recursive: true });
  cpSync(join(ws, '.privacyctl', 'sql'), join(dir, 'sql'), { recursive: true });
  return dir;
}

function restore(ws: string, dir: string): void {
  rmSync(join(ws, 'fixtures'), { recursive: true, force: true });
  rmSync(join(ws, '.privacyctl', 'sql'), { recursive: true, force: true });
  cpSync(join(dir, 'fixtures'), join(ws, 'fixtures'), { recursive: true });
  cpSync(join(dir, 'sql'), join(ws, '.privacyctl', 'sql'), { recursive: true });
  rmSync(dir, { recursive: true, force: true });
}

describe('replay after a backup restore', () => {
  it('finds the erased person the restore brought back, and erases them again only with --apply --yes', () => {
    const ws = makeWorkspace({ sources: 'all' });
    expect(run(ws, ['find', '--email', ANN, '-q'], { timeout: 60_000 }).code).toBe(0); // builds the demo database
    const saved = backup(ws);
    const erased = run(ws, ['erase', '--email', ANN, '--apply', '--yes', '-q'], { timeout: 60_000 });
    expect(erased.code).toBe(0);
    const erasedCsv = CSV_FILES.map((f) => read(ws, f));

    // nothing restored yet: the person on record is clean (found only in retained contribution
    // records, such as commits, which hold nothing to erase)
    const clean = run(ws, ['replay'], { timeout: 60_000 });
    expect(clean.code).toBe(0);
    expect(lines(clean.stdout)).toEqual([expect.objectContaining({ status: 'clean', erase: 0 })]);

    restore(ws, saved);
    const before = snapshot(ws);
    const dry = run(ws, ['replay'], { timeout: 60_000 });
    expect(dry.code).toBe(5); // the restore brought erased data back: a cron job must act

    const [found] = lines(dry.stdout);
    expect(found).toMatchObject({ status: 'restored' });
    expect(found!.identities_found).toBeGreaterThan(0);
    expect(found!.erase).toBeGreaterThan(0);
    expect(dry.stderr).toContain('run with --apply --yes to erase it again');
    expectSameFiles(ws, before); // a dry run changes nothing
    // neither the output nor the audit trail names the person
    expect(dry.stdout).not.toContain('@');
    expect(readFileSync(join(ws, '.privacyctl', 'audit.ndjson'), 'utf8').toLowerCase()).not.toContain(ANN);

    const again = run(ws, ['replay', '--apply', '--yes'], { timeout: 60_000 });
    expect(again.code).toBe(0);
    expect(lines(again.stdout)).toEqual([
      expect.objectContaining({ subject: found!.subject, status: 're-erased', receipt: expect.objectContaining({ failed: 0 }) }),
    ]);
    // the CSV files are as the first erasure left them
    CSV_FILES.forEach((f, i) => expect(read(ws, f).equals(erasedCsv[i]!)).toBe(true));

    const after = run(ws, ['replay'], { timeout: 60_000 });
    expect(lines(after.stdout)).toEqual([expect.objectContaining({ subject: found!.subject, status: 'clean' })]);
    expect(lines(after.stdout)[0]!.erasures).toHaveLength(2);
  }, 180_000);

  it('with no erasure on record there is nothing to do', () => {
    const ws = makeWorkspace();
    const r = run(ws, ['replay']);
    expect(r).toMatchObject({ code: 0, stdout: '' });
    expect(r.stderr).toContain('nothing to replay');
  });

  it('--apply needs --yes', () => {
    const ws = makeWorkspace();
    const r = run(ws, ['replay', '--apply']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('replay --apply needs --yes');
  });
});
