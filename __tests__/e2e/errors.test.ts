// Exit codes and error messages (the README's table): 2 for usage/config errors with nothing
// written, 3 for a partial result that says which source failed, 1 when nothing usable came out.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { existsSync, statSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ErasePlanResult, ExportDocument } from '../../src/cli/results.js';
import { ANN, ANSI, BOOTH, CONTEST, SURVEY, cleanupWorkspaces, listFiles, makeWorkspace, replaced, run, runJson, type RunResult } from './helpers.js';

let ws: string;
beforeEach(() => {
  ws = makeWorkspace();
});
afterEach(cleanupWorkspaces);

const config = () => readFileSync(join(ws, 'privacyctl.yaml'));
const writeConfig = (text: Buffer | string) => writeFileSync(join(ws, 'privacyctl.yaml'), text);

/** A usage/config error: exit 2, a short message on stderr, no stack trace, nothing on stdout. */
function expectUsageError(r: RunResult): void {
  expect(r.code).toBe(2);
  expect(r.stdout).toBe('');
  expect(r.stderr).toMatch(/\S/);
  expect(r.stderr).not.toMatch(/^\s+at .+\(?.+:\d+:\d+\)?$/m); // no stack frames
  expect(r.stderr).not.toMatch(/node:internal|dist\/|\.js:\d+/);
  expect(r.stderr).not.toMatch(ANSI);
  // what failed and why, then the fix: one or two lines (progress lines may come before it)
  const at = r.stderr.indexOf('error:');
  expect(at).toBeGreaterThanOrEqual(0);
  expect(r.stderr.slice(at).trim().split('\n').length).toBeLessThanOrEqual(3);
}

