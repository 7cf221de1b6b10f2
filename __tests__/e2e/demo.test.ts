// The whole demo (every source kind in privacyctl.yaml) end to end: the README's first command,
// then an erasure and its verification. GitHub is not searched without a token (as offline); the
// demo marks it optional, so the run still succeeds.
import { afterEach, describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EraseReceiptResult, ExportDocument, VerifyResult } from '../../src/cli/results.js';
import { ANN, cleanupWorkspaces, makeWorkspace, runJson } from './helpers.js';

afterEach(cleanupWorkspaces);

describe('the full demo', () => {
  it('exports Ann from every source kind, skips GitHub without a token, and never shows Joann', () => {
    const ws = makeWorkspace({ sources: 'all' });
    const r = runJson<ExportDocument>(ws, ['export', '--email', ANN], { env: { PRIVACYCTL_DEMO_GITHUB_TOKEN: undefined, GITHUB_TOKEN: undefined } });
    expect(r.code).toBe(0);
    const byKind = Object.fromEntries(r.json.sources.map((s: { kind: string; status: string }) => [s.kind, s.status]));
    expect(byKind).toEqual({ csv: 'ok', github: 'skipped', git: 'ok', gitdm: 'ok', mbox: 'ok', 'slack-export': 'ok', sql: 'ok', analytics: 'ok' });
    const gh = r.json.sources.find((s: { kind: string }) => s.kind === 'github');
    expect(gh!.reason).toMatch(/no token/);
    const kinds = new Set(r.json.records.map((x: { source: string }) => r.json.sources.find((s: { name: string }) => s.name === x.source)!.kind));
    expect([...kinds].sort()).toEqual(['analytics', 'csv', 'git', 'gitdm', 'mbox', 'slack-export', 'sql']);
    expect(JSON.stringify(r.json.records)).not.toMatch(/joann/i);
    // contribution records are kept, with the design's reason
    const commits = r.json.records.filter((x: { type: string }) => x.type === 'commit');
    expect(commits.length).toBeGreaterThan(0);
    for (const c of commits) expect(c.retention!.reason).toMatch(/proof of contribution/);
  }, 60_000);

  it('erase --apply, then verify names the manual steps still outstanding (exit 5); a second erase does nothing', () => {
    const ws = makeWorkspace({ sources: 'all' });
    const erase = runJson<EraseReceiptResult>(ws, ['--json', 'erase', '--email', ANN, '--apply', '--yes'], { timeout: 60_000 });
    expect(erase.code).toBe(0);
    expect(erase.json.summary.failed).toBe(0);
    expect(erase.json.summary.erased).toBeGreaterThan(3);
    // Nothing erasable is left, but the people files (reached through the GitHub handle that
    // only the erased accounts row linked) still name her: not clean.
    const verify = runJson<VerifyResult>(ws, ['--json', 'verify', '--email', ANN], { timeout: 60_000 });
    expect(verify.code).toBe(5);
    expect(verify.json.status).toBe('manual-steps-outstanding');
    expect(verify.json.remaining).toEqual([]);
    expect(verify.json.identities.map((i: { type: string; value: string }) => `${i.type}:${i.value}`)).toContain('github:ann-example');
    expect(verify.json.outstanding.map((r: { locator: string }) => r.locator)).toContain('lanternfish:.github/CODEOWNERS:2');
    const again = runJson<EraseReceiptResult>(ws, ['--json', 'erase', '--email', ANN, '--apply', '--yes'], { timeout: 60_000 });
    expect(again.code).toBe(0);
    expect(again.json.erased.filter((e: { when: string }) => e.when === 'now')).toEqual([]);

    // The stored receipts, journals, audit trail and suppression list name nobody: not Ann's
    // address, handle, Slack id or GA client id, in any spelling.
    const identities = erase.json.subject.identities.map((i: { value: string }) => i.value.replace(/^ga\d+\.\d+\./, ''));
    expect(identities.length).toBeGreaterThanOrEqual(4);
    const state = join(ws, '.privacyctl');
    const files = ['audit.ndjson', 'suppression.ndjson', ...['receipts', 'journal'].flatMap((d) => readdirSync(join(state, d)).map((f) => join(d, f)))];
    for (const f of files) {
      const text = readFileSync(join(state, f), 'utf8').toLowerCase();
      for (const id of identities) expect({ file: f, leaks: text.includes(id.toLowerCase()) }).toEqual({ file: f, leaks: false });
    }
  }, 120_000);
});
