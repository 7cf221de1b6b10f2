// verify after an erasure checks every identity the erasure used — also those that only an
// erased record linked (the demo's accounts row links ann@example.org to the GitHub handle
// ann-example, which CODEOWNERS still names) — and never says "clean" while a manual step is
// still visible in a source.
import { afterEach, describe, expect, it } from '@jest/globals';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { FindResult, RequestResult, VerifyResult } from '../../src/cli/results.js';
import { ANN, cleanupWorkspaces, makeWorkspace, run, runJson } from './helpers.js';

afterEach(cleanupWorkspaces);

const idsOf = (json: { identities: Array<{ type: string; value: string }> }): string[] =>
  json.identities.map((i: { type: string; value: string }) => `${i.type}:${i.value}`);
const CODEOWNERS = 'lanternfish:.github/CODEOWNERS:2';

describe('verify after erasing a person whose handle only an erased row linked', () => {
  it('by default: the handle is recovered through the stored receipt, and the people files are outstanding (exit 5)', () => {
    const ws = makeWorkspace({ sources: 'all' });
    expect(run(ws, ['erase', '--email', ANN, '--apply', '--yes'], { timeout: 60_000 }).code).toBe(0);
    // a fresh discovery from the address alone no longer finds the handle …
    const find = runJson<FindResult>(ws, ['--json', 'find', '--email', ANN], { timeout: 60_000 });
    expect(idsOf(find.json)).not.toContain('github:ann-example');
    // … but verify checks it
    const v = runJson<VerifyResult>(ws, ['--json', 'verify', '--email', ANN], { timeout: 60_000 });
    expect(v.code).toBe(5);
    expect(v.json.status).toBe('manual-steps-outstanding');
    expect(idsOf(v.json)).toContain('github:ann-example');
    expect(v.json.erasures).toHaveLength(1);
    expect(v.json.outstanding.map((r: { locator: string }) => r.locator)).toContain(CODEOWNERS);
    // what no listable source holds any more is said, not passed over
    expect(v.json.unrecovered).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'ga-client-id' })]));
    const text = run(ws, ['verify', '--email', ANN], { timeout: 60_000 });
    expect(text.stdout).toMatch(/^verify: manual-steps-outstanding$/m);
    expect(text.stdout).toMatch(/manual step outstanding: lanternfish-repo people-file-entry lanternfish:\.github\/CODEOWNERS:2: .*remove "@ann-example"/);
    expect(text.stdout).toMatch(/not checked: 1 ga-client-id identity of the erasure/);
  }, 120_000);

  it('--request: the identities the erasure used are kept with the request, also without stored receipts', () => {
    const ws = makeWorkspace({ sources: 'all' });
    const req = runJson<RequestResult>(ws, ['--json', 'requests', 'add', '--type', 'erasure', '--email', ANN]);
    expect(req.code).toBe(0);
    expect(run(ws, ['erase', '--request', req.json.id, '--apply', '--yes'], { timeout: 60_000 }).code).toBe(0);
    rmSync(join(ws, '.privacyctl', 'receipts'), { recursive: true });
    const v = runJson<VerifyResult>(ws, ['--json', 'verify', '--request', req.json.id], { timeout: 60_000 });
    expect(v.code).toBe(5);
    expect(idsOf(v.json)).toEqual(expect.arrayContaining([`email:${ANN}`, 'github:ann-example', 'slack-id:u01ann']));
    expect(v.json.outstanding.map((r: { locator: string }) => r.locator)).toContain(CODEOWNERS);
  }, 120_000);

  it('--from-plan: every identity of the reviewed plan is checked', () => {
    const ws = makeWorkspace({ sources: 'all' });
    expect(run(ws, ['erase', '--email', ANN, '--plan-out', 'plan.json'], { timeout: 60_000 }).code).toBe(0);
    expect(run(ws, ['erase', '--from-plan', 'plan.json', '--apply', '--yes'], { timeout: 60_000 }).code).toBe(0);
    rmSync(join(ws, '.privacyctl', 'receipts'), { recursive: true });
    const v = runJson<VerifyResult>(ws, ['--json', 'verify', '--from-plan', 'plan.json'], { timeout: 60_000 });
    expect(v.code).toBe(5);
    expect(idsOf(v.json)).toEqual(expect.arrayContaining([`email:${ANN}`, 'github:ann-example', 'ga-client-id:ga1.2.1111111111.1700000001']));
    expect(v.json.outstanding.map((r: { locator: string }) => r.locator)).toContain(CODEOWNERS);
  }, 120_000);

  it('another person is checked with their own identities only: nothing of the erased person is added', () => {
    const ws = makeWorkspace({ sources: 'all' });
    expect(run(ws, ['erase', '--email', ANN, '--apply', '--yes'], { timeout: 60_000 }).code).toBe(0);
    const v = runJson<VerifyResult>(ws, ['--json', 'verify', '--email', 'joann@example.org'], { timeout: 60_000 });
    expect(v.json.erasures).toEqual([]);
    expect(idsOf(v.json).join(' ')).not.toMatch(/ann-example|u01ann|1111111111/);
  }, 120_000);
});
