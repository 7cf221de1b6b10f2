// What an erasure leaves in the state directory: a stored receipt and an audit trail that name
// nobody, and a suppression list that recognises the person afterwards.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ANN, cleanupWorkspaces, makeWorkspace, run, runJson } from './helpers.js';

let ws: string;
beforeEach(() => {
  ws = makeWorkspace();
});
afterEach(cleanupWorkspaces);

describe('state after erase --apply', () => {
  it('prints the receipt with identities, stores it with hashes only, and suppresses the person', () => {
    expect(run(ws, ['suppressed', '--email', ANN]).stdout).toBe(`no email:${ANN}\n`);
    const r = runJson(ws, ['--json', 'erase', '--email', ANN, '--apply', '--yes']);
    expect(r.code).toBe(0);
    expect(r.json.subject.identities.map((i: { value: string }) => i.value)).toContain(ANN);

    const receipts = readdirSync(join(ws, '.privacyctl', 'receipts'));
    expect(receipts).toHaveLength(1);
    const stored = readFileSync(join(ws, '.privacyctl', 'receipts', receipts[0]!), 'utf8');
    expect(JSON.parse(stored).summary.erased).toBe(3);
    expect(stored).not.toContain('ann@example.org');

    const yes = runJson(ws, ['--json', 'suppressed', '--email', 'Ann@Example.org', '--email', 'joann@example.org']);
    expect(yes.json.results.map((x: { suppressed: boolean }) => x.suppressed)).toEqual([true, false]);
    expect(yes.json.results[0].since).toMatch(/^\d{4}-\d{2}-\d{2}T/);
  });

  it('keeps an audit trail that verifies, names nobody, and catches tampering', () => {
    run(ws, ['find', '--email', ANN]);
    run(ws, ['erase', '--email', ANN, '--apply', '--yes']);
    run(ws, ['export', '--email', 'not-an-address']); // a usage error: no config read, no entry
    const ok = runJson(ws, ['--json', 'audit', 'verify']);
    expect(ok.code).toBe(0);
    expect(ok.json).toMatchObject({ ok: true, entries: 2 });
    const file = join(ws, '.privacyctl', 'audit.ndjson');
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain('ann@');
    expect(text.split('\n')[1]).toContain('"command":"erase"');

    writeFileSync(file, text.replace('"command":"find"', '"command":"export"'));
    const broken = run(ws, ['audit', 'verify']);
    expect(broken.code).toBe(1);
    expect(broken.stdout).toContain('BROKEN at line 1');
  });
});