describe('exit 2: usage errors', () => {
  it('an invalid email: one short message that does not echo the bad value', () => {
    const bad = 'ann-at-example.org';
    const r = run(ws, ['export', '--email', bad]);
    expectUsageError(r);
    expect(r.stderr).toMatch(/email/i);
    expect(r.stderr).not.toContain(bad);
  });

  it('an invalid email among valid ones fails the whole command, and writes nothing', () => {
    const r = run(ws, ['export', '--email', ANN, '--email', 'ann@@example.org', '-o', 'x.json']);
    expectUsageError(r);
    expect(existsSync(join(ws, 'x.json'))).toBe(false);
  });

  it.each([
    ['--github', 'bad--handle!'],
    ['--include-identity', 'email:not-an-address'],
  ])('an invalid %s value: exit 2, the value not echoed', (flag, bad) => {
    const r = run(ws, ['find', flag, bad]);
    expectUsageError(r);
    expect(r.stderr).toContain(flag);
    expect(r.stderr).not.toContain(bad);
  });

  it('-o into directories that do not exist yet: they are made (0700), the file 0600', () => {
    const r = run(ws, ['export', '--email', ANN, '-o', 'no/such/dir/x.json']);
    expect(r.code).toBe(0);
    expect(statSync(join(ws, 'no/such/dir')).mode & 0o777).toBe(0o700);
    expect(statSync(join(ws, 'no/such/dir/x.json')).mode & 0o777).toBe(0o600);
  });

  it('-o under a path that is a file, or a usage error before any source is read: exit 2, nothing written', () => {
    writeFileSync(join(ws, 'plain'), '');
    expectUsageError(run(ws, ['export', '--email', ANN, '-o', 'plain/x.json']));
    expectUsageError(run(ws, ['export', '--email', 'not-an-address', '-o', 'later/x.json']));
    expect(existsSync(join(ws, 'later'))).toBe(false);
  });

  it('a flag that would be ignored is refused: --format with a bundle, --json with a CSV on stdout', () => {
    const bundle = run(ws, ['export', '--email', ANN, '--format', 'html', '-o', 'bundle/']);
    expectUsageError(bundle);
    expect(bundle.stderr).toMatch(/writes a bundle of every format; --format html would be ignored/);
    expect(existsSync(join(ws, 'bundle'))).toBe(false);
    const csv = run(ws, ['--json', 'export', '--email', ANN, '--format', 'csv']);
    expect(csv.code).toBe(2);
    expect(JSON.parse(csv.stdout)).toEqual({ error: { message: expect.stringMatching(/--json prints JSON/), hint: expect.any(String), exitCode: 2 } });
  });

  it('--json: an error is also one JSON object on stdout, for the script that reads it', () => {
    const r = run(ws, ['--json', 'find', '--email', 'not-an-address']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout)).toEqual({
      error: { message: '--email: not a valid email address', hint: expect.stringMatching(/give one whole address/), exitCode: 2 },
    });
    expect(r.stderr).toMatch(/^error: --email: not a valid email address/m);
    const unknown = run(ws, ['--json', 'find', '--no-such-flag']);
    expect(unknown.code).toBe(2);
    expect(JSON.parse(unknown.stdout).error).toMatchObject({ message: expect.stringMatching(/unknown option '--no-such-flag'/), exitCode: 2 });
    const config = run(ws, ['--json', '-c', 'nope.yaml', 'find', '--email', ANN]);
    expect(JSON.parse(config.stdout).error).toMatchObject({ message: expect.stringMatching(/nope\.yaml: no such config file/), exitCode: 2 });
  });

  it('--debug adds the stack trace', () => {
    const r = run(ws, ['--debug', 'export', '--email', 'not-an-address']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^\s+at .+:\d+:\d+\)?$/m);
  });

  it('no subject', () => {
    const r = run(ws, ['export']);
    expectUsageError(r);
    expect(r.stderr).toMatch(/--email|subject/i);
  });

  it('an unknown option', () => {
    const r = run(ws, ['export', '--email', ANN, '--frobnicate']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('--frobnicate');
    expect(r.stderr).not.toMatch(/^\s+at /m);
  });

  it('an unknown command', () => {
    const r = run(ws, ['exprot', '--email', ANN]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
  });

  it('an unknown --format', () => {
    const r = run(ws, ['export', '--email', ANN, '--format', 'xml']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
  });
});

describe('exit 2: configuration errors (nothing written)', () => {
  it('a missing config file (-c nope.yaml)', () => {
    const r = run(ws, ['-c', 'nope.yaml', 'export', '--email', ANN]);
    expectUsageError(r);
    expect(r.stderr).toContain('nope.yaml');
  });

  it('a config file that is not YAML', () => {
    writeConfig('sources: [ { name: survey, kind: csv\n  path: "unterminated\n');
    const r = run(ws, ['export', '--email', ANN]);
    expectUsageError(r);
    expect(r.stderr).toContain('privacyctl.yaml');
    expect(r.stderr).toMatch(/yaml/i);
  });

  it('a config failing the schema names the path inside the file', () => {
    writeConfig(replaced(config(), '    path: fixtures/demo/surveys/contributor-survey-2024.csv\n', ''));
    const r = run(ws, ['export', '--email', ANN, '-o', 'x.json']);
    expectUsageError(r);
    expect(r.stderr).toContain('privacyctl.yaml');
    expect(r.stderr).toContain('sources[0].path');
    expect(existsSync(join(ws, 'x.json'))).toBe(false);
  });

  it('a config with a wrongly typed value names its path', () => {
    writeConfig(replaced(config(), '  contact: privacy@lanternfish.example\n', '  contact: privacy@lanternfish.example\n  responseDays: soon\n'));
    const r = run(ws, ['export', '--email', ANN]);
    expectUsageError(r);
    expect(r.stderr).toContain('controller.responseDays');
  });

  it('an unknown source kind', () => {
    writeConfig(replaced(config(), 'kind: csv', 'kind: spreadsheet'));
    const r = run(ws, ['export', '--email', ANN]);
    expectUsageError(r);
    expect(r.stderr).toContain('spreadsheet');
    expect(r.stderr).toContain('sources[0]');
  });

  it('a mapped column missing from the file header names file and column, and writes nothing', () => {
    writeConfig(replaced(config(), 'match: { email: [E-Mail] }', 'match: { email: [Email-Adresse] }'));
    const before = listFiles(ws);
    const r = run(ws, ['export', '--email', ANN, '-o', 'x.json']);
    expectUsageError(r);
    expect(r.stderr).toContain('booth-registrations-2024.csv');
    expect(r.stderr).toContain('Email-Adresse');
    expect(existsSync(join(ws, 'x.json'))).toBe(false);
    expect(listFiles(ws)).toEqual(before);
  });

  it('PRIVACYCTL_CONFIG names the config file', () => {
    const r = run(ws, ['sources'], { env: { PRIVACYCTL_CONFIG: 'missing.yaml' } });
    expectUsageError(r);
    expect(r.stderr).toContain('missing.yaml');
  });
});

describe('exit 3: some sources failed', () => {
  function expectPartial(r: RunResult & { json: ExportDocument }, failed: string): void {
    expect(r.code).toBe(3);
    const doc = r.json;
    expect(doc.format).toBe('privacyctl/export@1');
    const f = doc.sources.find((s) => s.name === failed);
    expect(f).toBeDefined();
    expect(f!.status).toBe('failed');
    expect(f!.reason).toEqual(expect.any(String));
    expect(f!.reason!.length).toBeGreaterThan(0);
    for (const s of doc.sources.filter((x) => x.name !== failed)) expect(s.status).toBe('ok');
    // the other sources' records are still there
    const others = doc.records.filter((x) => x.source !== failed);
    expect(others).toHaveLength(2);
    expect(doc.records.filter((x) => x.source === failed)).toHaveLength(0);
    expect(doc.summary.sourcesFailed).toEqual([failed]);
    expect(r.stderr).toContain(failed);
  }

  it('a missing CSV file', () => {
    rmSync(join(ws, BOOTH));
    const r = runJson<ExportDocument>(ws, ['export', '--email', ANN]);
    expectPartial(r, 'booth-registrations');
    expect(r.json.sources.find((s) => s.name === 'booth-registrations')!.reason).toContain('booth-registrations-2024.csv');
  });

  it("a CSV malformed part-way (a stray quote in another person's row)", () => {
    const survey = readFileSync(join(ws, SURVEY));
    const broken = replaced(survey, '2024-03-03T16:40:00Z', '2024-03-02T11:00:00Z,eve@example.net,Eve "the" Broken,eve-b,,,x,\r\n2024-03-03T16:40:00Z');
    writeFileSync(join(ws, SURVEY), broken);
    const r = runJson<ExportDocument>(ws, ['export', '--email', ANN]);
    expectPartial(r, 'survey-2024');
    expect(r.json.sources.find((s) => s.name === 'survey-2024')!.reason).toMatch(/line \d+/);
    expect(r.stdout).not.toContain('Eve');
  });

  it('a CSV malformed part-way (an unclosed quote)', () => {
    const booth = readFileSync(join(ws, BOOTH));
    writeFileSync(join(ws, BOOTH), replaced(booth, 'Bo;Tanaka-Reyes', 'Eve;Broken;eve@example.net;"Unclosed Corp;M;;2024-10-03\nBo;Tanaka-Reyes'));
    const r = runJson<ExportDocument>(ws, ['export', '--email', ANN]);
    expectPartial(r, 'booth-registrations');
  });

  it('a partial erase plan says which source failed, and erases nothing there', () => {
    rmSync(join(ws, CONTEST));
    const r = runJson<ErasePlanResult>(ws, ['--json', 'erase', '--email', ANN]);
    expect(r.code).toBe(3);
    expect(r.json.sources.find((s) => s.name === 'logo-contest')!.status).toBe('failed');
    expect(r.json.steps.every((s) => s.source !== 'logo-contest')).toBe(true);
  });
});

describe('exit 1: nothing usable', () => {
  it('every source failing', () => {
    for (const f of [SURVEY, BOOTH, CONTEST]) rmSync(join(ws, f));
    const r = run(ws, ['export', '--email', ANN]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('survey-2024');
    expect(r.stderr).not.toMatch(/^\s+at /m);
  });
});
