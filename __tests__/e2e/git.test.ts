// End to end: the git and gitdm demo sources through the built CLI.
import { afterAll, describe, expect, it } from '@jest/globals';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ANN, ROOT, cleanupWorkspaces, makeWorkspace, read, run, runJson, snapshot } from './helpers.js';

const GITDM = ['fixtures/demo/gitdm/developers_affiliations1.txt', 'fixtures/demo/gitdm/developers_affiliations2.txt', 'fixtures/demo/gitdm/email-map'];
const BUNDLE = 'fixtures/demo/git/lanternfish.bundle';

/** A workspace whose config has the git and gitdm demo sources (added if the demo config lacks them). */
function workspace(): string {
  const dir = makeWorkspace();
  const cfg = readFileSync(join(dir, 'privacyctl.yaml'), 'utf8');
  if (!/kind:\s*git\b/.test(cfg)) appendFileSync(join(dir, 'privacyctl.yaml'), `\n${readFileSync(join(ROOT, 'fixtures/demo/git/demo-sources.yaml'), 'utf8')}`);
  return dir;
}

function gitSource(json: any) {
  return json.sources.find((s: any) => s.kind === 'git');
}

afterAll(cleanupWorkspaces);

describe('git and gitdm sources (e2e)', () => {
  it('find: git records by type, and candidate identities that are not followed', () => {
    const dir = workspace();
    const r = runJson(dir, ['--json', 'find', '--email', ANN]);
    expect(r.code).toBe(0);
    const git = gitSource(r.json);
    expect(git.status).toBe('ok');
    // the mention: a sign-off quoted above the last paragraph (not a trailer, still her address)
    expect(git.byType).toEqual({ commit: 2, signoff: 2, 'co-author': 1, trailer: 2, mention: 1, 'people-file-entry': 2 });
    expect(git.stats).toMatchObject({ repositories: 1, commits: 9 });
    expect(r.json.sources.find((s: any) => s.kind === 'gitdm').byType).toEqual({ affiliation: 3 });
    expect(r.json.identities.map((i: any) => `${i.type}:${i.value}`)).toEqual([`email:${ANN}`]);
    const candidates = r.json.candidates.map((c: any) => `${c.to.type}:${c.to.value}`);
    expect(candidates).toContain('email:ann@lanternfish.example');
    expect(r.json.candidates.every((c: any) => c.strength === 'candidate')).toBe(true);
  });

  it('a candidate (.mailmap / same-name sign-off) is followed only with --include-identity', () => {
    const dir = workspace();
    const without = runJson(dir, ['--json', '-q', 'export', '--email', ANN]);
    expect(without.code).toBe(0);
    expect(JSON.stringify(without.json.records)).not.toContain('ann@lanternfish.example');
    const withIt = runJson(dir, ['--json', '-q', 'export', '--email', ANN, '--include-identity', 'email:ann@lanternfish.example']);
    expect(withIt.code).toBe(0);
    const commits = withIt.json.records.filter((r: any) => r.source === 'lanternfish-repo' && r.type === 'commit');
    expect(commits).toHaveLength(3);
    expect(commits.some((c: any) => c.data.authorEmail === 'ann@lanternfish.example')).toBe(true);
    const accepted = withIt.json.subject.identities.find((i: any) => i.value === 'ann@lanternfish.example');
    expect(accepted.provenance.via).toBe('accepted');
  });

  it("ann's export never holds joann's (or anyone else's) git or gitdm data", () => {
    const dir = workspace();
    const r = run(dir, ['-q', 'export', '--email', ANN, '--format', 'ndjson']);
    expect(r.code).toBe(0);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const mine = lines.filter((l: any) => ['lanternfish-repo', 'gitdm-affiliations'].includes(l.source));
    expect(mine.length).toBe(13);
    expect(JSON.stringify(mine)).not.toMatch(/joann|jdoe|bo@lanternfish|zoë|dana|Quayside/i);
  });

  it('erase --apply removes the gitdm blocks wholly hers and lines byte-exactly, leaves the repository alone, and verify names the people-file edits still outstanding', () => {
    const dir = workspace();
    const before = snapshot(dir);
    const r = runJson(dir, ['--json', '-q', 'erase', '--email', ANN, '--github', 'ann-example', '--apply', '--yes']);
    expect(r.code).toBe(0);
    expect(r.json.failed).toEqual([]);
    // her first block also lists ann@lanternfish.example, only a candidate: nothing of it is removed, and the receipt says why
    expect(read(dir, GITDM[0]!).equals(before.get(GITDM[0]!)!)).toBe(true);
    expect(r.json.manual.filter((x: any) => x.source === 'gitdm-affiliations')).toEqual([
      expect.objectContaining({
        locator: `${GITDM[0]}:4`,
        manual: expect.stringMatching(/this person's block also lists 1 address not known to be theirs; nothing was removed/),
      }),
    ]);
    // with the login given, its second block (in the second file: only her noreply address) goes; quinn-k's stays
    expect(read(dir, GITDM[1]!).toString('utf8')).toBe(
      before.get(GITDM[1]!)!.toString('utf8').replace('ann-example: 1234567+ann-example!users.noreply.github.com\n\tLanternfish Labs from 2021-03-01\n', ''),
    );
    expect(read(dir, GITDM[2]!).toString('utf8')).toBe(
      before.get(GITDM[2]!)!.toString('utf8').replace('ann!example.org Independent < 2021-03-01\nann!example.org Lanternfish Labs\n', ''),
    );
    expect(read(dir, BUNDLE).equals(before.get(BUNDLE)!)).toBe(true);
    // with the handle too: the commits and trailers found by address or login are kept, and the
    // people files naming either are manual edits
    expect(r.json.retained.filter((x: any) => x.source === 'lanternfish-repo')).toHaveLength(10);
    expect(r.json.manual.filter((x: any) => x.source === 'lanternfish-repo').map((x: any) => x.locator)).toEqual(
      expect.arrayContaining(['lanternfish:.mailmap:2', 'lanternfish:MAINTAINERS.md:6', 'lanternfish:SECURITY_CONTACTS:3']),
    );
    const v = run(dir, ['-q', 'verify', '--email', ANN, '--github', 'ann-example']);
    expect(v.code).toBe(5);
    expect(v.stdout).toMatch(/verify: manual-steps-outstanding/);
    expect(v.stdout).toMatch(/manual step outstanding: lanternfish-repo people-file-entry lanternfish:\.mailmap:2/);
    expect(v.stdout).not.toMatch(/still present/);
  });

  it('a missing repository, or a folder that is not one, fails that source only: exit 3, reported with a hint', () => {
    for (const repo of ['fixtures/demo/git/no-such-clone', 'fixtures/demo/gitdm']) {
      const dir = workspace();
      const cfgPath = join(dir, 'privacyctl.yaml');
      writeFileSync(cfgPath, readFileSync(cfgPath, 'utf8').replace(`repos: [${BUNDLE}]`, `repos: [${repo}]`));
      const r = runJson(dir, ['--json', 'find', '--email', ANN]);
      expect(r.code).toBe(3);
      const git = gitSource(r.json);
      expect(git.status).toBe('failed');
      expect(git.reason).toMatch(repo.endsWith('gitdm') ? /not a git repository/ : /no such file or directory/);
      expect(git.reason).not.toContain(ANN);
      expect(r.json.sources.filter((s: any) => s.status === 'ok').length).toBeGreaterThan(0);
      expect(r.stderr).toMatch(/lanternfish-repo/);
    }
  });
});
