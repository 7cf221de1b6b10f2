import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { clearGithubCache, createGithubAdapter, githubFactory, type GithubTuning } from '../../src/adapters/github/index.js';
import { githubSourceSchema, repoFilter } from '../../src/adapters/github/config.js';
import { nextLink } from '../../src/adapters/github/client.js';
import { RecordMaker, htmlBaseOf, isGithubDotCom } from '../../src/adapters/github/records.js';
import type { AdapterContext, SourceAdapter, StepResult } from '../../src/adapters/types.js';
import { AuthError, SourceError, SourceSkipped } from '../../src/core/errors.js';
import { IdentityMatcher, type Identity } from '../../src/core/identity.js';
import { stepsFor } from '../../src/core/plan.js';
import { policyViolation } from '../../src/core/policy.js';
import { isIdentityLink, type IdentityLink, type PersonalRecord } from '../../src/core/record.js';
import { FakeGitHub, demoWorld } from '../fake-github/server.js';
import { fakeClock } from '../helpers/fake-clock.js';

const TOKEN_ENV = 'PRIVACYCTL_TEST_GH_TOKEN';
const TOKEN = 'test-token';
const FAST: GithubTuning = { waitUnitMs: 10, writeIntervalMs: 0 };
const ANN: Identity = { type: 'github', value: 'ann-example' };

let fake: FakeGitHub;
let warnings: string[];
let infos: string[];
/** What the adapter told the engine: notes for the source's status, reasons it was only partly read. */
let notes: string[];
let partials: string[];

function ctx(stats: Record<string, number> = {}): AdapterContext {
  return {
    signal: new AbortController().signal,
    log: { info: (m) => infos.push(m), warn: (m) => warnings.push(m) },
    stats,
    note: (t) => notes.push(t),
    partial: (r) => partials.push(r),
  };
}

function adapter(cfg: Record<string, unknown> = {}, tuning: GithubTuning = FAST): SourceAdapter {
  const parsed = githubSourceSchema.parse({ name: 'gh', kind: 'github', org: 'lanternfish', baseUrl: fake.base, tokenEnv: TOKEN_ENV, ...cfg });
  return createGithubAdapter(parsed, { configDir: '/nonexistent', stateDir: '/nonexistent/.privacyctl' }, tuning);
}

