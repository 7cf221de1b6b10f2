// The mbox scan on worker threads (used for large archives) gives exactly what the scan on the
// main thread gives: the same records, in the same order, for one subject and for a batch.
import { afterEach, describe, expect, it } from '@jest/globals';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ANN, cleanupWorkspaces, makeWorkspace, run, runJson } from './helpers.js';

afterEach(cleanupWorkspaces);

const ZOE = 'zoë.lindqvist@example.net';

describe('mbox scan workers', () => {
  it('export and batch give the same records with a scan worker as without', () => {
    const ws = makeWorkspace({ sources: 'all' });
    const only = ['dev-list'];
    const records = (workers: string, email: string) =>
      runJson(ws, ['export', '--email', email, '--no-expand', '-q', '-f', 'json'], {
        env: { PRIVACYCTL_MBOX_WORKERS: workers },
        timeout: 60_000,
      }).json.records.filter((r: { source: string }) => only.includes(r.source));
    // the built CLI finds its scan worker (a missing one would silently scan on the main thread)
    const stats = (workers: string) =>
      runJson(ws, ['--json', 'find', '--email', ANN, '--no-expand', '-q'], { env: { PRIVACYCTL_MBOX_WORKERS: workers }, timeout: 60_000 }).json.sources.find(
        (s: { name: string }) => s.name === 'dev-list',
      ).stats;
    expect(stats('1')).toMatchObject({ workers: 1 });
    expect(stats('0').workers).toBeUndefined();
    for (const email of [ANN, ZOE]) {
      const main = records('0', email);
      expect(main.length).toBeGreaterThan(0);
      expect(records('1', email)).toEqual(main);
    }
    writeFileSync(join(ws, 'reqs.csv'), `type,email,request_id\naccess,${ANN},a\naccess,${ZOE},z\n`);
    const exports = (workers: string, dir: string) => {
      const r = run(ws, ['batch', 'reqs.csv', '-o', `${dir}/`, '--no-expand', '-q'], { env: { PRIVACYCTL_MBOX_WORKERS: workers }, timeout: 60_000 });
      expect(r.code).toBe(0);
      return ['a', 'z'].map((id) =>
        JSON.parse(readFileSync(join(ws, dir, id, 'export.json'), 'utf8')).records.filter((x: { source: string }) => only.includes(x.source)),
      );
    };
    const [a0, z0] = exports('0', 'w0');
    expect(a0.length).toBeGreaterThan(0);
    expect(exports('1', 'w1')).toEqual([a0, z0]);
  }, 120_000);
});
