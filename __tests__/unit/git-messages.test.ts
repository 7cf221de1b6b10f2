// What the git adapter finds in commit messages: trailers as git's commit view finds them (a YAML
// `---` in a body does not hide the sign-offs after it), every trailer that names the subject,
// and the subject's address or handle elsewhere in a message (a `mention`, only the lines that
// name them).
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CONTRIBUTION_RETENTION, SIGNOFF_RETENTION, policyViolation } from '../../src/core/policy.js';
import { IdentityMatcher, type Identity } from '../../src/core/identity.js';
import { discoverAll, expectManyMatchesSingle, testContext } from '../helpers/many.js';
import { fastImport, git, gitAdapter } from '../helpers/git-repo.js';

const ANN: Identity = { type: 'email', value: 'ann@example.org' };
const ANN_GH: Identity = { type: 'github', value: 'ann-example' };
const BO = 'Bo Tran <bo@lanternfish.example>';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'privacyctl-git-msg-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

// A Dependabot-style body: a YAML front matter block between `---` lines, then the sign-offs.
const DEPENDABOT = [
  'build(deps): bump lantern-core from 1.2.0 to 1.3.0',
  '',
  'Bumps lantern-core from 1.2.0 to 1.3.0.',
  '',
  '---',
  'updated-dependencies:',
  '- dependency-name: lantern-core',
  '  dependency-type: direct:production',
  '...',
  '',
  'Signed-off-by: dependabot[bot] <support@github.com>',
  'Signed-off-by: Ann Example <ann@example.org>',
  '',
].join('\n');

const MANY_KEYS = [
  'runtime: fix the shim leak',
  '',
  'Fixes a bug reported by ann@example.org on the list, thanks!',
  'The rest of this paragraph says nothing about her.',
  '',
  'Thanks to @ann-example for the bisect.',
  '',
  'Signed-off-by: Bo Tran <bo@lanternfish.example>',
  'Helped-by: Ann Example <ann@example.org>',
  'Cc: Ann Example <ann@example.org>',
  'Cherry-picked-by: Ann Example <123+ann-example@users.noreply.github.com>',
  'Suggested-by: Ann Example <ann@example.org>',
  'Link: https://example.org/issue/7',
  'Cc: Bo Tran <bo@lanternfish.example>, Ann Example <ann@example.org>',
  '',
].join('\n');

function repo(): string {
  fastImport(path.join(dir, 'r'), [
    { author: BO, message: DEPENDABOT },
    { author: BO, message: MANY_KEYS },
    { author: BO, message: 'docs: unrelated\n\njoann@example.org is someone else; so is @ann-examples.\n\nSigned-off-by: Bo Tran <bo@lanternfish.example>\n' },
  ]);
  return 'r';
}

describe('git commit messages', () => {
  it('finds the sign-offs after a YAML `---` block, as `git log --format=%(trailers)` does', async () => {
    repo();
    const viaGit = git(path.join(dir, 'r'), ['log', '--all', '--format=%(trailers:key=Signed-off-by,valueonly)']);
    expect(viaGit).toContain('Ann Example <ann@example.org>');
    const { records } = await discoverAll(gitAdapter(dir, [repo()]), [ANN]);
    const signoffs = records.filter((r) => r.type === 'signoff');
    expect(signoffs).toHaveLength(1);
    expect(signoffs[0]!.locator).toMatch(/@[0-9a-f]{40}:message:12$/);
    expect(signoffs[0]!.retention).toEqual(SIGNOFF_RETENTION);
  });

  it('reports every trailer that names the subject, typed by its key, retained as a contribution record', async () => {
    const { records } = await discoverAll(gitAdapter(dir, [repo()]), [ANN, ANN_GH]);
    const trailers = records.filter((r) => r.type === 'trailer').map((r) => `${String(r.data['trailer'])} ${r.locator.replace(/.*:message:/, 'line ')}`);
    expect(trailers.sort()).toEqual(['Cc line 10', 'Cc line 14', 'Cherry-picked-by line 11', 'Helped-by line 9', 'Suggested-by line 12']);
    // a value naming two people: only her address is carried, not Bo's
    const shared = records.find((r) => r.locator.endsWith(':message:14'))!;
    expect(shared.data).toMatchObject({ trailer: 'Cc', email: 'ann@example.org' });
    expect(JSON.stringify(shared)).not.toContain('bo@');
    for (const r of records.filter((x) => x.type === 'trailer')) {
      expect(r.disposition).toBe('retain');
      expect(r.retention).toEqual(CONTRIBUTION_RETENTION);
      expect(policyViolation(r)).toBeNull();
    }
  });

  it('reports the address or handle elsewhere in a message as a retained mention carrying only the lines that name them', async () => {
    const { records } = await discoverAll(gitAdapter(dir, [repo()]), [ANN, ANN_GH]);
    const mentions = records.filter((r) => r.type === 'mention');
    expect(mentions.map((r) => [r.locator.replace(/.*:message:/, 'line '), r.data['text']])).toEqual([
      ['line 3', 'Fixes a bug reported by ann@example.org on the list, thanks!'],
      ['line 6', 'Thanks to @ann-example for the bisect.'],
    ]);
    expect(mentions.map((r) => r.matched.map((m) => `${m.type}:${m.value}`))).toEqual([['email:ann@example.org'], ['github:ann-example']]);
    for (const r of mentions) {
      expect(r.disposition).toBe('retain');
      expect(r.retention).toEqual(CONTRIBUTION_RETENTION);
      expect(policyViolation(r)).toBeNull();
      expect(JSON.stringify(r.data)).not.toContain('says nothing about her');
    }
  });

  it('a batch finds the same trailers and mentions as one run per subject', async () => {
    const a = gitAdapter(dir, [repo()]);
    await expectManyMatchesSingle(a, [
      new IdentityMatcher([ANN, ANN_GH]),
      new IdentityMatcher([{ type: 'email', value: 'bo@lanternfish.example' }]),
      new IdentityMatcher([ANN_GH]),
    ]);
  });

  it('identities() lists the addresses of every trailer and mention for replay', async () => {
    const a = gitAdapter(dir, [repo()]);
    const ids: string[] = [];
    for await (const id of a.identities!(testContext())) ids.push(`${id.type}:${id.value}`);
    expect(ids).toEqual(expect.arrayContaining(['email:ann@example.org', 'email:support@github.com', 'github:ann-example', 'email:joann@example.org']));
  });
});
