// The GitHub adapter: a contributor's footprint in the project's GitHub organisation — profile,
// organisation / team membership, pending invitations, outside-collaborator status, and the
// issues, pull requests, comments, reviews and commits they wrote in the org's repositories.
// Contributions are retained (core/policy.ts); memberships are removed only where the
// config allows it; the profile is GitHub's own data, so it is a manual step.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import { AuthError, SourceError, SourceSkipped, errorMessage } from '../../core/errors.js';
import { holdSecret } from '../../core/secrets.js';
import { normalizeEmail, normalizeGithub, type Identity, type IdentityMatcher, type MatchedIdentity } from '../../core/identity.js';
import { defaultRetentionFor } from '../../core/policy.js';
import type { IdentityLink, PersonalRecord } from '../../core/record.js';
import type { AdapterContext, AdapterEnv, AdapterFactory, CheckResult, ErasureStep, SourceAdapter, StepResult } from '../types.js';
import { GithubClient, statusOf, type GithubTuning } from './client.js';
import { explicitRepos, githubSourceSchema, repoFilter, type GithubSourceConfig } from './config.js';

export { githubSourceSchema, type GithubSourceConfig } from './config.js';
export type { GithubTuning } from './client.js';

const IDENTITY_TYPES = ['github', 'email'] as const;
/** GitHub search answers at most this many results per query. */
const SEARCH_CAP = 1000;
/** Search windows are split down to this width at most (seconds). */
const MIN_WINDOW_S = 60;
const GITHUB_EPOCH = Date.parse('2007-10-01T00:00:00Z');
const NOREPLY = /@users\.noreply\.github\.com$/i;

type Item = PersonalRecord | IdentityLink;

/**
 * Organisation-wide lists (teams, outside collaborators, pending invitations) read once per
 * process for a few minutes: identity expansion runs discover() again for the identities a round
 * revealed, and `batch` runs it for many people. Any erasure through this adapter clears it.
 */
const ORG_CACHE_MS = 5 * 60_000;
const orgCache = new Map<string, { at: number; value: unknown }>();

async function cachedList<T>(key: string, load: () => Promise<T[]>): Promise<T[]> {
  const hit = orgCache.get(key);
  if (hit && Date.now() - hit.at < ORG_CACHE_MS) return hit.value as T[];
  const value = await load();
  orgCache.set(key, { at: Date.now(), value });
  return value;
}

/** For tests and benchmarks: forget the organisation-wide lists. */
export function clearGithubCache(): void {
  orgCache.clear();
}

export class GithubAdapter implements SourceAdapter {
  readonly kind = 'github';
  readonly name: string;
  readonly identityTypes: readonly string[] = IDENTITY_TYPES;
  private readonly inRepo: (name: string) => boolean;
  /** Where people look at things: github.com for api.github.com, the host for GHES. */
  private readonly htmlBase: string;

  constructor(
    private readonly cfg: GithubSourceConfig,
    private readonly env: AdapterEnv,
    private readonly tuning: GithubTuning = {},
  ) {
    this.name = cfg.name;
    this.inRepo = repoFilter(cfg.repos);
    const api = new URL(cfg.baseUrl);
    this.htmlBase =
      api.hostname === 'api.github.com' ? 'https://github.com' : `${api.protocol}//${api.host}${api.pathname.replace(/\/api\/v3\/?$/, '').replace(/\/+$/, '')}`;
  }

  // ---- token ----

