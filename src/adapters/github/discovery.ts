// What the GitHub adapter reads for one subject, and in which order: for an address, the
// accounts GitHub associates with it and the commits written with it; for a login, the profile,
// memberships, invitations and contributions. Records are made by records.ts.
import { normalizeEmail, normalizeGithub, type IdentityMatcher, type MatchedIdentity } from '../../core/identity.js';
import type { PersonalRecord } from '../../core/record.js';
import type { AdapterContext } from '../types.js';
import { statusOf, type GithubClient } from './client.js';
import { explicitRepos, type GithubSourceConfig } from './config.js';
import { isGithubDotCom, htmlBaseOf, type Item, type RecordMaker, type SearchCommit, type SearchIssue } from './records.js';
import { cachedList, pool, searchAll } from './search.js';

const NOREPLY = /@users\.noreply\.github\.com$/i;

interface Thread {
  repo: string;
  number: number;
  html_url: string;
}

/** One discover() run: the client, the counters, and what was already yielded. */
export class Discovery {
  /** What is being read now, for error messages (never an identity). */
  doing = 'the organisation';
  scope = 'read:org';
  private readonly seen = new Set<string>();
  private readonly commitEmails = new Set<string>();
  private readonly org: string;
  private readonly html: string;
  /** Handles of the subject that GitHub answers 404 for (renamed or deleted accounts). */
  private missingLogins = 0;

  constructor(
    private readonly source: string,
    private readonly cfg: GithubSourceConfig,
    private readonly gh: GithubClient,
    private readonly ctx: AdapterContext,
    private readonly make: RecordMaker,
    private readonly inRepo: (name: string) => boolean,
  ) {
    this.org = cfg.org;
    this.html = htmlBaseOf(cfg.baseUrl);
  }

  async *all(subject: IdentityMatcher): AsyncGenerator<Item> {
    const logins = subject.needles(['github']);
    const emails = subject.needles(['email']).filter((e) => e.includes('@'));
    for (const email of emails) yield* this.forEmail(email);
    for (const login of logins) yield* this.forLogin(login);
    if (logins.length + emails.length > 0) yield* this.pendingInvitations(new Set(logins), new Set(emails));
    if (this.missingLogins > 0) this.reportMissingLogins();
  }

  private bump(stat: string, by = 1) {
    this.ctx.stats[stat] = (this.ctx.stats[stat] ?? 0) + by;
  }