async function discoverAll(a: SourceAdapter, ids: Identity[] = [ANN], stats: Record<string, number> = {}) {
  const records: PersonalRecord[] = [];
  const links: IdentityLink[] = [];
  for await (const item of a.discover(new IdentityMatcher(ids), ctx(stats))) {
    if (isIdentityLink(item)) links.push(item);
    else records.push(item);
  }
  return { records, links, stats };
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

async function start(world = demoWorld(), opts: ConstructorParameters<typeof FakeGitHub>[1] = {}) {
  fake = new FakeGitHub(world, opts);
  await fake.start();
}

beforeEach(async () => {
  clearGithubCache();
  process.env[TOKEN_ENV] = TOKEN;
  warnings = [];
  infos = [];
  notes = [];
  partials = [];
  await start();
});
afterEach(async () => {
  delete process.env[TOKEN_ENV];
  await fake.stop();
});

describe('github config', () => {
  it('fills defaults and refuses unknown keys and bad names', () => {
    const cfg = githubSourceSchema.parse({ name: 'gh', kind: 'github', org: 'lanternfish' });
    expect(cfg).toMatchObject({ baseUrl: 'https://api.github.com', tokenEnv: 'GITHUB_TOKEN', erase: { removeFromOrg: false }, maxWaitSeconds: 900 });
    expect(githubSourceSchema.safeParse({ name: 'gh', kind: 'github', org: 'lanternfish', token: 'x' }).success).toBe(false);
    expect(githubSourceSchema.safeParse({ name: 'gh', kind: 'github', org: 'bad org' }).success).toBe(false);
    expect(githubSourceSchema.safeParse({ name: 'gh', kind: 'github', org: 'x', erase: { removeFromOrg: 'yes' } }).success).toBe(false);
    expect(githubFactory.kind).toBe('github');
  });

  it('matches repositories by name or pattern', () => {
    const f = repoFilter(['docs', 'lantern*']);
    expect(['docs', 'lanternfish', 'Lantern-x', 'other'].map(f)).toEqual([true, true, true, false]);
    expect(repoFilter(undefined)('anything')).toBe(true);
  });

  it('reads the next page from a Link header', () => {
    expect(nextLink('<https://x/a?page=2>; rel="next", <https://x/a?page=5>; rel="last"')).toBe('https://x/a?page=2');
    expect(nextLink('<https://x/a?page=1>; rel="prev"')).toBeNull();
  });
});

describe('github discover', () => {
  it('is skipped, with the reason, when no token is set; check() says so without failing', async () => {
    delete process.env[TOKEN_ENV];
    const err = await rejection(discoverAll(adapter()));
    expect(err).toBeInstanceOf(SourceSkipped);
    expect(err.message).toMatch(/no token: set PRIVACYCTL_TEST_GH_TOKEN/);
    const check = await adapter().check(new AbortController().signal);
    expect(check).toMatchObject({ ok: true, skipped: true });
    expect(check.detail).toMatch(/^no token/);
    expect(fake.requests).toBe(0);
  });

  it('reads the token from tokenFile (relative to the config directory) when the variable is unset', async () => {
    delete process.env[TOKEN_ENV];
    const dir = mkdtempSync(join(tmpdir(), 'privacyctl-gh-'));
    try {
      writeFileSync(join(dir, 'token'), `${TOKEN}\n`, { mode: 0o600 });
      const parsed = githubSourceSchema.parse({ name: 'gh', kind: 'github', org: 'lanternfish', baseUrl: fake.base, tokenEnv: TOKEN_ENV, tokenFile: 'token' });
      const a = createGithubAdapter(parsed, { configDir: dir, stateDir: join(dir, '.privacyctl') }, FAST);
      const { records } = await discoverAll(a);
      expect(records.some((r) => r.type === 'profile')).toBe(true);
      const missing = createGithubAdapter({ ...parsed, tokenFile: 'nope' }, { configDir: dir, stateDir: dir }, FAST);
      const err = await rejection(discoverAll(missing));
      expect(err).toBeInstanceOf(SourceSkipped);
      expect(err.message).toMatch(/tokenFile nope cannot be read \(ENOENT\)/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('check() probes the organisation with the token', async () => {
    const check = await adapter().check(new AbortController().signal);
    expect(check.ok).toBe(true);
    expect(check.detail).toMatch(/org lanternfish readable/);
    expect(check.detail).not.toContain(TOKEN);
    process.env[TOKEN_ENV] = 'wrong-token';
    const bad = await adapter().check(new AbortController().signal);
    expect(bad.ok).toBe(false);
    expect(bad.detail).toMatch(/401/);
  });

  it('finds a member by handle: profile, membership, team, issues, own comments and reviews, commits', async () => {
    const { records, links, stats } = await discoverAll(adapter());
    for (const r of records) expect(policyViolation(r)).toBeNull();
    const byType = (t: string) => records.filter((r) => r.type === t);
    expect(byType('profile')).toHaveLength(1);
    expect(byType('profile')[0]).toMatchObject({ disposition: 'manual', data: { login: 'ann-example', email: 'ann@example.org', company: 'Example Org' } });
    expect(byType('profile')[0]!.manual).toMatch(/held by the GitHub Enterprise instance at http:\/\/127\.0\.0\.1:\d+: its administrators/);
    expect(byType('org-membership')).toEqual([
      expect.objectContaining({ disposition: 'manual', data: expect.objectContaining({ role: 'member', state: 'active' }) }),
    ]);
    expect(byType('team-membership').map((r) => r.data['team'])).toEqual(['maintainers']);
    expect(byType('issue').map((r) => r.locator)).toEqual([`${fake.base}/lanternfish/lanternfish/issues/1`]);
    expect(byType('issue')[0]).toMatchObject({ disposition: 'retain', data: { title: 'Lamp flickers on start', body: 'Steps to reproduce: switch it on.' } });
    expect(byType('comment').map((r) => r.data['body'])).toEqual(['Ann says: works for me now', 'Ann inline: rename this']);
    expect(byType('comment')[1]!.data).toMatchObject({ path: 'src/lamp.c', line: 12 });
    expect(byType('review').map((r) => r.data['body'])).toEqual(['Ann approves']);
    expect(byType('commit').map((r) => r.data['sha'])).toEqual(['1'.repeat(40), '2'.repeat(40)]);
    for (const t of ['issue', 'comment', 'review', 'commit']) {
      for (const r of byType(t)) expect(r.retention?.reason).toMatch(/proof of contribution/);
    }
    // Other people's words never appear: not Cy's comment or review, not the PR's title.
    const text = JSON.stringify(records);
    expect(text).not.toMatch(/Cy says|Bo says|Cy self-notes|Cy inline|old line|Fix flicker|Debounce/);
    expect(records.every((r) => r.locator.startsWith(fake.base))).toBe(true);
    // Strong links: the public email, and the addresses GitHub attributes commits by.
    expect([...new Set(links.filter((l) => l.strength === 'strong').map((l) => l.to.value))].sort()).toEqual([
      '1001+ann-example@users.noreply.github.com',
      'ann@example.org',
    ]);
    // An ordinary contributor costs about a dozen requests.
    expect(stats['requests']).toBe(13);
    expect(stats['requests']).toBe(fake.requests);
  });

  it('links an address to the login GitHub associates with it, strongly', async () => {
    const { records, links } = await discoverAll(adapter(), [{ type: 'email', value: 'ann@example.org' }]);
    const toAnn = links.filter((l) => l.to.value === 'ann-example');
    expect(toAnn.length).toBeGreaterThan(0);
    expect(toAnn.every((l) => l.strength === 'strong' && l.from.value === 'ann@example.org')).toBe(true);
    expect(records.map((r) => `${r.type}:${r.data['sha']}`)).toEqual([`commit:${'1'.repeat(40)}`]);
  });

  it('finds an invitation by address and an outside collaborator by handle', async () => {
    const byEmail = await discoverAll(adapter(), [{ type: 'email', value: 'bo@example.com' }]);
    expect(byEmail.records.map((r) => r.type).sort()).toEqual(['commit', 'org-invitation']);
    expect(byEmail.links).toEqual([expect.objectContaining({ to: { type: 'github', value: 'bo-tr' }, strength: 'strong' })]);
    const byLogin = await discoverAll(adapter({ erase: { removeFromOrg: true } }), [{ type: 'github', value: 'bo-tr' }]);
    const oc = byLogin.records.find((r) => r.type === 'outside-collaborator');
    expect(oc).toMatchObject({ disposition: 'erase', action: 'remove-membership' });
    expect(byLogin.records.find((r) => r.type === 'pull-request')?.data['title']).toBe('Docs typo');
    expect(byLogin.records.find((r) => r.type === 'comment')?.data['body']).toBe('Bo says: same here');
  });

  it('a handle GitHub answers 404 for (renamed or deleted) makes the source partial, says why, and what could be searched still is', async () => {
    // A renamed account: its old handle answers 404 while the org still holds an invitation
    // addressed to it, and the person's address still finds their commits.
    fake.world.invitations.push({ id: 78, login: 'ann-old-handle', email: null, role: 'direct_member', created_at: '2025-10-01T09:00:00Z' });
    const { records, stats } = await discoverAll(adapter(), [
      { type: 'github', value: 'ann-old-handle' },
      { type: 'email', value: 'ann@example.org' },
    ]);
    expect(stats['unknownUsers']).toBe(1);
    expect(partials).toEqual([
      expect.stringMatching(
        /a GitHub handle of the subject has no account on http:\/\/127\.0\.0\.1:\d+ \(404: renamed or deleted; .*"ghost"\).*were not searched \(pending invitations were\)/,
      ),
    ]);
    expect(partials[0]).not.toContain('ann-old-handle');
    expect(records.map((r) => r.type).sort()).toEqual(['commit', 'org-invitation']);
    // GitHub refuses searches by a login that has no account (422): none is made with it.
    expect(fake.count('GET', '/search/issues')).toBe(0);
    expect(fake.count('GET', '/orgs/lanternfish/memberships/ann-old-handle')).toBe(0);
  });

  it('a handle alone that GitHub answers 404 for is never a silent "ok, 0 records"', async () => {
    const { records } = await discoverAll(adapter(), [{ type: 'github', value: 'nobody-here' }]);
    expect(records).toEqual([]);
    expect(partials).toHaveLength(1);
  });

  it("owner-only lists refused to a member's token (404) are skipped with a note; the rest of the footprint is found", async () => {
    process.env[TOKEN_ENV] = 'member-token';
    const bo = await discoverAll(adapter(), [
      { type: 'github', value: 'bo-tr' },
      { type: 'email', value: 'bo@example.com' },
    ]);
    expect(bo.records.map((r) => r.type).sort()).toEqual(['comment', 'commit', 'profile', 'pull-request']);
    expect(notes.sort()).toEqual([
      expect.stringMatching(
        /^outside collaborators of lanternfish not read: GitHub refused them to this token \(404; only an organisation owner may list them\)/,
      ),
      expect.stringMatching(/^pending invitations of lanternfish not read: .*admin:org/),
    ]);
    expect(partials).toEqual([]);
    expect(bo.stats['ownerOnlyRefused']).toBe(2);
    expect(fake.count('GET', '/orgs/lanternfish/invitations')).toBe(1);
    // A 403 without a rate limit is a refusal too (GitHub's answer where the role, not the scope, is missing).
    clearGithubCache();
    notes = [];
    fake.fault({
      path: '/orgs/lanternfish/invitations',
      status: 403,
      body: { message: 'Must be an organization owner.', documentation_url: 'https://docs.github.com/rest' },
    });
    process.env[TOKEN_ENV] = TOKEN;
    const ann = await discoverAll(adapter(), [ANN]);
    expect(ann.records.some((r) => r.type === 'org-membership')).toBe(true);
    expect(notes).toEqual([expect.stringMatching(/^pending invitations of lanternfish not read: GitHub refused them to this token \(403;/)]);
  });

  it('reads pull-request endpoints only for search results that carry pull_request', async () => {
    // A search answer holding an issue (no pull_request, as api.github.com writes issues) next to a pull request.
    const items = [fake.issueItem(fake.world.issues[0]), fake.issueItem(fake.world.issues[1])];
    expect(items.map((i: any) => 'pull_request' in i)).toEqual([false, true]);
    fake.fault({ path: '/search/issues', query: /reviewed-by:/, status: 200, body: { total_count: 2, incomplete_results: false, items } });
    const { records } = await discoverAll(adapter());
    expect(fake.count('GET', '/repos/lanternfish/lanternfish/pulls/1/reviews')).toBe(0);
    expect(fake.count('GET', '/repos/lanternfish/lanternfish/pulls/1/comments')).toBe(0);
    expect(fake.count('GET', '/repos/lanternfish/lanternfish/pulls/2/reviews')).toBe(1);
    expect(records.filter((r) => r.type === 'review').map((r) => r.data['body'])).toEqual(['Ann approves']);
  });

  it('covers only the configured repositories, and lists their commits directly', async () => {
    fake.world.commits.push({
      repo: 'docs',
      sha: '5'.repeat(40),
      message: 'Unindexed',
      login: 'ann-example',
      email: 'ann@example.org',
      name: 'Ann',
      date: '2024-06-01T00:00:00Z',
      indexed: false,
    });
    const { records } = await discoverAll(adapter({ repos: ['docs'] }));
    expect(records.filter((r) => ['issue', 'comment', 'review'].includes(r.type))).toEqual([]);
    expect(records.filter((r) => r.type === 'commit').map((r) => r.data['sha'])).toEqual(['5'.repeat(40)]);
  });
});

describe("github manual steps name a GitHub Enterprise instance only when baseUrl is not GitHub's", () => {
  // The example user of GitHub's own OpenAPI description (@octokit/openapi): a /users answer as api.github.com gives it.
  const require = createRequire(import.meta.url);
  const spec = JSON.parse(readFileSync(join(dirname(require.resolve('@octokit/openapi/package.json')), 'generated', 'api.github.com.json'), 'utf8'));
  const octocat = spec.components.examples['public-user-default-response'].value;
  const matched = { type: 'github', value: 'octocat', field: 'login' };

  it("GitHub's own API, however its URL is written: GitHub's channels and github.com links", () => {
    for (const base of ['https://api.github.com', 'https://api.github.com/', 'https://API.GitHub.com:443/', 'https://api.github.com./']) {
      expect([base, isGithubDotCom(base), htmlBaseOf(base)]).toEqual([base, true, 'https://github.com']);
      const maker = new RecordMaker('gh', 'lanternfish', base, false);
      const profile = maker.profile(octocat, matched);
      expect(profile.manual).toMatch(/^the profile is GitHub's own data: .*https:\/\/github\.com\/settings\/admin/);
      expect(profile.manual).not.toMatch(/Enterprise/);
      expect(profile.locator).toBe('https://github.com/octocat');
      const m = maker.membership(
        'org-membership',
        'x',
        [matched],
        {},
        { kind: 'org-member' },
        'an owner removes the person at https://github.com/orgs/lanternfish/people',
      );
      expect(m.manual).not.toMatch(/Enterprise/);
    }
  });

  it('any other API base is an instance whose administrators answer for the profile', () => {
    expect(htmlBaseOf('https://ghe.example.com/api/v3')).toBe('https://ghe.example.com');
    expect(new RecordMaker('gh', 'lanternfish', 'https://ghe.example.com/api/v3/', false).profile(octocat, matched).manual).toBe(
      'the profile is held by the GitHub Enterprise instance at https://ghe.example.com: its administrators answer export and deletion requests for it',
    );
    for (const base of ['http://127.0.0.1:8080', 'https://api.github.com.evil.example', 'https://github.example.com']) expect(isGithubDotCom(base)).toBe(false);
  });
});

describe('github scale and limits', () => {
  function prolific(world: any, issues: number, commits: number) {
    for (let i = 0; i < issues; i++) {
      world.issues.push({
        repo: 'lanternfish',
        number: 100 + i,
        title: `Issue ${i}`,
        body: `b${i}`,
        user: 'ann-example',
        created_at: new Date(Date.UTC(2016, 0, 1) + i * 3_600_000 * 7).toISOString().replace('.000', ''),
      });
    }
    for (let i = 0; i < commits; i++) {
      world.commits.push({
        repo: 'lanternfish',
        sha: `c${i.toString(16)}`.padStart(40, '0'),
        message: `c${i}`,
        login: 'ann-example',
        email: 'ann@example.org',
        name: 'Ann',
        date: new Date(Date.UTC(2015, 0, 1) + i * 3_600_000 * 13).toISOString().replace('.000', ''),
      });
    }
  }

  it('follows Link pagination and splits searches over 1,000 results by date', async () => {
    await fake.stop();
    const world = demoWorld();
    prolific(world, 250, 2600);
    await start(world);
    const { records, stats } = await discoverAll(adapter());
    expect(records.filter((r) => r.type === 'issue')).toHaveLength(251);
    expect(records.filter((r) => r.type === 'commit')).toHaveLength(2602);
    expect(stats['searchSplits']).toBeGreaterThanOrEqual(1);
    expect(warnings).toEqual([]);
    expect(fake.count('GET', '/search/commits')).toBeGreaterThan(26);
  });

  it('reports incomplete search results', async () => {
    fake.world.incompleteSearch = true;
    const { stats } = await discoverAll(adapter());
    expect(stats['searchIncomplete']).toBeGreaterThan(0);
    expect(warnings.some((w) => /incomplete results/.test(w))).toBe(true);
    expect(warnings.join('\n')).not.toMatch(/ann/);
  });

  it('waits out a secondary rate limit (403 with retry-after), and says so', async () => {
    fake.fault({
      path: '/search/issues',
      status: 403,
      headers: { 'retry-after': '2' },
      body: {
        message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
        documentation_url: 'https://docs.github.com/rest',
      },
    });
    const clock = fakeClock();
    const { records, stats } = await discoverAll(adapter({}, { ...FAST, clock }));
    expect(records.some((r) => r.type === 'issue')).toBe(true);
    expect(stats['rateLimitWaits']).toBe(1);
    expect(stats['rateLimitWaitSeconds']).toBe(2);
    expect(warnings).toEqual([expect.stringMatching(/secondary rate limit reached; waiting 2 s/)]);
    // The wait asked for: GitHub's 2 s in the tuning's unit (10 ms a second), nothing else.
    expect(clock.waits).toEqual([2 * FAST.waitUnitMs!]);
  });

  it('waits out a primary rate limit (x-ratelimit-remaining: 0, x-ratelimit-reset)', async () => {
    fake.fault({
      path: '/users/',
      status: 403,
      headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': () => String(Math.floor(Date.now() / 1000) + 3) },
      body: { message: 'API rate limit exceeded', documentation_url: 'https://docs.github.com/rest' },
    });
    const { records, stats } = await discoverAll(adapter());
    expect(records.some((r) => r.type === 'profile')).toBe(true);
    expect(stats['rateLimitWaits']).toBe(1);
    expect(warnings[0]).toMatch(/primary rate limit reached; waiting [3-5] s/);
  });

  it('gives up past the ceiling: the source fails with a clear error', async () => {
    fake.fault({
      path: '/users/',
      status: 403,
      headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': () => String(Math.floor(Date.now() / 1000) + 3000) },
      body: { message: 'API rate limit exceeded', documentation_url: 'https://docs.github.com/rest' },
    });
    const err = await rejection(discoverAll(adapter({ maxWaitSeconds: 60 })));
    expect(err).toBeInstanceOf(SourceError);
    expect(err.message).toMatch(/primary rate limit: GET \/users\/\{username\} would have to wait \d+ s more .*maxWaitSeconds: 60/);
  });

  it('paces requests under a per-minute budget', async () => {
    const clock = fakeClock();
    const started = clock.now();
    const { records, stats } = await discoverAll(adapter({}, { ...FAST, maxPerMinute: 4, pacingWindowMs: 150, clock }));
    expect(records.some((r) => r.type === 'commit')).toBe(true);
    expect(stats['requests']).toBeGreaterThan(8);
    expect(stats['pacingWaitMs']).toBeGreaterThan(0);
    // Every wait is the pacing's, none longer than the window, and over 8 requests at 4 a
    // window they span at least two windows of (virtual) time.
    expect(clock.waits.reduce((a, b) => a + b, 0)).toBe(stats['pacingWaitMs']);
    for (const w of clock.waits) expect(w).toBeLessThanOrEqual(150);
    expect(clock.now() - started).toBeGreaterThanOrEqual(300);
    expect(infos.some((m) => /pacing requests to 4 a minute/.test(m))).toBe(true);
  });

  it('retries a 5xx and then succeeds', async () => {
    fake.fault({ path: '/users/', status: 502, times: 2, body: { message: 'Bad gateway' } });
    const { records, stats } = await discoverAll(adapter());
    expect(records.some((r) => r.type === 'profile')).toBe(true);
    expect(stats['requests']).toBe(fake.requests);
    expect(fake.count('GET', '/users/ann-example')).toBe(3);
  });

  it('a 5xx that persists fails the source after the retries', async () => {
    fake.fault({ path: '/users/', status: 503, times: 10, body: { message: 'Unavailable' } });
    const err = await rejection(discoverAll(adapter()));
    expect(err).toBeInstanceOf(SourceError);
    expect(err.message).toMatch(/503, still after 3 retries/);
  });

  it('an unreadable org (422 from search) fails the source', async () => {
    const err = await rejection(discoverAll(adapter({ org: 'no-such-org' }), [{ type: 'email', value: 'ann@example.org' }]));
    expect(err).toBeInstanceOf(SourceError);
    expect(err.message).toMatch(/422.*organisation does not exist or the token cannot see it/);
  });

  it('a bad token is an AuthError (401) that never shows the token', async () => {
    process.env[TOKEN_ENV] = 'ghp_wrongwrongwrong';
    const err = await rejection(discoverAll(adapter()));
    expect(err).toBeInstanceOf(AuthError);
    expect(err.message).toMatch(/401 Bad credentials/);
    expect(`${err.message} ${(err as AuthError).hint}`).not.toContain('ghp_wrong');
  });

  it('a 403 without a rate limit is an AuthError naming the missing scope', async () => {
    fake.fault({
      path: '/orgs/lanternfish/memberships/',
      status: 403,
      headers: { 'x-accepted-oauth-scopes': 'admin:org, read:org', 'x-oauth-scopes': 'repo' },
      body: { message: 'Must have admin rights to Repository.', documentation_url: 'https://docs.github.com/rest' },
    });
    const err = await rejection(discoverAll(adapter()));
    expect(err).toBeInstanceOf(AuthError);
    expect(err.message).toMatch(/lacks the admin:org or read:org scope/);
  });
});

describe('github erase', () => {
  async function eraseAll(a: SourceAdapter, records: PersonalRecord[], ids: Identity[] = [ANN]): Promise<StepResult[]> {
    const out: StepResult[] = [];
    for await (const r of a.erase!(stepsFor(records), new IdentityMatcher(ids), ctx())) out.push(r);
    return out;
  }

  it('removes memberships only when removeFromOrg is set, once, idempotently', async () => {
    const a = adapter({ erase: { removeFromOrg: true } });
    const { records } = await discoverAll(a);
    const erasable = records.filter((r) => r.disposition === 'erase');
    expect(erasable.map((r) => `${r.type}:${r.action}`).sort()).toEqual(['org-membership:remove-membership', 'team-membership:remove-membership']);
    expect(records.filter((r) => r.disposition === 'retain').length).toBeGreaterThan(0);
    const first = await eraseAll(a, records);
    expect(first.map((r) => r.status)).toEqual(['done', 'done']);
    expect(fake.count('DELETE', '/orgs/lanternfish/members/ann-example')).toBe(1);
    expect(fake.count('DELETE', '/orgs/lanternfish/teams/maintainers/memberships/ann-example')).toBe(1);
    const again = await eraseAll(a, records);
    expect(again.map((r) => r.status)).toEqual(['gone', 'gone']);
    expect(fake.count('DELETE', '/orgs/lanternfish/members/ann-example')).toBe(1);
    const after = await discoverAll(a);
    expect(after.records.filter((r) => r.disposition === 'erase')).toEqual([]);
  });

  it('cancels an invitation found by address', async () => {
    const a = adapter({ erase: { removeFromOrg: true } });
    const bo: Identity[] = [{ type: 'email', value: 'bo@example.com' }];
    const { records } = await discoverAll(a, bo);
    expect(records.find((r) => r.type === 'org-invitation')).toMatchObject({ disposition: 'erase', action: 'cancel-invitation' });
    expect((await eraseAll(a, records, bo)).map((r) => r.status)).toEqual(['done']);
    expect(fake.world.invitations).toEqual([]);
  });

  it('refuses a step that does not name the subject', async () => {
    const a = adapter({ erase: { removeFromOrg: true } });
    const { records } = await discoverAll(a);
    const results = await eraseAll(a, records, [{ type: 'github', value: 'cy-other' }]);
    expect(results.every((r) => r.status === 'failed')).toBe(true);
    expect(fake.count('DELETE', '/orgs/lanternfish/members/ann-example')).toBe(0);
  });
});