  /** The token, or SourceSkipped saying how to provide one. Never logged, never in a message. */
  private token(): string {
    const fromEnv = process.env[this.cfg.tokenEnv]?.trim();
    if (fromEnv) return holdSecret(fromEnv);
    let fileWhy = '';
    if (this.cfg.tokenFile) {
      const raw = this.cfg.tokenFile.startsWith('~/') ? resolve(homedir(), this.cfg.tokenFile.slice(2)) : this.cfg.tokenFile;
      const file = isAbsolute(raw) ? raw : resolve(this.env.configDir, raw);
      try {
        const t = readFileSync(file, 'utf8').split(/\r?\n/)[0]!.trim();
        if (t) return holdSecret(t);
        fileWhy = `, and tokenFile ${this.cfg.tokenFile} is empty`;
      } catch (err) {
        fileWhy = `, and tokenFile ${this.cfg.tokenFile} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`;
      }
    }
    throw new SourceSkipped(
      `no token: set ${this.cfg.tokenEnv} (tokenEnv) or tokenFile to a GitHub token with the read:org scope` +
        ` (${this.cfg.tokenEnv} is not set${fileWhy})`,
    );
  }

  private client(ctx: Pick<AdapterContext, 'signal' | 'log' | 'stats'>): Promise<GithubClient> {
    return GithubClient.create({
      source: this.name,
      baseUrl: this.cfg.baseUrl,
      token: this.token(),
      maxWaitSeconds: this.cfg.maxWaitSeconds,
      signal: ctx.signal,
      log: ctx.log,
      stats: ctx.stats,
      tuning: this.tuning,
    });
  }

  async check(signal: AbortSignal): Promise<CheckResult> {
    let gh: GithubClient;
    try {
      gh = await this.client({ signal, log: { info() {}, warn() {} }, stats: {} });
    } catch (err) {
      // Not a failure: the source is skipped in every run until a token is set.
      return { ok: true, skipped: true, detail: errorMessage(err) };
    }
    try {
      const res = await gh.request('GET /orgs/{org}', { org: this.cfg.org });
      const scopes = res.headers['x-oauth-scopes'];
      return {
        ok: true,
        detail: `org ${this.cfg.org} readable at ${this.cfg.baseUrl}; token accepted${scopes !== undefined ? ` (scopes: ${scopes || 'none'})` : ''}`,
      };
    } catch (err) {
      const e = statusOf(err) === 404 ? new SourceError(`org ${this.cfg.org} not found at ${this.cfg.baseUrl}`) : gh.mapError(err, `the organisation ${this.cfg.org}`, 'read:org');
      return { ok: false, detail: errorMessage(e) };
    }
  }

  // ---- discovery ----

  async *discover(subject: IdentityMatcher, ctx: AdapterContext): AsyncIterable<Item> {
    const gh = await this.client(ctx);
    const run = new Discovery(this, this.cfg, gh, ctx, this.htmlBase, this.inRepo);
    try {
      yield* run.all(subject);
    } catch (err) {
      throw gh.mapError(err, run.doing, run.scope);
    }
  }

  // ---- erasure ----

  async *erase(steps: ErasureStep[], subject: IdentityMatcher, ctx: AdapterContext): AsyncIterable<StepResult> {
    const gh = await this.client(ctx);
    const org = this.cfg.org;
    clearGithubCache();
    // Team memberships and invitations first: removing someone from the org ends those anyway.
    const order = (s: ErasureStep) => (s.params['kind'] === 'org-member' ? 1 : 0);
    for (const step of [...steps].sort((a, b) => order(a) - order(b))) {
      ctx.signal.throwIfAborted();
      const p = step.params;
      const login = typeof p['login'] === 'string' ? p['login'] : '';
      const email = typeof p['email'] === 'string' ? p['email'] : '';
      // A plan is a file and a file can be edited: act only on the subject's own identities.
      const mine = (login && subject.matchCell('github', login) !== null) || (email && subject.matchCell('email', email) !== null);
      if (!mine || !this.cfg.erase.removeFromOrg) {
        yield { stepId: step.id, status: 'failed', detail: !mine ? 'the step does not name one of the subject\'s identities' : 'erase.removeFromOrg is not true for this source' };
        continue;
      }
      const remove = async (route: string, params: Record<string, unknown>): Promise<'done' | 'gone'> => {
        try {
          await gh.request(route, { org, ...params });
          return 'done';
        } catch (err) {
          if (statusOf(err) === 404) return 'gone';
          throw gh.mapError(err, `the request ${route.replace('{org}', org)}`, 'admin:org');
        }
      };
      let status: 'done' | 'gone';
      switch (p['kind']) {
        case 'org-member': {
          // Ask first, so a re-run (or a replayed plan) never removes twice.
          let still;
          try {
            still = await gh.optional('GET /orgs/{org}/memberships/{username}', { org, username: login });
          } catch (err) {
            throw gh.mapError(err, `the organisation membership in ${org}`, 'admin:org');
          }
          status = still ? await remove('DELETE /orgs/{org}/members/{username}', { username: login }) : 'gone';
          break;
        }
        case 'team-member':
          status = await remove('DELETE /orgs/{org}/teams/{team_slug}/memberships/{username}', { team_slug: p['team'], username: login });
          break;
        case 'invitation':
          status = await remove('DELETE /orgs/{org}/invitations/{invitation_id}', { invitation_id: p['id'] });
          break;
        case 'outside-collaborator':
          status = await remove('DELETE /orgs/{org}/outside_collaborators/{username}', { username: login });
          break;
        default:
          yield { stepId: step.id, status: 'failed', detail: `unknown github erasure ${String(p['kind'])}` };
          continue;
      }
      yield { stepId: step.id, status };
    }
  }
}

