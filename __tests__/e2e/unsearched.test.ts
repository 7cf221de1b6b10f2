// A source that was not searched — skipped for lack of a token, or failed — is named, with its
// reason, in every output (plan, receipt, export, HTML reply, find, verify, sources --check),
// and makes the run partial (exit 3) unless the config marks it optional. The exit code and the
// audit trail never depend on whether anybody read stdout.
import { afterEach, describe, expect, it } from '@jest/globals';
import { appendFileSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ErasePlanResult, EraseReceiptResult, ExportDocument } from '../../src/cli/results.js';
import { ANN, cleanupWorkspaces, cliCommand, makeWorkspace, run, runJson, runShell } from './helpers.js';

afterEach(cleanupWorkspaces);

const NO_TOKEN = { PRIVACYCTL_E2E_NO_SUCH_TOKEN: undefined };

/** The demo's CSV sources plus a GitHub organisation whose token is not set. */
function withUnsearchedGithub(extra = ''): string {
  const ws = makeWorkspace();
  appendFileSync(
    join(ws, 'privacyctl.yaml'),
    `\n  - name: org-github\n    kind: github\n    org: lanternfish\n    tokenEnv: PRIVACYCTL_E2E_NO_SUCH_TOKEN\n${extra}`,
  );
  return ws;
}

/** The demo's CSV sources plus one whose file is missing (it fails). */
function withFailingCsv(): string {
  const ws = makeWorkspace();
  appendFileSync(
    join(ws, 'privacyctl.yaml'),
    `\n  - name: lost-survey\n    kind: csv\n    path: fixtures/demo/surveys/moved-away.csv\n    match: { email: [Email] }\n`,
  );
  return ws;
}

const notSearchedLine = /\nNOT SEARCHED \(1\)\n {2}org-github: no token: set PRIVACYCTL_E2E_NO_SUCH_TOKEN/;

describe('a source skipped for lack of a token', () => {
  it('is named in the plan, the receipt (printed and stored) and the summary line, and the run exits 3', () => {
    const ws = withUnsearchedGithub();
    const plan = run(ws, ['erase', '--email', ANN], { env: NO_TOKEN });
    expect(plan.code).toBe(3);
    expect(plan.stdout).toMatch(notSearchedLine);
    expect(plan.stdout).toMatch(/3 to erase, 0 retained, 0 manual steps; 1 source not searched \(org-github\)/);
    const planJson = runJson<ErasePlanResult>(ws, ['--json', 'erase', '--email', ANN], { env: NO_TOKEN });
    expect(planJson.json.sources.find((s) => s.name === 'org-github')).toMatchObject({ status: 'skipped', skip: 'unavailable' });
    expect(planJson.json.summary.sourcesNotSearched).toEqual(['org-github']);

    const applied = run(ws, ['erase', '--email', ANN, '--apply', '--yes'], { env: NO_TOKEN });
    expect(applied.code).toBe(3);
    expect(applied.stdout).toMatch(notSearchedLine);
    expect(applied.stdout).toMatch(/3 erased, 0 retained, 0 manual, 0 failed; 1 source not searched \(org-github\)/);
    const [stored] = readdirSync(join(ws, '.privacyctl', 'receipts'));
    const receipt = JSON.parse(readFileSync(join(ws, '.privacyctl', 'receipts', stored!), 'utf8')) as EraseReceiptResult;
    expect(receipt.sources.find((s) => s.name === 'org-github')).toMatchObject({
      status: 'skipped',
      skip: 'unavailable',
      reason: expect.stringMatching(/no token/),
    });
    // not complete: the person is not on the suppression list until GitHub has been searched too
    expect(run(ws, ['suppressed', '--email', ANN]).stdout).toMatch(/^no email:/);
  });

  it('is named in the export and the HTML reply ("we could not search"), which never claims every source', () => {
    const ws = withUnsearchedGithub();
    const json = runJson<ExportDocument>(ws, ['export', '--email', ANN], { env: NO_TOKEN });
    expect(json.code).toBe(3);
    expect(json.json.summary.sourcesNotSearched).toEqual(['org-github']);
    const html = run(ws, ['export', '--email', ANN, '--format', 'html'], { env: NO_TOKEN });
    expect(html.code).toBe(3);
    expect(html.stdout).toMatch(/We searched 3 of the 4 sources/);
    expect(html.stdout).toMatch(/We could not search org-github at this time: this answer does not cover what it holds/);
    expect(html.stdout).toMatch(/we could not search this source at this time/);
    // the operator's reason (a token variable) is for the operator, not the person
    expect(html.stdout).not.toContain('PRIVACYCTL_E2E_NO_SUCH_TOKEN');
    expect(html.stdout).not.toMatch(/We searched 4 sources/);
  });

  it('is named by find, verify and sources --check, which do not call it ok', () => {
    const ws = withUnsearchedGithub();
    const find = run(ws, ['find', '--email', ANN], { env: NO_TOKEN });
    expect(find.code).toBe(3);
    expect(find.stdout).toMatch(/org-github +NOT SEARCHED: no token/);
    expect(find.stderr).toMatch(/– org-github: not searched: no token/);
    run(ws, ['erase', '--email', ANN, '--apply', '--yes'], { env: NO_TOKEN });
    const verify = run(ws, ['verify', '--email', ANN], { env: NO_TOKEN });
    expect(verify.code).toBe(3);
    expect(verify.stdout).toMatch(/^verify: incomplete$/m);
    expect(verify.stdout).toMatch(/not searched: org-github: no token/);
    const check = run(ws, ['sources', '--check'], { env: NO_TOKEN });
    expect(check.code).toBe(3);
    expect(check.stderr).toMatch(/– org-github: cannot be searched: no token/);
    expect(check.stderr).not.toMatch(/✔ org-github/);
  });

  it('marked optional: still named everywhere, and the run succeeds', () => {
    const ws = withUnsearchedGithub('    optional: true\n');
    const applied = run(ws, ['erase', '--email', ANN, '--apply', '--yes'], { env: NO_TOKEN });
    expect(applied.code).toBe(0);
    expect(applied.stdout).toMatch(/\nNOT SEARCHED \(1\)\n {2}org-github \(optional\): no token/);
    expect(run(ws, ['suppressed', '--email', ANN]).stdout).toMatch(/^yes email:/);
    const html = run(ws, ['export', '--email', ANN, '--format', 'html'], { env: NO_TOKEN });
    expect(html.code).toBe(0);
    expect(html.stdout).toMatch(/We could not search org-github/);
    expect(run(ws, ['verify', '--email', ANN], { env: NO_TOKEN }).code).toBe(0);
  });
});

