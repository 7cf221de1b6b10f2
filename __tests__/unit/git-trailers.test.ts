import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { canonicalKey, findSeparator, parseTrailers, splitIdent } from '../../src/adapters/git/trailers.js';

const keys = (msg: string, divider = false) => parseTrailers(msg, { divider }).map((t) => `${t.key}: ${t.value}`);

describe('parseTrailers (as git finds trailers)', () => {
  it('reads the trailer block of the last paragraph', () => {
    const msg = 'Fix it\n\nBody text.\n\nSigned-off-by: Ann Example <ann@example.org>\nCo-authored-by: Bo <bo@lanternfish.example>\n';
    expect(parseTrailers(msg)).toEqual([
      { key: 'Signed-off-by', value: 'Ann Example <ann@example.org>', line: 5, lastLine: 5 },
      { key: 'Co-authored-by', value: 'Bo <bo@lanternfish.example>', line: 6, lastLine: 6 },
    ]);
  });

  it('ignores trailer-looking lines that are not in the last paragraph', () => {
    const msg = 'Credit\n\nSigned-off-by: Ann Example <ann@example.org>\n(quoted)\n\nThe last paragraph is prose.\n';
    expect(parseTrailers(msg)).toEqual([]);
  });

  it('never reads the title paragraph as trailers', () => {
    expect(parseTrailers('Signed-off-by: Ann Example <ann@example.org>\n')).toEqual([]);
    expect(parseTrailers('Reviewed-by: x <x@example.org>')).toEqual([]);
  });

  it('unfolds continuation lines into the trailer before them', () => {
    const msg = 'Release\n\nTested-by: Ann Example\n  <ann@example.org>\nSigned-off-by: Bo <bo@lanternfish.example>\n';
    expect(keys(msg)).toEqual(['Tested-by: Ann Example <ann@example.org>', 'Signed-off-by: Bo <bo@lanternfish.example>']);
    expect(parseTrailers(msg).map((t) => [t.line, t.lastLine])).toEqual([
      [3, 4],
      [5, 5],
    ]);
  });

  it('accepts odd spacing around the separator, as git does', () => {
    const msg =
      'T\n\nSigned-off-by:Ann Example   <ann@example.org>\nAcked-by :  Bo <bo@lanternfish.example>  \nsigned-off-by: Zoë <zoë.lindqvist@example.net>\n';
    expect(keys(msg)).toEqual([
      'Signed-off-by: Ann Example   <ann@example.org>',
      'Acked-by: Bo <bo@lanternfish.example>',
      'signed-off-by: Zoë <zoë.lindqvist@example.net>',
    ]);
  });

  it('takes a mixed last paragraph only with a git-generated trailer and 3 trailers per non-trailer line', () => {
    const ok = 'T\n\nSigned-off-by: A <a@example.org>\nReviewed-by: B <b@example.org>\nAcked-by: C <c@example.org>\nthis line is not a trailer\n';
    expect(keys(ok)).toHaveLength(3);
    const tooMuchProse = 'T\n\nSigned-off-by: A <a@example.org>\nprose one\nprose two\nprose three\nprose four\n';
    expect(parseTrailers(tooMuchProse)).toEqual([]);
    const noGitTrailer = 'T\n\nReviewed-by: B <b@example.org>\nprose\n';
    expect(parseTrailers(noGitTrailer)).toEqual([]);
  });

  it('handles CRLF messages, trailing blank lines and a --- divider in a patch e-mail', () => {
    expect(keys('T\r\n\r\nSigned-off-by: A <a@example.org>\r\n\r\n\r\n')).toEqual(['Signed-off-by: A <a@example.org>']);
    const patch = 'T\n\nSigned-off-by: A <a@example.org>\n---\n notes: here\n\nReviewed-by: X <x@example.org>\n';
    expect(keys(patch, true)).toEqual(['Signed-off-by: A <a@example.org>']);
  });

  it('reads a commit past a YAML --- block to its last paragraph, as git log %(trailers) does', () => {
    const dependabot =
      'bump x\n\nBumps x.\n\n---\nupdated-dependencies:\n- dependency-name: x\n...\n\nSigned-off-by: dependabot[bot] <support@github.com>\nSigned-off-by: Ann Example <ann@example.org>\n';
    expect(keys(dependabot)).toEqual(['Signed-off-by: dependabot[bot] <support@github.com>', 'Signed-off-by: Ann Example <ann@example.org>']);
    expect(keys(dependabot, true)).toEqual([]);
  });

  it('does not take a URL or a sentence with a colon for a trailer', () => {
    expect(parseTrailers('T\n\nSee https://example.org/x for details\n')).toEqual([]);
    expect(findSeparator('Note that: it works')).toBe(-1);
    expect(findSeparator('Co-Authored-By: x')).toBe(14);
    expect(findSeparator('Acked-by : x')).toBe(9);
  });

  it('canonicalises keys and splits identities', () => {
    expect(canonicalKey('Co-Authored-By')).toBe('Co-authored-by');
    expect(splitIdent('Ann Example <ann@example.org>')).toEqual({ name: 'Ann Example', email: 'ann@example.org' });
    expect(splitIdent('"Example, Ann" <ann@example.org> # home')).toEqual({ name: 'Example, Ann', email: 'ann@example.org' });
    expect(splitIdent('ann@example.org')).toEqual({ name: '', email: 'ann@example.org' });
    expect(splitIdent('Ann Example')).toEqual({ name: 'Ann Example', email: '' });
  });

  it('agrees with `git interpret-trailers --parse` on every case', () => {
    const cases = [
      'Fix it\n\nBody.\n\nSigned-off-by: Ann Example <ann@example.org>\nCo-authored-by: Bo <bo@lanternfish.example>\n',
      'Credit\n\nSigned-off-by: Ann Example <ann@example.org>\n(quoted)\n\nThe last paragraph is prose.\n',
      'Signed-off-by: Ann Example <ann@example.org>\n',
      'Release\n\nTested-by: Ann Example\n  <ann@example.org>\nSigned-off-by: Bo <bo@lanternfish.example>\n',
      'T\n\nSigned-off-by:Ann Example   <ann@example.org>\nAcked-by :  Bo <bo@lanternfish.example>  \nsigned-off-by: Zoë <zoë.lindqvist@example.net>\n',
      'T\n\nSigned-off-by: A <a@example.org>\nReviewed-by: B <b@example.org>\nAcked-by: C <c@example.org>\nthis line is not a trailer\n',
      'T\n\nSigned-off-by: A <a@example.org>\nprose one\nprose two\n',
      'T\n\nSigned-off-by: A <a@example.org>\nprose one\nprose two\nprose three\nprose four\n',
      'T\n\nReviewed-by: B <b@example.org>\nprose\n',
      'T\n\nSee https://example.org/x for details\n',
      'T\n\nSigned-off-by: A <a@example.org>\n---\n notes: here\n\nReviewed-by: X <x@example.org>\n',
      'T\n\n    indented: not a trailer\nCo-Authored-By: Ann <ann@example.org>\n',
      'T\n\nbody\n\n\n\nReported-by: R <r@example.org>\n\n\n',
      'bump x\n\nBumps x.\n\n---\nupdated-dependencies:\n- dependency-name: x\n...\n\nSigned-off-by: dependabot[bot] <support@github.com>\nSigned-off-by: Ann Example <ann@example.org>\n',
      'T\n\n---\nSigned-off-by: A <a@example.org>\n',
      'T\n\nSigned-off-by: A <a@example.org>\n--- \nReviewed-by: X <x@example.org>\n',
      'T\n\nprose\n\n----\n\nCc: X <x@example.org>\nHelped-by: Y <y@example.org>\n',
    ];
    for (const msg of cases) {
      // Commits: git's commit view reads with no divider; patch e-mails stop at `---`.
      for (const [divider, args] of [
        [false, ['--no-divider']],
        [true, []],
      ] as const) {
        const git = spawnSync('git', ['interpret-trailers', '--parse', ...args], { input: msg, encoding: 'utf8' });
        expect(git.status).toBe(0);
        const theirs = git.stdout.split('\n').filter((l) => l !== '');
        expect({ msg, divider, trailers: keys(msg, divider) }).toEqual({ msg, divider, trailers: theirs });
      }
    }
  });
});