interface SearchIssue {
  html_url: string;
  number: number;
  title: string;
  body?: string | null;
  state: string;
  created_at: string;
  closed_at?: string | null;
  repository_url: string;
  pull_request?: { merged_at?: string | null } | null;
  user: { login: string } | null;
}

interface SearchCommit {
  sha: string;
  html_url: string;
  commit: { message: string; author: { name?: string; email?: string; date?: string } | null };
  author: { login: string } | null;
  repository?: { name: string; full_name: string };
}

/** One discover() run: the client, the counters, and what was already yielded. */
class Discovery {
  /** What is being read now, for error messages (never an identity). */
  doing = 'the organisation';
  scope = 'read:org';
  private readonly seen = new Set<string>();
  private readonly org: string;

  constructor(
    private readonly adapter: GithubAdapter,
    private readonly cfg: GithubSourceConfig,
    private readonly gh: GithubClient,
    private readonly ctx: AdapterContext,
    private readonly html: string,
    private readonly inRepo: (name: string) => boolean,
  ) {
    this.org = cfg.org;
  }

  /** Every item of an organisation-wide list, from the process cache when fresh. */
  private list<T>(route: string): Promise<T[]> {
    return cachedList<T>(`${this.cfg.baseUrl}\u0000${this.org}\u0000${route}`, async () => {
      const out: T[] = [];
      for await (const page of this.gh.pages(route, { org: this.org })) out.push(...(page.data as T[]));
      return out;
    });
  }

  private bump(stat: string, by = 1) {
    this.ctx.stats[stat] = (this.ctx.stats[stat] ?? 0) + by;
  }

  /** Yield a record once per (type, locator): the same commit found by address and by login is one. */
  /** A link GitHub itself makes (or suggests) between two of the subject's identities. */
  private link(from: Identity, to: Identity, strength: IdentityLink['strength'], locator: string, reason: string): IdentityLink {
    return { kind: 'identity-link', from, to, strength, source: this.adapter.name, locator, reason };
  }

