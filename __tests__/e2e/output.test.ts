// Output rules (the README's Output section): data on stdout, humans on stderr; colour and spinners only
// for a person at a terminal; --quiet and --json; a closed pipe ends quietly.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ANN, ANSI, BOOTH, cleanupWorkspaces, cliCommand, makeWorkspace, run, runPty, runShell } from './helpers.js';

let ws: string;
beforeEach(() => {
  ws = makeWorkspace();
});
afterEach(cleanupWorkspaces);

describe('no TTY (pipes)', () => {
  it.each([
    ['export', ['export', '--email', ANN]],
    ['export --format csv', ['export', '--email', ANN, '--format', 'csv']],
    ['find', ['find', '--email', ANN]],
    ['erase (plan)', ['erase', '--email', ANN]],
    ['verify', ['verify', '--email', ANN]],
    ['sources --check', ['sources', '--check']],
    ['an error', ['export', '--email', 'not-an-address']],
    ['an unknown option', ['find', '--bogus']],
    ['--help', ['--help']],
  ])('%s: no ANSI escape on stdout or stderr', (_name, args) => {
    const r = run(ws, args);
    expect(r.stdout).not.toMatch(ANSI);
    expect(r.stderr).not.toMatch(ANSI);
  });

  it('--quiet leaves stderr empty on success', () => {
    for (const args of [
      ['--quiet', 'export', '--email', ANN],
      ['-q', 'find', '--email', ANN],
      ['--quiet', 'export', '--email', ANN, '-o', 'out.json'],
    ]) {
      const r = run(ws, args);
      expect(r.code).toBe(0);
      expect(r.stderr).toBe('');
    }
  });

  it('--quiet still shows errors', () => {
    const r = run(ws, ['--quiet', 'export', '--email', 'not-an-address']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/error/i);
  });
});

describe('on a terminal (pty via script)', () => {
  it('NO_COLOR=1: no ANSI escapes at all', () => {
    const r = runPty(ws, ['find', '--email', ANN], { env: { NO_COLOR: '1' } });
    expect(r.flooded || r.timedOut).toBe(false);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('survey-2024');
    expect(r.stdout).not.toMatch(ANSI);
  });

  it.each([
    ['CI=true', { CI: 'true' }, []],
    ['TERM=dumb', { TERM: 'dumb' }, []],
    ['--no-color', {}, ['--no-color']],
  ])('%s: no ANSI escapes', (_name, env, flags) => {
    const r = runPty(ws, [...(flags as string[]), 'find', '--email', ANN], { env: env, cols: 100 });
    expect(r.flooded || r.timedOut).toBe(false);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('survey-2024');
    expect(r.stdout).not.toMatch(ANSI);
  });

  it('without NO_COLOR and CI: colour / spinner codes appear on stderr', () => {
    // stdout goes to a file, so everything the pty shows is stderr
    const r = runPty(ws, ['find', '--email', ANN], { cols: 100, redirect: '>find.out' });
    expect(r.flooded || r.timedOut).toBe(false);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(ANSI);
    expect(r.stdout).toContain('survey-2024');
    // stdout was not a terminal: plain text
    const data = readFileSync(join(ws, 'find.out'), 'utf8');
    expect(data).toContain('survey-2024');
    expect(data).not.toMatch(ANSI);
  });

  it('NO_COLOR set but empty counts as unset: colour appears', () => {
    const r = runPty(ws, ['find', '--email', ANN], { env: { NO_COLOR: '' }, cols: 100, redirect: '>find.out' });
    expect(r.flooded || r.timedOut).toBe(false);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(ANSI);
  });

  it('a terminal that reports no size (0 columns) does not hang or flood it', () => {
    // `script` without a controlling terminal gives the child a 0x0 pty (so do some CI runners)
    const r = runPty(ws, ['find', '--email', ANN], { timeout: 10_000, maxBytes: 1024 * 1024 });
    expect(r.flooded).toBe(false);
    expect(r.timedOut).toBe(false);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('3 records');
  }, 15_000);

  it('--json on stdout is parseable even when stdout is a terminal', () => {
    const r = runPty(ws, ['--json', 'find', '--email', ANN], { cols: 100, redirect: '2>find.err' });
    expect(r.flooded || r.timedOut).toBe(false);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout.replace(/\r\n/g, '\n'));
    expect(doc.summary.records).toBe(3);
    expect(readFileSync(join(ws, 'find.err'), 'utf8')).not.toMatch(ANSI);
  });

  it('--json with stderr on a terminal: no spinner or colour, stdout parseable', () => {
    const r = runPty(ws, ['--json', 'export', '--email', ANN], { cols: 100, redirect: '>export.json' });
    expect(r.flooded || r.timedOut).toBe(false);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(ANSI);
    const doc = JSON.parse(readFileSync(join(ws, 'export.json'), 'utf8'));
    expect(doc.format).toBe('privacyctl/export@1');
  });

  it('--quiet on a terminal: no progress, no spinner', () => {
    const r = runPty(ws, ['--quiet', 'export', '--email', ANN], { cols: 100, redirect: '>export.json' });
    expect(r.flooded || r.timedOut).toBe(false);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe('');
  });
});

describe('a closed pipe ends quietly', () => {
  it('--help | head -c 5, for the program and a command (help is written before any command runs)', () => {
    for (const args of [['--help'], ['batch', '--help'], ['replay', '--help']]) {
      // help is written in several pieces: head is gone before the later ones
      const r = runShell(ws, `set -o pipefail; ${cliCommand(args)} | head -c 5`);
      expect({ args, code: r.code }).toEqual({ args, code: 0 });
      expect(r.stderr).not.toMatch(/EPIPE|Error|at /);
    }
  });

  it('export --format ndjson | head -c 10', () => {
    const r = runShell(ws, `set -o pipefail; ${cliCommand(['export', '--email', ANN, '--format', 'ndjson'])} | head -c 10`);
    expect(r.code).toBe(0);
    expect(r.stdout).toHaveLength(10);
    expect(r.stderr).not.toMatch(/EPIPE|Error|at /);
  });

  it('a large export (more than a pipe buffer) | head -c 10', () => {
    // 4000 rows for ann: the ndjson is megabytes, so the writer really meets the closed pipe
    const rows: string[] = [];
    for (let i = 0; i < 4000; i++) rows.push(`Ann;Example;ann@example.org;Lanternfish Labs;M;;2024-10-${String((i % 28) + 1).padStart(2, '0')}T${i}\n`);
    writeFileSync(join(ws, BOOTH), readFileSync(join(ws, BOOTH), 'utf8') + rows.join(''));
    for (const format of ['ndjson', 'json', 'csv']) {
      const r = runShell(ws, `set -o pipefail; ${cliCommand(['export', '--email', ANN, '--format', format])} | head -c 10`);
      expect(r.stderr).not.toMatch(/EPIPE|Error|\n\s+at /);
      expect(r.code).toBe(0);
      expect(r.stdout).toHaveLength(10);
    }
  });
});
