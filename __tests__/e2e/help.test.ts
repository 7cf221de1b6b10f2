// What a person reads first: --help with examples and the global options, shell completion
// generated from the commands themselves, and --debug traces that name the TypeScript sources.
import { describe, expect, it } from '@jest/globals';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanupWorkspaces, makeWorkspace, run, runShell } from './helpers.js';

describe('help', () => {
  it('every command shows examples and the global options, without "(default: [])" noise', () => {
    const ws = makeWorkspace({ withFixtures: false });
    for (const cmd of ['sources', 'find', 'export', 'erase', 'verify', 'init', 'suppressed', 'requests', 'batch', 'replay', 'audit', 'completion']) {
      const r = run(ws, [cmd, '--help']);
      expect({ cmd, code: r.code }).toEqual({ cmd, code: 0 });
      expect({ cmd, examples: /\nExamples:\n {2}privacyctl /.test(r.stdout) }).toEqual({ cmd, examples: true });
      expect({ cmd, globals: r.stdout.includes('Global Options:') && r.stdout.includes('--json') }).toEqual({ cmd, globals: true });
      expect(r.stdout).not.toContain('(default: [])');
    }
    cleanupWorkspaces();
  });

  it('--debug: the stack trace names the TypeScript sources', () => {
    const r = run(makeWorkspace({ withFixtures: false }), ['--debug', 'find', '--email', 'not-an-address']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^\s+at \S+ \(.*src\/core\/subject\.ts:\d+:\d+\)$/m);
    cleanupWorkspaces();
  });
});

describe('completion', () => {
  it('bash: commands, subcommands and options complete from the program itself', () => {
    const ws = makeWorkspace({ withFixtures: false });
    const script = run(ws, ['completion', 'bash']);
    expect(script.code).toBe(0);
    writeFileSync(join(ws, 'c.bash'), script.stdout);
    const complete = (words: string[]) =>
      runShell(
        ws,
        `source c.bash; COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _privacyctl; echo "\${COMPREPLY[*]}"`,
      ).stdout.trim();
    expect(complete(['privacyctl', 've'])).toBe('verify');
    expect(complete(['privacyctl', 'requests', 'ex'])).toBe('extend');
    expect(complete(['privacyctl', 'erase', '--from'])).toBe('--from-plan');
    expect(complete(['privacyctl', 'requests', 'extend', '--mo'])).toBe('--months');
    expect(complete(['privacyctl', 'find', '--js'])).toBe('--json');
    cleanupWorkspaces();
  });

  it('zsh and fish scripts too; another shell is a usage error', () => {
    const ws = makeWorkspace({ withFixtures: false });
    expect(run(ws, ['completion', 'zsh']).stdout).toMatch(/^#compdef privacyctl\n/);
    expect(run(ws, ['completion', 'fish']).stdout).toContain("complete -c privacyctl -n '__fish_seen_subcommand_from erase' -l from-plan");
    expect(run(ws, ['completion', 'tcsh']).code).toBe(2);
    cleanupWorkspaces();
  });
});
