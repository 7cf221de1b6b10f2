// `privacyctl batch`, end to end: validation before anything runs, one status line per request,
// and each request's export exactly what a run for that person alone gives.
import { afterEach, describe, expect, it } from '@jest/globals';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BatchLine, ErasePlanResult, ExportDocument, RequestResult } from '../../src/cli/results.js';
import {
  ANN,
  ANSI,
  BOOTH,
  CSV_FILES,
  cleanupWorkspaces,
  cliCommand,
  expectSameFiles,
  makeWorkspace,
  read,
  run,
  runJson,
  runPty,
  runShell,
  snapshot,
} from './helpers.js';

afterEach(cleanupWorkspaces);

const BO = 'bo@lanternfish.example';
const ZOE = 'zoë.lindqvist@example.net';

function statusLines(stdout: string): BatchLine[] {
  return stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as BatchLine);
}

const key = (r: unknown) => JSON.stringify(r);

describe('batch over the whole demo', () => {
  it('gives each person exactly the records a run for them alone gives', () => {
    const ws = makeWorkspace({ sources: 'all' });
    writeFileSync(join(ws, 'reqs.csv'), `type,email,github,request_id\naccess,${ANN},,r-ann\nportability,${ZOE},,r-zoe\naccess,,botr,r-bo\n`);
    const r = run(ws, ['batch', 'reqs.csv', '-o', 'out/'], { timeout: 120_000 });
    expect(r.stderr).toContain('3 requests (csv)');
    expect(r.code).toBe(0);
    const lines = statusLines(r.stdout);
    expect(lines.map((l) => [l.request_id, l.subject_request_type, l.request_status, l.outcome])).toEqual([
      ['r-ann', 'access', 'completed', 'ok'],
      ['r-zoe', 'portability', 'completed', 'ok'],
      ['r-bo', 'access', 'completed', 'ok'],
    ]);
    const alone: Array<[string, string[]]> = [
      ['r-ann', ['--email', ANN]],
      ['r-zoe', ['--email', ZOE]],
      ['r-bo', ['--github', 'botr']],
    ];
    for (const [id, subject] of alone) {
      const single = runJson<ExportDocument>(ws, ['export', ...subject, '-q'], { timeout: 120_000 }).json;
      const batched = JSON.parse(readFileSync(join(ws, 'out', id, 'export.json'), 'utf8'));
      expect(single.records.length).toBeGreaterThan(0);
      expect(batched.records.map(key).sort()).toEqual(single.records.map(key).sort());
      expect(batched.subject.identities.map((i: { type: string; value: string }) => `${i.type}:${i.value}`).sort()).toEqual(
        single.subject.identities.map((i: { type: string; value: string }) => `${i.type}:${i.value}`).sort(),
      );
      expect(batched.request.id).toBe(id);
      expect(lines.find((l) => l.request_id === id)!.records).toBe(single.records.length);
      expect(existsSync(join(ws, 'out', id, 'report.html'))).toBe(true);
    }
    // no status line names anybody
    expect(r.stdout).not.toMatch(/@|botr/);
  }, 240_000);
});