  private *emit(r: PersonalRecord): Generator<Item> {
    const key = `${r.type}\u0000${r.locator}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    yield r;
  }

  private contribution(type: string, locator: string, matched: MatchedIdentity[], categories: string[], data: Record<string, unknown>): PersonalRecord {
    return { source: this.adapter.name, type, locator, matched, categories, data, disposition: 'retain', retention: defaultRetentionFor(type)! };
  }

  private membership(type: string, locator: string, matched: MatchedIdentity[], data: Record<string, unknown>, erasure: Record<string, unknown>, manual: string): PersonalRecord {
    const base = { source: this.adapter.name, type, locator, matched, categories: ['online.handle', 'membership'], data };
    if (this.cfg.erase.removeFromOrg) {
      return { ...base, disposition: 'erase', action: erasure['kind'] === 'invitation' ? 'cancel-invitation' : 'remove-membership', erasure };
    }
    return { ...base, disposition: 'manual', manual: `${manual} (or set erase: { removeFromOrg: true } on source "${this.adapter.name}" to let privacyctl do it)` };
  }

  async *all(subject: IdentityMatcher): AsyncGenerator<Item> {
    const logins = subject.needles(['github']);
    const emails = subject.needles(['email']).filter((e) => e.includes('@'));
    for (const email of emails) yield* this.forEmail(email);
    for (const login of logins) yield* this.forLogin(login);
    if (logins.length + emails.length > 0) yield* this.pendingInvitations(new Set(logins), new Set(emails));
  }

  // -- an address: the logins GitHub associates with it, and the commits written with it --

  private async *forEmail(email: string): AsyncGenerator<Item> {
    const linked = new Set<string>();
    if (!NOREPLY.test(email)) {
      this.doing = 'the user search';
      const res = await this.gh.request('GET /search/users', { q: `${email} in:email`, per_page: 10 });
      for (const u of (res.data.items ?? []).slice(0, 5) as Array<{ login: string }>) {
        const login = normalizeGithub(u.login);
        if (!login) continue;
        // The search is fuzzy; link only when the profile shows exactly this address.
        const profile = await this.gh.optional('GET /users/{username}', { username: u.login });
        const shown = typeof profile?.data.email === 'string' ? normalizeEmail(profile.data.email) : null;
        const strong = shown === email;
        linked.add(login);
        yield this.link({ type: 'email', value: email }, { type: 'github', value: login }, strong ? 'strong' : 'candidate', profile?.data.html_url ?? `${this.html}/${u.login}`, strong ? 'the public email of the GitHub profile' : 'GitHub user search matched the address, but the profile does not show it');
      }
    }
    this.doing = `the commit search in ${this.org}`;
    this.scope = 'repo';
    for await (const c of this.searchAll<SearchCommit>('commits', `org:${this.org} author-email:${email}`, 'author-date')) {
      const repo = c.repository?.name ?? '';
      if (!this.inRepo(repo)) continue;
      // Search is fuzzy: only a commit whose author address is exactly this one is theirs (and
      // only that may link the address to an account, strongly).
      if (normalizeEmail(c.commit.author?.email ?? '') !== email) continue;
      yield* this.emit(this.commitRecord(c, repo, { type: 'email', value: email, field: 'commit.author.email' }));
      const login = c.author?.login ? normalizeGithub(c.author.login) : null;
      if (login && !linked.has(login)) {
        linked.add(login);
        yield this.link({ type: 'email', value: email }, { type: 'github', value: login }, 'strong', c.html_url, 'GitHub attributes commits by this address to the account');
      }
    }
  }

  private commitRecord(c: SearchCommit, repo: string, matched: MatchedIdentity): PersonalRecord {
    const a = c.commit.author ?? {};
    return this.contribution('commit', c.html_url, [matched], ['contact.email', 'name', 'contribution'], {
      repository: `${this.org}/${repo}`,
      sha: c.sha,
      // The subject line only: the rest of a message carries other people's trailers
      // (Co-authored-by, Signed-off-by) and words.
      message: (c.commit.message ?? '').split('\n')[0],
      authorName: a.name ?? null,
      authorEmail: a.email ?? null,
      authoredAt: a.date ?? null,
    });
  }

  // -- a login: profile, memberships, contributions --

  private async *forLogin(login: string): AsyncGenerator<Item> {
    this.doing = 'the user profile';
    this.scope = 'read:user';
    const user = await this.gh.optional('GET /users/{username}', { username: login });
    if (!user) {
      this.ctx.log.info(`${this.adapter.name}: a GitHub handle of the subject does not exist on ${this.cfg.baseUrl}`);
      this.bump('unknownUsers');
      return;
    }
    const u = user.data;
    const matched: MatchedIdentity = { type: 'github', value: login, field: 'login' };
    const profile: Record<string, unknown> = {};
    for (const k of ['login', 'name', 'email', 'company', 'blog', 'location', 'bio', 'twitter_username', 'hireable', 'created_at']) {
      if (u[k] !== null && u[k] !== undefined && u[k] !== '') profile[k] = u[k];
    }
    const host = this.html === 'https://github.com' ? 'GitHub' : `the GitHub Enterprise instance at ${this.html}`;
    yield* this.emit({
      source: this.adapter.name,
      type: 'profile',
      locator: u.html_url,
      matched: [matched],
      categories: ['online.handle', ...(profile['name'] ? ['name'] : []), ...(profile['email'] ? ['contact.email'] : []), ...(profile['company'] ? ['affiliation'] : []), ...(profile['location'] ? ['location.address'] : [])],
      data: profile,
      disposition: 'manual',
      manual:
        host === 'GitHub'
          ? 'the profile is GitHub\'s own data: the person exports it at https://github.com/settings/admin ("Export account data"), deletes the account there, and can send other requests to GitHub at https://support.github.com/contact/privacy'
          : `the profile is held by ${host}: its administrators answer export and deletion requests for it`,
    });
    if (typeof u.email === 'string') {
      const e = normalizeEmail(u.email);
      if (e) {
        yield this.link({ type: 'github', value: login }, { type: 'email', value: e }, 'strong', u.html_url, 'the public email of the GitHub profile');
      }
    }
    yield* this.memberships(u.login, matched);
    yield* this.contributions(u.login, login);
  }

  private async *memberships(login: string, matched: MatchedIdentity): AsyncGenerator<Item> {
    const org = this.org;
    const people = `${this.html}/orgs/${org}/people`;
    this.doing = `the organisation membership in ${org}`;
    this.scope = 'read:org';
    const m = await this.gh.optional('GET /orgs/{org}/memberships/{username}', { org, username: login });
    // A pending membership is an invitation: the invitation list reports it, with its id.
    if (m && m.data.state === 'active') {
      yield* this.emit(
        this.membership(
          'org-membership',
          `${people}?query=${login}`,
          [matched],
          { organization: org, login, role: m.data.role, state: m.data.state },
          { kind: 'org-member', login },
          `an owner of ${org} removes the person at ${people}`,
        ),
      );
      this.doing = `the teams of ${org}`;
      const teams = await this.list<{ slug: string; name: string; html_url: string }>('GET /orgs/{org}/teams');
      const found = await this.pool(teams, async (t) => ({ t, r: await this.gh.optional('GET /orgs/{org}/teams/{team_slug}/memberships/{username}', { org, team_slug: t.slug, username: login }) }));
      for (const { t, r } of found) {
        if (!r) continue;
        yield* this.emit(
          this.membership(
            'team-membership',
            `${t.html_url}/members?query=${login}`,
            [matched],
            { organization: org, team: t.slug, teamName: t.name, role: r.data.role, state: r.data.state },
            { kind: 'team-member', team: t.slug, login },
            `a maintainer of the team removes the person at ${t.html_url}/members`,
          ),
        );
      }
    } else if (!m) {
      this.doing = `the outside collaborators of ${org}`;
      this.scope = 'admin:org';
      const outside = await this.list<{ login: string }>('GET /orgs/{org}/outside_collaborators');
      if (outside.some((c) => c.login.toLowerCase() === login.toLowerCase())) {
        yield* this.emit(
          this.membership(
            'outside-collaborator',
            `${this.html}/orgs/${org}/outside-collaborators?query=${login}`,
            [matched],
            { organization: org, login, role: 'outside collaborator' },
            { kind: 'outside-collaborator', login },
            `an owner of ${org} removes the person's repository access at ${this.html}/orgs/${org}/outside-collaborators`,
          ),
        );
      }
    }
  }

  private async *pendingInvitations(logins: Set<string>, emails: Set<string>): AsyncGenerator<Item> {
    const org = this.org;
    this.doing = `the pending invitations of ${org}`;
    this.scope = 'admin:org';
    const invitations = await this.list<{ id: number; login: string | null; email: string | null; role: string; created_at: string }>('GET /orgs/{org}/invitations');
    for (const inv of invitations) {
      const login = inv.login ? normalizeGithub(inv.login) : null;
      const email = inv.email ? normalizeEmail(inv.email) : null;
      const matched: MatchedIdentity[] = [];
      if (login && logins.has(login)) matched.push({ type: 'github', value: login, field: 'login' });
      if (email && emails.has(email)) matched.push({ type: 'email', value: email, field: 'email' });
      if (matched.length === 0) continue;
      const data: Record<string, unknown> = { organization: org, role: inv.role, invitedAt: inv.created_at };
      if (login) data['login'] = inv.login;
      if (email) data['email'] = inv.email;
      yield* this.emit(
        this.membership(
          'org-invitation',
          `${this.html}/orgs/${org}/people/pending_invitations#invitation-${inv.id}`,
          matched,
          data,
          { kind: 'invitation', id: inv.id, ...(login ? { login } : {}), ...(email ? { email } : {}) },
          `an owner of ${org} cancels the invitation at ${this.html}/orgs/${org}/people/pending_invitations`,
        ),
      );
    }
  }

  private repoOf(repositoryUrl: string): string {
    return repositoryUrl.split('/').pop() ?? '';
  }

  private async *contributions(login: string, canonical: string): AsyncGenerator<Item> {
    const org = this.org;
    const me = (who: { login: string } | null | undefined) => !!who && who.login.toLowerCase() === canonical;
    this.scope = 'repo';
    // Authored issues and pull requests: their title and body are the subject's own words.
    this.doing = `the issue search in ${org}`;
    for await (const it of this.searchAll<SearchIssue>('issues', `org:${org} author:${login}`, 'created')) {
      const repo = this.repoOf(it.repository_url);
      if (!this.inRepo(repo) || !me(it.user)) continue;
      const type = it.pull_request ? 'pull-request' : 'issue';
      yield* this.emit(
        this.contribution(type, it.html_url, [{ type: 'github', value: canonical, field: 'user.login' }], ['online.handle', 'contribution'], {
          repository: `${org}/${repo}`,
          number: it.number,
          title: it.title,
          body: it.body ?? null,
          state: it.state,
          createdAt: it.created_at,
          ...(it.closed_at ? { closedAt: it.closed_at } : {}),
        }),
      );
    }
    // Threads they commented on: only their own comments are read out.
    this.doing = `the comment search in ${org}`;
    const threads: Array<{ repo: string; number: number; html_url: string; title: string }> = [];
    for await (const it of this.searchAll<SearchIssue>('issues', `org:${org} commenter:${login}`, 'created')) {
      const repo = this.repoOf(it.repository_url);
      if (this.inRepo(repo)) threads.push({ repo, number: it.number, html_url: it.html_url, title: it.title });
    }
    this.doing = `the issue comments in ${org}`;
    const comments = await this.pool(threads, async (t) => {
      const mine: any[] = [];
      for await (const page of this.gh.pages('GET /repos/{owner}/{repo}/issues/{issue_number}/comments', { owner: org, repo: t.repo, issue_number: t.number })) {
        mine.push(...(page.data as any[]).filter((c) => me(c.user)));
      }
      return { t, mine };
    });
    for (const { t, mine } of comments) {
      for (const c of mine) {
        yield* this.emit(
          this.contribution('comment', c.html_url, [{ type: 'github', value: canonical, field: 'user.login' }], ['online.handle', 'contribution'], {
            repository: `${org}/${t.repo}`,
            thread: t.html_url,
            body: c.body ?? null,
            createdAt: c.created_at,
            ...(c.updated_at && c.updated_at !== c.created_at ? { updatedAt: c.updated_at } : {}),
          }),
        );
      }
    }
    // Reviews: the review's state and body are theirs; the pull request's title is not.
    this.doing = `the review search in ${org}`;
    const reviewed: typeof threads = [];
    for await (const it of this.searchAll<SearchIssue>('issues', `org:${org} is:pr reviewed-by:${login}`, 'created')) {
      const repo = this.repoOf(it.repository_url);
      if (this.inRepo(repo)) reviewed.push({ repo, number: it.number, html_url: it.html_url, title: it.title });
    }
    this.doing = `the pull request reviews in ${org}`;
    const reviews = await this.pool(reviewed, async (t) => {
      const mine: any[] = [];
      const inline: any[] = [];
      const where = { owner: org, repo: t.repo, pull_number: t.number };
      for await (const page of this.gh.pages('GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews', where)) {
        mine.push(...(page.data as any[]).filter((r) => me(r.user)));
      }
      // Their line comments on the diff: the comment is theirs, the diff hunk is not exported.
      for await (const page of this.gh.pages('GET /repos/{owner}/{repo}/pulls/{pull_number}/comments', where)) {
        inline.push(...(page.data as any[]).filter((c) => me(c.user)));
      }
      return { t, mine, inline };
    });
    for (const { t, mine, inline } of reviews) {
      for (const r of mine) {
        yield* this.emit(
          this.contribution('review', r.html_url, [{ type: 'github', value: canonical, field: 'user.login' }], ['online.handle', 'contribution'], {
            repository: `${org}/${t.repo}`,
            pullRequest: t.html_url,
            state: r.state,
            body: r.body || null,
            submittedAt: r.submitted_at ?? null,
          }),
        );
      }
      for (const c of inline) {
        yield* this.emit(
          this.contribution('comment', c.html_url, [{ type: 'github', value: canonical, field: 'user.login' }], ['online.handle', 'contribution'], {
            repository: `${org}/${t.repo}`,
            pullRequest: t.html_url,
            path: c.path,
            ...(typeof c.line === 'number' ? { line: c.line } : {}),
            body: c.body ?? null,
            createdAt: c.created_at,
            ...(c.updated_at && c.updated_at !== c.created_at ? { updatedAt: c.updated_at } : {}),
          }),
        );
      }
    }
    // Commits the account authored (GitHub's attribution), from search…
    this.doing = `the commit search in ${org}`;
    const matched: MatchedIdentity = { type: 'github', value: canonical, field: 'author.login' };
    for await (const c of this.searchAll<SearchCommit>('commits', `org:${org} author:${login}`, 'author-date')) {
      const repo = c.repository?.name ?? '';
      if (!this.inRepo(repo) || !me(c.author)) continue;
      yield* this.emit(this.commitRecord(c, repo, matched));
      yield* this.commitEmailLink(canonical, c);
    }
    // …and from the listed repositories directly: search covers default branches only, and
    // misses repositories it has not indexed.
    for (const repo of explicitRepos(this.cfg.repos)) {
      this.doing = `the commits of ${org}/${repo}`;
      try {
        for await (const page of this.gh.pages('GET /repos/{owner}/{repo}/commits', { owner: org, repo, author: login })) {
          for (const c of page.data as SearchCommit[]) {
            if (!me(c.author)) continue;
            yield* this.emit(this.commitRecord(c, repo, matched));
            yield* this.commitEmailLink(canonical, c);
          }
        }
      } catch (err) {
        const s = statusOf(err);
        if (s !== 404 && s !== 409) throw err; // 404: no such repository; 409: an empty one
        this.ctx.log.warn(`${this.adapter.name}: repository ${org}/${repo} ${s === 404 ? 'not found' : 'is empty'}; its commits were not listed`);
      }
    }
  }

  private readonly commitEmails = new Set<string>();

  /** GitHub attributes a commit to an account only for a verified address of that account. */
  private *commitEmailLink(login: string, c: SearchCommit): Generator<Item> {
    const e = c.commit.author?.email ? normalizeEmail(c.commit.author.email) : null;
    if (!e || this.commitEmails.has(`${login}\u0000${e}`)) return;
    this.commitEmails.add(`${login}\u0000${e}`);
    yield this.link({ type: 'github', value: login }, { type: 'email', value: e }, 'strong', c.html_url, 'GitHub attributes commits by this address to the account');
  }

  /**
   * Every result of a search. GitHub answers at most 1,000 per query: when there are more, the
   * date range is split into windows of about 800 results each, recursively.
   */
  private async *searchAll<T>(kind: 'issues' | 'commits', q: string, field: 'created' | 'author-date', from?: number, to?: number): AsyncGenerator<T> {
    const ranged = from !== undefined && to !== undefined;
    const query = ranged ? `${q} ${field}:${iso(from)}..${iso(to)}` : q;
    const sort = kind === 'commits' ? 'author-date' : 'created';
    let first = true;
    for await (const page of this.gh.pages(`GET /search/${kind}`, { q: query, sort, order: 'asc' })) {
      const total: number = page.data.total_count ?? 0;
      if (first) {
        first = false;
        this.bump('searches');
        if (total > SEARCH_CAP) {
          const lo = from ?? GITHUB_EPOCH;
          const hi = to ?? Math.ceil(Date.now() / 1000) * 1000 + 86_400_000;
          const span = Math.floor((hi - lo) / 1000);
          if (span > MIN_WINDOW_S) {
            const parts = Math.min(Math.ceil(total / 800), 32, span);
            this.bump('searchSplits');
            const step = Math.floor(span / parts) * 1000;
            for (let i = 0; i < parts; i++) {
              const a = lo + i * step;
              const b = i === parts - 1 ? hi : lo + (i + 1) * step - 1000;
              yield* this.searchAll<T>(kind, q, field, a, b);
            }
            return;
          }
          this.ctx.log.warn(`${this.adapter.name}: a search found ${total} results in one minute; GitHub shows only the first ${SEARCH_CAP}`);
          this.bump('searchTruncated');
        }
      }
      if (page.data.incomplete_results) {
        this.ctx.log.warn(`${this.adapter.name}: GitHub search timed out and returned incomplete results; the export may miss items — run it again later`);
        this.bump('searchIncomplete');
      }
      for (const item of page.data.items as T[]) yield item;
    }
  }

  /** Run `fn` over `items`, a few at a time, keeping their order. */
  private async pool<A, R>(items: A[], fn: (a: A) => Promise<R>): Promise<R[]> {
    const out = new Array<R>(items.length);
    let next = 0;
    let failed = false;
    const worker = async () => {
      while (next < items.length && !failed) {
        const i = next++;
        try {
          out[i] = await fn(items[i]!);
        } catch (err) {
          failed = true; // the other workers stop at their next item
          throw err;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.gh.concurrency, items.length) }, worker));
    return out;
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function createGithubAdapter(cfg: GithubSourceConfig, env: AdapterEnv, tuning?: GithubTuning): GithubAdapter {
  return new GithubAdapter(cfg, env, tuning);
}

export const githubFactory: AdapterFactory<GithubSourceConfig> = {
  kind: 'github',
  schema: githubSourceSchema as unknown as AdapterFactory<GithubSourceConfig>['schema'],
  defaults: {
    categories: ['online.handle', 'name', 'contact.email', 'membership', 'contribution'],
    purpose: ['attribution', 'project governance', 'communication'],
    legalBasis: 'legitimate-interest',
    recipients: ['GitHub, Inc. (hosts the organisation)', 'the public (public repositories)'],
    retention:
      'contributions (commits, issues, pull requests, reviews, comments) are kept as proof of contribution and for the integrity of the project history; ' +
      'memberships until the person leaves the organisation',
    origin: 'provided by the data subject through their GitHub account and contributions',
  },
  create: (cfg, env) => new GithubAdapter(cfg, env),
};

// Re-exported for tests: the error classes discover() and erase() throw.
export { AuthError, SourceError, SourceSkipped };
