import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gitSourceSchema } from '../../src/adapters/git/config.js';
import type { AdapterContext, SourceAdapter } from '../../src/adapters/types.js';
import { SourceError } from '../../src/core/errors.js';
import { IdentityMatcher, type Identity } from '../../src/core/identity.js';
import { CONTRIBUTION_RETENTION, SIGNOFF_RETENTION, policyViolation } from '../../src/core/policy.js';
import { isIdentityLink, type IdentityLink, type PersonalRecord } from '../../src/core/record.js';
import { gitAdapter } from '../helpers/git-repo.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const BUNDLE = path.join(ROOT, 'fixtures/demo/git/lanternfish.bundle');
const ANN: Identity = { type: 'email', value: 'ann@example.org' };
const ANN_GH: Identity = { type: 'github', value: 'ann-example' };
const JOANN: Identity = { type: 'email', value: 'joann@example.org' };

let dir: string;
let stats: Record<string, number>;
const ctx = (): AdapterContext => ({ signal: new AbortController().signal, log: { info() {}, warn() {} }, stats: (stats = {}) });

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'privacyctl-git-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const adapter = (repos: unknown[], extra: Record<string, unknown> = {}): SourceAdapter => gitAdapter(dir, repos, extra);

async function discoverAll(a: SourceAdapter, ids: Identity[]): Promise<{ records: PersonalRecord[]; links: IdentityLink[] }> {
  const records: PersonalRecord[] = [];
  const links: IdentityLink[] = [];
  for await (const item of a.discover(new IdentityMatcher(ids), ctx())) {
    if (isIdentityLink(item)) links.push(item);
    else records.push(item);
  }
  return { records, links };
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

function git(cwd: string, args: string[], input?: string): string {
  const r = spawnSync('git', args, {
    cwd,
    input,
    encoding: 'utf8',
    env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1', GIT_DIR: undefined, GIT_WORK_TREE: undefined },
  });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** A repository built with git fast-import: commits [author, committer, message] on `branch`. */
function fastImport(
  repo: string,
  commits: Array<{ author: string; committer?: string; message: string; branch?: string }>,
  opts: { bare?: boolean } = {},
): string {
  fs.mkdirSync(repo, { recursive: true });
  git(repo, ['init', '-q', ...(opts.bare ? ['--bare'] : []), '-b', 'main']);
  let stream = '';
  let mark = 0;
  const last = new Map<string, number>();
  commits.forEach((c, i) => {
    const branch = c.branch ?? 'main';
    const msg = Buffer.from(c.message, 'utf8');
    stream += `commit refs/heads/${branch}\nmark :${++mark}\nauthor ${c.author} ${1700000000 + i} +0000\ncommitter ${c.committer ?? c.author} ${1700000000 + i} +0000\ndata ${msg.length}\n${c.message}\n`;
    const parent = last.get(branch) ?? last.get('main');
    if (parent) stream += `from :${parent}\n`;
    stream += `M 644 inline f${i}.txt\ndata 2\n${i % 10}\n\n`;
    last.set(branch, mark);
  });
  git(repo, ['fast-import', '--quiet'], stream);
  return repo;
}

describe('git adapter on the demo bundle', () => {
  it('finds commits, trailers on every ref and people files; all retained or manual, with the design grounds', async () => {
    const { records } = await discoverAll(adapter([BUNDLE]), [ANN]);
    const count = (t: string) => records.filter((r) => r.type === t).length;
    expect({
      commit: count('commit'),
      signoff: count('signoff'),
      coauthor: count('co-author'),
      trailer: count('trailer'),
      people: count('people-file-entry'),
    }).toEqual({
      commit: 2,
      signoff: 2,
      coauthor: 1,
      trailer: 2,
      people: 2,
    });
    for (const r of records) expect(policyViolation(r)).toBeNull();
    for (const r of records.filter((r) => r.type === 'signoff')) expect(r.retention).toEqual(SIGNOFF_RETENTION);
    for (const r of records.filter((r) => ['commit', 'co-author', 'trailer'].includes(r.type))) expect(r.retention).toEqual(CONTRIBUTION_RETENTION);
    expect(records.filter((r) => r.type === 'people-file-entry').every((r) => r.disposition === 'manual' && /line \d+/.test(r.manual!))).toBe(true);
    // the Tested-by with a continuation line is on the release branch only
    const tested = records.find((r) => r.data['trailer'] === 'Tested-by')!;
    expect(tested.data['email']).toBe('ann@example.org');
    expect(
      git(ROOT, [
        '--git-dir',
        path.join(
          dir,
          '.privacyctl/cache/git',
          fs.readdirSync(path.join(dir, '.privacyctl/cache/git')).find((n) => n.endsWith('.git'))!,
        ),
        'branch',
        '--contains',
        String(tested.data['commit']),
      ]),
    ).toMatch(/release-0\.1/);
    expect(tested.locator).toMatch(/^lanternfish@[0-9a-f]{40}:message:\d+$/);
    expect(stats['commits']).toBe(9);
  });

  it("never exports another person's data: a commit Ann committed carries no author fields, and joann never matches ann", async () => {
    const { records } = await discoverAll(adapter([BUNDLE]), [ANN]);
    const text = JSON.stringify(records);
    expect(text).not.toMatch(/joann@|jdoe@|bo@lanternfish|zoë|dana/i);
    const committed = records.find((r) => r.type === 'commit' && r.data['committerEmail'])!;
    expect(committed.data['authorEmail']).toBeUndefined();
    expect(committed.data['authorName']).toBeUndefined();
    expect(committed.data['subject']).toBeUndefined();
    const joann = await discoverAll(adapter([BUNDLE]), [JOANN]);
    expect(JSON.stringify(joann.records)).not.toMatch(/"ann@example\.org"/);
    expect(joann.records.filter((r) => r.type === 'commit')).toHaveLength(1);
  });

  it('does not read trailer-looking lines outside the last paragraph as trailers: they are a mention', async () => {
    const { records } = await discoverAll(adapter([BUNDLE]), [ANN]);
    const bo = await discoverAll(adapter([BUNDLE]), [{ type: 'email', value: 'bo@lanternfish.example' }]);
    const credit = bo.records.find((r) => r.type === 'commit' && r.data['subject'] === 'Credit the early contributors')!;
    const onCredit = records.filter((r) => r.data['commit'] === credit.data['commit']);
    expect(onCredit.map((r) => [r.type, r.data['text']])).toEqual([['mention', 'Signed-off-by: Ann Example <ann@example.org>']]);
  });

  it('reports the other addresses of a .mailmap entry and a same-name sign-off as candidate links only', async () => {
    const { links } = await discoverAll(adapter([BUNDLE]), [ANN]);
    expect(links.every((l) => l.strength === 'candidate')).toBe(true);
    const to = links.map((l) => `${l.to.type}:${l.to.value} (${l.locator.replace(/@[0-9a-f]{40}/, '@SHA')})`).sort();
    expect(to).toEqual([
      'email:ann@lanternfish.example (lanternfish:.mailmap:2)',
      'email:ann@lanternfish.example (lanternfish@SHA)',
      'github:ann-example (lanternfish:MAINTAINERS.md:6)',
    ]);
    // accepted by hand, the second address finds the commit authored with it
    const both = await discoverAll(adapter([BUNDLE]), [ANN, { type: 'email', value: 'ann@lanternfish.example' }]);
    expect(both.records.filter((r) => r.type === 'commit')).toHaveLength(3);
  });

  it('matches a GitHub login through noreply commit addresses and in OWNERS, CODEOWNERS, SECURITY_CONTACTS, MAINTAINERS', async () => {
    const { records } = await discoverAll(adapter([BUNDLE]), [ANN_GH]);
    const commits = records.filter((r) => r.type === 'commit');
    expect(commits).toHaveLength(1);
    expect(commits[0]!.matched[0]).toMatchObject({ type: 'github', value: 'ann-example' });
    expect(records.filter((r) => r.type === 'signoff')).toHaveLength(1);
    const files = records
      .filter((r) => r.type === 'people-file-entry')
      .map((r) => r.locator)
      .sort();
    expect(files).toEqual(
      [
        'lanternfish:.github/CODEOWNERS:2',
        'lanternfish:MAINTAINERS.md:6',
        'lanternfish:OWNERS:4',
        'lanternfish:OWNERS:16',
        'lanternfish:OWNERS_ALIASES:4',
        'lanternfish:SECURITY_CONTACTS:3',
      ].sort(),
    );
    const codeowners = records.find((r) => r.locator.includes('CODEOWNERS'))!;
    expect(codeowners.manual).toMatch(/remove "@ann-example" from line 2/);
    expect(JSON.stringify(codeowners.data)).not.toMatch(/joann/);
  });

  it('clones a bundle once into the state directory and again when the bundle changes', async () => {
    const copy = path.join(dir, 'demo.bundle');
    fs.copyFileSync(BUNDLE, copy);
    expect((await discoverAll(adapter(['demo.bundle']), [ANN])).records.length).toBeGreaterThan(0);
    const cache = path.join(dir, '.privacyctl/cache/git');
    const [clone] = fs.readdirSync(cache);
    const before = fs.statSync(path.join(cache, clone!)).mtimeMs;
    await discoverAll(adapter(['demo.bundle']), [ANN]);
    expect(fs.readdirSync(cache)).toEqual([clone]);
    expect(fs.statSync(path.join(cache, clone!)).mtimeMs).toBe(before);
    // a new bundle at the same path: a different history
    const other = fastImport(path.join(dir, 'other'), [{ author: 'Ann Example <ann@example.org>', message: 'Only commit\n' }]);
    git(other, ['bundle', 'create', '-q', copy, '--all']);
    const again = await discoverAll(adapter(['demo.bundle']), [ANN]);
    expect(again.records.map((r) => r.type)).toEqual(['commit']);
    expect(fs.readdirSync(cache)).toHaveLength(1); // the old clone is gone, no temporary is left
    expect(fs.readdirSync(cache)).not.toEqual([clone]);
  });
  it('two sources on the same bundle at once both get the clone', async () => {
    fs.copyFileSync(BUNDLE, path.join(dir, 'demo.bundle'));
    const [a, b] = await Promise.all([discoverAll(adapter(['demo.bundle']), [ANN]), discoverAll(adapter(['demo.bundle']), [ANN])]);
    expect(a.records.length).toBe(10);
    expect(b.records.length).toBe(10);
    expect(fs.readdirSync(path.join(dir, '.privacyctl/cache/git')).filter((n) => n.includes('.tmp-'))).toEqual([]);
  });
});

describe('git adapter on local clones', () => {
  it('reads a bare and a non-bare clone, all refs, and keeps memory to the matches (many commits, chunk boundaries)', async () => {
    const commits: Array<{ author: string; committer?: string; message: string; branch?: string }> = [];
    for (let i = 0; i < 3000; i++) {
      const long = i % 7 === 0 ? `\n\n${'Long body line with ümlauts and NUL-free text. '.repeat(60)}` : '';
      commits.push({
        author: i % 500 === 0 ? 'Ann Example <Ann@Example.ORG>' : `Dev ${i} <dev${i}@example.com>`,
        message: `Change ${i}${long}\n\nSigned-off-by: Dev ${i} <dev${i}@example.com>\n`,
      });
    }
    commits.push({ author: 'Joann Doe <joann@example.org>', committer: 'Ann Example <ann@example.org>', message: 'On a side branch\n', branch: 'side' });
    fastImport(path.join(dir, 'bare.git'), commits, { bare: true });
    fastImport(path.join(dir, 'work'), commits.slice(0, 10));
    const { records } = await discoverAll(adapter(['bare.git', { path: 'work', name: 'work-clone' }]), [ANN]);
    const commitRecords = records.filter((r) => r.type === 'commit');
    expect(commitRecords.filter((r) => r.locator.startsWith('bare@'))).toHaveLength(7);
    expect(commitRecords.filter((r) => r.locator.startsWith('work-clone@'))).toHaveLength(1);
    expect(commitRecords.some((r) => r.data['committerEmail'] && !r.data['authorEmail'])).toBe(true);
    expect(stats['commits']).toBe(3011);
    expect(stats['repositories']).toBe(2);
  });

  it('an empty repository has no records and is not an error', async () => {
    fs.mkdirSync(path.join(dir, 'empty'));
    git(path.join(dir, 'empty'), ['init', '-q']);
    expect((await discoverAll(adapter(['empty']), [ANN])).records).toEqual([]);
  });

  it('a missing repository is a SourceError that names it and says how to fix it', async () => {
    const err = await rejection(discoverAll(adapter(['nowhere/clone']), [ANN]));
    expect(err).toBeInstanceOf(SourceError);
    expect(err.message).toMatch(/repository nowhere\/clone: no such file or directory/);
    expect((err as SourceError).hint).toMatch(/sources "repos"\.repos/);
    expect(err.message).not.toMatch(/ann@/);
  });

  it('a folder that is not a repository (even inside another clone) is a SourceError', async () => {
    fastImport(path.join(dir, 'outer'), [{ author: 'Ann Example <ann@example.org>', message: 'x\n' }]);
    fs.mkdirSync(path.join(dir, 'outer', 'sub'));
    for (const p of ['outer/sub', '.']) {
      const err = await rejection(discoverAll(adapter([p]), [ANN]));
      expect(err).toBeInstanceOf(SourceError);
      expect(err.message).toMatch(/not a git repository/);
    }
    fs.writeFileSync(path.join(dir, 'junk.bundle'), 'not a bundle\n');
    const err = await rejection(discoverAll(adapter(['junk.bundle']), [ANN]));
    expect(err).toBeInstanceOf(SourceError);
    expect(err.message).toMatch(/cannot read the git bundle/);
  });

  it('check() probes every repository', async () => {
    fastImport(path.join(dir, 'r'), [{ author: 'A <a@example.org>', message: 'x\n' }]);
    expect(await adapter(['r']).check(new AbortController().signal)).toEqual({ ok: true, detail: '1 repository readable, 1 commits on all refs' });
    const bad = await adapter(['r', 'missing']).check(new AbortController().signal);
    expect(bad.ok).toBe(false);
    expect(bad.detail).toMatch(/missing/);
  });

  it('a configured branch that does not exist is a SourceError', async () => {
    fastImport(path.join(dir, 'r'), [{ author: 'Ann Example <ann@example.org>', message: 'x\n' }]);
    const err = await rejection(discoverAll(adapter(['r'], { branch: 'nope' }), [ANN]));
    expect(err).toBeInstanceOf(SourceError);
    expect(err.message).toMatch(/no branch "nope"/);
  });

  it('rejects a config without repositories', () => {
    expect(gitSourceSchema.safeParse({ name: 'r', kind: 'git', repos: [] }).success).toBe(false);
  });
});