describe('a source that failed', () => {
  it('is on the receipt, printed and stored, not only in the exit code', () => {
    const ws = withFailingCsv();
    const r = run(ws, ['erase', '--email', ANN, '--apply', '--yes']);
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/\nNOT SEARCHED \(1\)\n {2}lost-survey: failed: fixtures\/demo\/surveys\/moved-away\.csv: cannot read the file \(no such file\)/);
    expect(r.stdout).toMatch(/3 erased, 0 retained, 0 manual, 0 failed; 1 source not searched \(lost-survey\)/);
    const json = runJson<EraseReceiptResult>(withFailingCsv(), ['--json', 'erase', '--email', ANN, '--apply', '--yes']);
    expect(json.code).toBe(3);
    expect(json.json.sources.find((s) => s.name === 'lost-survey')).toMatchObject({ status: 'failed', reason: expect.stringMatching(/no such file/) });
  });
});

describe('a closed stdout', () => {
  it('erase --apply into a pipe nobody reads: the exit code is still 3, and the audit trail records the run', () => {
    const ws = withFailingCsv();
    // `true` exits without reading, so the receipt meets a closed pipe.
    const r = runShell(ws, `${cliCommand(['erase', '--email', ANN, '--apply', '--yes'])} | true; echo "exit=\${PIPESTATUS[0]}" >&2`);
    expect(r.stderr).toMatch(/exit=3/);
    expect(r.stderr).not.toMatch(/EPIPE|at /);
    const audit = readFileSync(join(ws, '.privacyctl', 'audit.ndjson'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(audit.at(-1)).toMatchObject({ command: 'erase', exitCode: 3 });
    // the erasure itself happened, and is on the stored receipt
    expect(readdirSync(join(ws, '.privacyctl', 'receipts'))).toHaveLength(1);
  });

  it("export into a closed pipe exits with the export's own code (3 here), quietly", () => {
    const ws = withFailingCsv();
    const r = runShell(ws, `${cliCommand(['export', '--email', ANN, '--format', 'ndjson'])} | true; echo "exit=\${PIPESTATUS[0]}" >&2`);
    expect(r.stderr).toMatch(/exit=3/);
    expect(r.stderr).not.toMatch(/EPIPE|at /);
  });
});