  /** Yield a record once per (type, locator): the same commit found by address and by login is one. */
  private *emit(r: PersonalRecord): Generator<Item> {
    const key = `${r.type}\u0000${r.locator}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    yield r;
  }

  /** Every item of an organisation-wide list, from the process cache when fresh. */
  private list<T>(route: string): Promise<T[]> {
    return cachedList<T>(`${this.source}\u0000${this.cfg.baseUrl}\u0000${this.org}\u0000${route}`, async () => {
      const out: T[] = [];
      for await (const page of this.gh.pages(route, { org: this.org })) out.push(...(page.data as T[]));
      return out;
    });
  }

  /**
   * An organisation-wide list only an owner may read (pending invitations, outside
   * collaborators), or null when GitHub refuses it to this token (404 to a non-owner): the rest
   * of the footprint is still read, and the source's status says what was not.
   */
  private async ownerList<T>(route: string, what: string): Promise<T[] | null> {
    try {
      return await this.list<T>(route);
    } catch (err) {
      if (!this.gh.refused(err)) throw err;
      this.bump('ownerOnlyRefused');
      const text =
        `${what} of ${this.org} not read: GitHub refused them to this token (${statusOf(err)}; only an organisation owner may list them)` +
        " — give the source an owner's token (admin:org) to include them";
      if (this.ctx.note) this.ctx.note(text);
      else this.ctx.log.warn(`${this.source}: ${text}`);
      return null;
    }
  }

  /** A handle GitHub does not know makes the source partial: what it would have found is unknown. */
  private reportMissingLogins() {
    const n = this.missingLogins;
    const where = isGithubDotCom(this.cfg.baseUrl) ? 'GitHub' : this.html;
    const reason =
      `${n === 1 ? 'a GitHub handle' : `${n} GitHub handles`} of the subject ${n === 1 ? 'has' : 'have'} no account on ${where}` +
      ' (404: renamed or deleted; GitHub shows a deleted account\'s contributions as by "ghost"), and GitHub searches by no such handle:' +
      ` ${n === 1 ? 'its' : 'their'} issues, comments, reviews, commits and memberships were not searched (pending invitations were)` +
      ' — if the account was renamed, search again with its new handle';
    if (this.ctx.partial) this.ctx.partial(reason);
    else this.ctx.log.warn(`${this.source}: ${reason}`);
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
        yield this.make.link(
          { type: 'email', value: email },
          { type: 'github', value: login },
          strong ? 'strong' : 'candidate',
          profile?.data.html_url ?? `${this.html}/${u.login}`,
          strong ? 'the public email of the GitHub profile' : 'GitHub user search matched the address, but the profile does not show it',
        );
      }
    }
    this.doing = `the commit search in ${this.org}`;
    this.scope = 'repo';
    for await (const c of searchAll<SearchCommit>(this.gh, this.ctx, this.source, 'commits', `org:${this.org} author-email:${email}`, 'author-date')) {
      const repo = c.repository?.name ?? '';
      if (!this.inRepo(repo)) continue;
      // Search is fuzzy: only a commit whose author address is exactly this one is theirs (and
      // only that may link the address to an account, strongly).
      if (normalizeEmail(c.commit.author?.email ?? '') !== email) continue;
      yield* this.emit(this.make.commit(c, repo, { type: 'email', value: email, field: 'commit.author.email' }));
      const login = c.author?.login ? normalizeGithub(c.author.login) : null;
      if (login && !linked.has(login)) {
        linked.add(login);
        yield this.make.link(
          { type: 'email', value: email },
          { type: 'github', value: login },
          'strong',
          c.html_url,
          'GitHub attributes commits by this address to the account',
        );
      }
    }
  }

  // -- a login: profile, memberships, contributions --

  private async *forLogin(login: string): AsyncGenerator<Item> {
    this.doing = 'the user profile';
    this.scope = 'read:user';
    const user = await this.gh.optional('GET /users/{username}', { username: login });
    if (!user) {
      // Renamed or deleted. GitHub's searches refuse a login without an account (422), so only
      // the pending invitations (which name a login as typed) can still be read for it.
      this.ctx.log.info(`${this.source}: a GitHub handle of the subject does not exist on ${this.cfg.baseUrl}`);
      this.bump('unknownUsers');
      this.missingLogins++;
      return;
    }
    const u = user.data;
    const matched: MatchedIdentity = { type: 'github', value: login, field: 'login' };
    yield* this.emit(this.make.profile(u, matched));
    if (typeof u.email === 'string') {
      const e = normalizeEmail(u.email);
      if (e)
        yield this.make.link({ type: 'github', value: login }, { type: 'email', value: e }, 'strong', u.html_url, 'the public email of the GitHub profile');
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
        this.make.membership(
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
      const found = await pool(teams, this.gh.concurrency, async (t) => ({
        t,
        r: await this.gh.optional('GET /orgs/{org}/teams/{team_slug}/memberships/{username}', { org, team_slug: t.slug, username: login }),
      }));
      for (const { t, r } of found) {
        if (!r) continue;
        yield* this.emit(
          this.make.membership(
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
      const outside = await this.ownerList<{ login: string }>('GET /orgs/{org}/outside_collaborators', 'outside collaborators');
      if (outside?.some((c) => c.login.toLowerCase() === login.toLowerCase())) {
        yield* this.emit(
          this.make.membership(
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
    const invitations = await this.ownerList<{ id: number; login: string | null; email: string | null; role: string; created_at: string }>(
      'GET /orgs/{org}/invitations',
      'pending invitations',
    );
    for (const inv of invitations ?? []) {
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
        this.make.membership(
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

  private search<T>(kind: 'issues' | 'commits', q: string, field: 'created' | 'author-date'): AsyncGenerator<T> {
    return searchAll<T>(this.gh, this.ctx, this.source, kind, q, field);
  }

  private async *contributions(login: string, canonical: string): AsyncGenerator<Item> {
    const org = this.org;
    const me = (who: { login: string } | null | undefined) => !!who && who.login.toLowerCase() === canonical;
    this.scope = 'repo';
    // Authored issues and pull requests: their title and body are the subject's own words.
    this.doing = `the issue search in ${org}`;
    for await (const it of this.search<SearchIssue>('issues', `org:${org} author:${login}`, 'created')) {
      const repo = this.repoOf(it.repository_url);
      if (!this.inRepo(repo) || !me(it.user)) continue;
      yield* this.emit(this.make.authored(it, repo, canonical));
    }
    // Threads they commented on: only their own comments are read out.
    this.doing = `the comment search in ${org}`;
    const threads: Thread[] = [];
    for await (const it of this.search<SearchIssue>('issues', `org:${org} commenter:${login}`, 'created')) {
      const repo = this.repoOf(it.repository_url);
      if (this.inRepo(repo)) threads.push({ repo, number: it.number, html_url: it.html_url });
    }
    this.doing = `the issue comments in ${org}`;
    const comments = await pool(threads, this.gh.concurrency, async (t) => {
      const mine: any[] = [];
      for await (const page of this.gh.pages('GET /repos/{owner}/{repo}/issues/{issue_number}/comments', {
        owner: org,
        repo: t.repo,
        issue_number: t.number,
      })) {
        mine.push(...(page.data as any[]).filter((c) => me(c.user)));
      }
      return { t, mine };
    });
    for (const { t, mine } of comments) {
      for (const c of mine) yield* this.emit(this.make.comment(c, t.repo, canonical, { thread: t.html_url }));
    }
    // Reviews, read from each pull request. The pulls/ endpoints answer 404 for an issue, so
    // only results that carry `pull_request` are read, whatever the query asked for.
    this.doing = `the review search in ${org}`;
    const reviewed: Thread[] = [];
    for await (const it of this.search<SearchIssue>('issues', `org:${org} is:pr reviewed-by:${login}`, 'created')) {
      const repo = this.repoOf(it.repository_url);
      if (this.inRepo(repo) && it.pull_request) reviewed.push({ repo, number: it.number, html_url: it.html_url });
    }
    this.doing = `the pull request reviews in ${org}`;
    const reviews = await pool(reviewed, this.gh.concurrency, async (t) => {
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
      for (const r of mine) yield* this.emit(this.make.review(r, t.repo, canonical, t.html_url));
      for (const c of inline) yield* this.emit(this.make.comment(c, t.repo, canonical, { pullRequest: t.html_url }));
    }
    // Commits the account authored (GitHub's attribution), from search…
    this.doing = `the commit search in ${org}`;
    const matched: MatchedIdentity = { type: 'github', value: canonical, field: 'author.login' };
    for await (const c of this.search<SearchCommit>('commits', `org:${org} author:${login}`, 'author-date')) {
      const repo = c.repository?.name ?? '';
      if (!this.inRepo(repo) || !me(c.author)) continue;
      yield* this.emit(this.make.commit(c, repo, matched));
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
            yield* this.emit(this.make.commit(c, repo, matched));
            yield* this.commitEmailLink(canonical, c);
          }
        }
      } catch (err) {
        const s = statusOf(err);
        if (s !== 404 && s !== 409) throw err; // 404: no such repository; 409: an empty one
        this.ctx.log.warn(`${this.source}: repository ${org}/${repo} ${s === 404 ? 'not found' : 'is empty'}; its commits were not listed`);
      }
    }
  }

  /** GitHub attributes a commit to an account only for a verified address of that account. */
  private *commitEmailLink(login: string, c: SearchCommit): Generator<Item> {
    const e = c.commit.author?.email ? normalizeEmail(c.commit.author.email) : null;
    if (!e || this.commitEmails.has(`${login}\u0000${e}`)) return;
    this.commitEmails.add(`${login}\u0000${e}`);
    yield this.make.link(
      { type: 'github', value: login },
      { type: 'email', value: e },
      'strong',
      c.html_url,
      'GitHub attributes commits by this address to the account',
    );
  }
}
