// What an erasure leaves in the state directory: a stored receipt and an audit trail that name
// nobody, and a suppression list that recognises the person afterwards.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AuditVerifyResult, EraseReceiptResult, ExportDocument, RequestListResult, RequestResult, SuppressedResult } from '../../src/cli/results.js';
import { ANN, cleanupWorkspaces, makeWorkspace, run, runJson } from './helpers.js';

let ws: string;
beforeEach(() => {
  ws = makeWorkspace();
});
afterEach(cleanupWorkspaces);

describe('state after erase --apply', () => {
  it('prints the receipt with identities, stores it with hashes only, and suppresses the person', () => {
    expect(run(ws, ['suppressed', '--email', ANN])).toMatchObject({ code: 1, stdout: `no email:${ANN}\n` }); // as grep -q
    const r = runJson<EraseReceiptResult>(ws, ['--json', 'erase', '--email', ANN, '--apply', '--yes']);
    expect(r.code).toBe(0);
    expect(r.json.subject.identities.map((i: { value: string }) => i.value)).toContain(ANN);

    const receipts = readdirSync(join(ws, '.privacyctl', 'receipts'));
    expect(receipts).toHaveLength(1);
    const stored = readFileSync(join(ws, '.privacyctl', 'receipts', receipts[0]!), 'utf8');
    expect(JSON.parse(stored).summary.erased).toBe(3);
    expect(stored).not.toContain('ann@example.org');

    const yes = runJson<SuppressedResult>(ws, ['--json', 'suppressed', '--email', 'Ann@Example.org', '--email', 'joann@example.org']);
    expect(yes.json.results.map((x: { suppressed: boolean }) => x.suppressed)).toEqual([true, false]);
    expect(yes.code).toBe(0); // one of them is on the list
    expect(yes.json.results[0]!.since).toMatch(/^\d{4}-\d{2}-\d{2}T/);
  });

  it('keeps an audit trail that verifies, names nobody, and catches tampering', () => {
    run(ws, ['find', '--email', ANN]);
    run(ws, ['erase', '--email', ANN, '--apply', '--yes']);
    run(ws, ['export', '--email', 'not-an-address']); // a usage error: no config read, no entry
    const ok = runJson<AuditVerifyResult>(ws, ['--json', 'audit', 'verify']);
    expect(ok.code).toBe(0);
    expect(ok.json).toMatchObject({ ok: true, entries: 2 });
    const file = join(ws, '.privacyctl', 'audit.ndjson');
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain('ann@');
    expect(text.split('\n')[1]).toContain('"command":"erase"');

    writeFileSync(file, text.replace('"command":"find"', '"command":"export"'));
    const broken = run(ws, ['audit', 'verify']);
    expect(broken.code).toBe(1);
    expect(broken.stdout).toContain('line 1: does not match its keyed hash');
  });
});

describe('requests ledger from the command line', () => {
  it('add → export/erase --request record runs on it → list/show/extend/close', () => {
    const add = runJson<RequestResult>(ws, ['--json', 'requests', 'add', '--type', 'erasure', '--email', ANN]);
    expect(add.code).toBe(0);
    const id: string = add.json.id;
    expect(id).toMatch(/^R-\d{8}-1$/);
    const old = run(ws, ['requests', 'add', '--type', 'access', '--github', 'botr', '--received', '2020-01-01']);
    expect(old.stdout).toMatch(/^R-20200101-1\tdue 2020-02-01\n$/); // one calendar month

    const exp = runJson<ExportDocument>(ws, ['--json', 'export', '--request', id]);
    expect(exp.code).toBe(0);
    expect(exp.json.request.id).toBe(id);
    expect(exp.json.request.type).toBe('erasure');
    expect(exp.json.records).toHaveLength(3);
    expect(run(ws, ['erase', '--request', id, '--apply', '--yes']).code).toBe(0);

    const shown = runJson<RequestResult>(ws, ['--json', 'requests', 'show', id]);
    expect(shown.json.status).toBe('in-progress');
    expect(shown.json.runs.map((r: { command: string }) => r.command)).toEqual(['export', 'erase']);

    const overdue = runJson<RequestListResult>(ws, ['--json', 'requests', 'list', '--overdue']);
    expect(overdue.code).toBe(5); // something a cron job must act on
    expect(overdue.json.requests.map((r: { id: string }) => r.id)).toEqual(['R-20200101-1']);
    // too late to extend: the first month has ended
    const late = run(ws, ['requests', 'extend', 'R-20200101-1', '--months', '1', '--reason', 'x']);
    expect(late.code).toBe(2);
    expect(late.stderr).toMatch(/was due on 2020-02-01/);
    const ext = run(ws, ['requests', 'extend', id, '--months', '2', '--reason', 'the archives are large']);
    expect(ext.code).toBe(0);
    expect(ext.stdout).toMatch(
      new RegExp(
        `^${id}\tdue \\d{4}-\\d{2}-\\d{2}\n\nYour erasure request of .*\\(reference ${id}\\).*The reason: the archives are large\\. We will answer it by \\d{4}-\\d{2}-\\d{2} at the latest`,
      ),
    );
    expect(run(ws, ['requests', 'close', id]).stdout).toBe(`${id}\tdone\n`); // its erasure run completed
    expect(run(ws, ['requests', 'close', 'R-20200101-1']).code).toBe(0); // an access request: no erasure run needed
    const unerased = runJson<RequestResult>(ws, ['--json', 'requests', 'add', '--type', 'erasure', '--email', 'bo@lanternfish.example']).json.id;
    const refused = run(ws, ['requests', 'close', unerased]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/no erasure run for it completed/);
    expect(run(ws, ['requests', 'close', unerased, '--force']).code).toBe(0);
    expect(run(ws, ['requests', 'add', '--type', 'access', '--email', ANN, '--received', '2999-01-01']).code).toBe(2);
    expect(run(ws, ['requests', 'show', 'R-19990101-9']).code).toBe(2);
    expect(run(ws, ['export', '--request', 'R-19990101-9']).stderr).toContain('no request R-19990101-9');
  });
});