describe('batch: validation first', () => {
  it('lists every invalid request by line, runs none, writes nothing, exits 2', () => {
    const ws = makeWorkspace();
    writeFileSync(join(ws, 'reqs.csv'), `type,email,github,request_id\naccess,${ANN},,a\nforget,${BO},,b\naccess,ann(at)example.org,,c\n`);
    const before = snapshot(ws);
    const r = run(ws, ['batch', 'reqs.csv', '-o', 'out/']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('line 3 (b): request type must be access, portability or erasure');
    expect(r.stderr).toContain('line 4 (c): an email is not a valid address');
    expect(r.stderr).toContain('2 of 3 requests are invalid; none was run');
    expect(r.stderr).not.toContain('ann(at)');
    expect(existsSync(join(ws, 'out'))).toBe(false);
    expectSameFiles(ws, before);
  });

  it("the README's pipeline: the ledger's open requests, through jq, into batch", () => {
    const ws = makeWorkspace();
    const access = runJson<RequestResult>(ws, ['--json', 'requests', 'add', '--type', 'access', '--email', ANN]).json.id;
    const erasure = runJson<RequestResult>(ws, ['--json', 'requests', 'add', '--type', 'erasure', '--github', 'botr']).json.id;
    const r = runShell(
      ws,
      `${cliCommand(['requests', 'list', '--json'])} | jq -c '.requests[] | {request_id: .id}' | ${cliCommand(['batch', '-', '-o', 'replies/'])}`,
    );
    expect(r.code).toBe(0);
    const lines = statusLines(r.stdout);
    expect(lines.map((l) => [l.request_id, l.subject_request_type, l.outcome])).toEqual([
      [access, 'access', 'ok'],
      [erasure, 'erasure', 'planned'],
    ]);
    expect(readdirSync(join(ws, 'replies')).sort()).toEqual([access, erasure].sort());
    expect(readdirSync(join(ws, 'replies', erasure))).toEqual(['plan.json']);
    expect((JSON.parse(readFileSync(join(ws, 'replies', erasure, 'plan.json'), 'utf8')) as ErasePlanResult).subject.identities.map((i) => i.value)).toContain(
      'botr',
    );
  });

  it('--skip-invalid runs the valid ones and reports the others as cancelled', () => {
    const ws = makeWorkspace();
    const r = run(ws, ['batch', '-', '--skip-invalid', '-o', 'out/'], {
      input: `{"type":"access","email":"${ANN}","request_id":"ok"}\n{"type":"access","email":"nobody"}\n`,
    });
    expect(r.code).toBe(3); // partial: a request was cancelled
    const lines = statusLines(r.stdout);
    expect(lines).toContainEqual(
      expect.objectContaining({ line: 2, request_status: 'cancelled', outcome: 'invalid', reason: 'an email is not a valid address' }),
    );
    expect(lines).toContainEqual(expect.objectContaining({ line: 1, request_id: 'ok', outcome: 'ok', records: 3 }));
    expect(readdirSync(join(ws, 'out'))).toEqual(['ok']);
  });

  it('refuses what could not work before reading any source', () => {
    const ws = makeWorkspace();
    writeFileSync(join(ws, 'reqs.csv'), `type,email\naccess,${ANN}\n`);
    const cases: Array<[string[], string]> = [
      [['batch', 'reqs.csv'], 'need somewhere to put their exports'],
      [['batch', 'reqs.csv', '-o', 'out/', '--apply'], '--apply needs --yes'],
      [['batch', 'reqs.csv', '-o', 'out/', '--yes'], '--yes only makes sense with --apply'],
      [['batch', 'missing.csv', '-o', 'out/'], 'cannot read missing.csv (no such file)'],
      [['batch', '-', '-o', 'out/'], 'the batch holds no request'],
    ];
    for (const [args, message] of cases) {
      const r = run(ws, args);
      expect({ args, code: r.code, stdout: r.stdout }).toEqual({ args, code: 2, stdout: '' });
      expect(r.stderr).toContain(message);
      expect(r.stderr.trim().split('\n')[0]).toMatch(/^error: /);
    }
    expect(existsSync(join(ws, 'out'))).toBe(false);
  });
});

describe('batch on a terminal', () => {
  it('status lines stay plain JSON on stdout; progress, with colour, goes to the terminal on stderr', () => {
    const ws = makeWorkspace();
    writeFileSync(join(ws, 'reqs.csv'), `type,email\naccess,${ANN}\nerasure,${BO}\n`);
    const r = runPty(ws, ['batch', 'reqs.csv', '-o', 'out/'], { cols: 100, redirect: '>status.ndjson' });
    expect(r.flooded || r.timedOut).toBe(false);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(ANSI); // the terminal saw only stderr
    expect(r.stdout).toContain('2 requests (csv)');
    const lines = statusLines(readFileSync(join(ws, 'status.ndjson'), 'utf8'));
    expect(lines.map((l) => [l.line, l.outcome])).toEqual([
      [2, 'ok'],
      [3, 'planned'],
    ]);
    expect(readFileSync(join(ws, 'status.ndjson'), 'utf8')).not.toMatch(ANSI);
  });
});

describe('batch and the request ledger', () => {
  it('a request id that names a ledger request takes its dates and records the run on it', () => {
    const ws = makeWorkspace();
    const id = run(ws, ['requests', 'add', '--type', 'access', '--email', ANN, '--received', '2026-11-02', '-q']).stdout.split('\t')[0]!;
    expect(id).toMatch(/^R-/);
    const ledger = runJson<RequestResult>(ws, ['--json', 'requests', 'show', id]).json;
    // the pipeline the README shows: the open requests of the ledger, as NDJSON, into batch
    const ndjson = `${JSON.stringify({ type: 'access', email: [ANN], request_id: id })}\n${JSON.stringify({ type: 'access', email: BO, request_id: 'external-7' })}\n`;
    const r = run(ws, ['batch', '-', '-o', 'out/'], { input: ndjson });
    expect(r.code).toBe(0);
    const doc = JSON.parse(readFileSync(join(ws, 'out', id, 'export.json'), 'utf8'));
    expect(doc.request).toEqual({ id, type: 'access', received: ledger.received, deadline: ledger.due });
    expect(JSON.parse(readFileSync(join(ws, 'out', 'external-7', 'export.json'), 'utf8')).request.id).toBe('external-7');
    const after = runJson<RequestResult>(ws, ['--json', 'requests', 'show', id]).json;
    expect(after.runs).toEqual([expect.objectContaining({ command: 'batch', exitCode: 0 })]);
    expect(after.status).toBe('in-progress');
  });
});

describe('batch: erasure', () => {
  it('plans without --apply and erases with --apply --yes, leaving each other row as it was', () => {
    const ws = makeWorkspace();
    const reqs = JSON.stringify([
      {
        subject_request_id: 'e-ann',
        subject_request_type: 'erasure',
        subject_identities: [{ identity_type: 'email', identity_value: ANN, identity_format: 'raw' }],
      },
      {
        subject_request_id: 'a-bo',
        subject_request_type: 'access',
        subject_identities: [{ identity_type: 'email', identity_value: BO, identity_format: 'raw' }],
      },
    ]);
    writeFileSync(join(ws, 'reqs.json'), reqs);
    const before = snapshot(ws);
    const dry = run(ws, ['batch', 'reqs.json', '-o', 'out/']);
    expect(dry.code).toBe(0);
    const planned = statusLines(dry.stdout).find((l) => l.request_id === 'e-ann')!;
    expect(planned).toMatchObject({ request_status: 'pending', outcome: 'planned', erase: 3 });
    const plan = JSON.parse(readFileSync(join(ws, 'out', 'e-ann', 'plan.json'), 'utf8'));
    expect(plan.planId).toBe(planned.plan_id);
    for (const f of CSV_FILES) expect(read(ws, f).equals(before.get(f)!)).toBe(true);

    const boRowsBefore = read(ws, BOOTH)
      .toString('utf8')
      .split('\n')
      .filter((l) => l.includes(BO));
    const applied = run(ws, ['batch', 'reqs.json', '-o', 'out/', '--apply', '--yes']);
    expect(applied.code).toBe(0);
    const done = statusLines(applied.stdout).find((l) => l.request_id === 'e-ann')!;
    expect(done).toMatchObject({ request_status: 'completed', outcome: 'ok', receipt: { erased: 3, failed: 0 } });
    const receipt = JSON.parse(readFileSync(join(ws, 'out', 'e-ann', 'receipt.json'), 'utf8'));
    expect(receipt.subject.identities.map((i: { value: string }) => i.value)).toContain(ANN);
    // ann is gone from every CSV; bo's rows are untouched; she is on the suppression list
    // (ann@example.org.invalid is another person, and stays)
    for (const f of CSV_FILES) expect(read(ws, f).toString('utf8').toLowerCase()).not.toMatch(/(^|[,;\s])ann@example\.org([,;\s]|$)/m);
    expect(
      read(ws, BOOTH)
        .toString('utf8')
        .split('\n')
        .filter((l) => l.includes(BO)),
    ).toEqual(boRowsBefore);
    expect(run(ws, ['suppressed', '--email', ANN]).stdout).toMatch(/^yes /);
    expect(run(ws, ['suppressed', '--email', BO]).stdout).toMatch(/^no /);
    const verify = run(ws, ['verify', '--email', ANN]);
    expect(verify.code).toBe(0);
  });

  it('exits 3 when a source fails for a request, and says which', () => {
    const ws = makeWorkspace();
    rmSync(join(ws, BOOTH));
    const r = run(ws, ['batch', '-', '-o', 'out/'], { input: `type,email\naccess,${ANN}\n` });
    expect(r.code).toBe(3);
    expect(statusLines(r.stdout)[0]).toMatchObject({ outcome: 'partial', sources_failed: ['booth-registrations'], exit_code: 3 });
  });
});
