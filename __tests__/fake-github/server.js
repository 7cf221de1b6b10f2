// A fake GitHub REST API for tests and benchmarks: serves the endpoints the github adapter calls,
// with bodies shaped as GitHub's OpenAPI description gives them (schema.test.ts checks that),
// Link pagination, search's 1,000-result cap, and injectable faults (rate limits, 5xx, 401).
// Plain JavaScript so that bench/github.js can use it without a build step.
import { createServer } from 'node:http';

const NOW = '2026-01-01T00:00:00Z';
/** GitHub's answer for what does not exist, or what this token may not see. */
const NOT_FOUND = { message: 'Not Found', documentation_url: 'https://docs.github.com/rest', status: '404' };

/** @param {string} base @param {string} login @param {number} id */
export function simpleUser(base, login, id) {
  const u = `${base}/users/${login}`;
  return {
    login,
    id,
    node_id: `U_${id}`,
    avatar_url: `${base}/avatars/u/${id}`,
    gravatar_id: '',
    url: u,
    html_url: `${base}/${login}`,
    followers_url: `${u}/followers`,
    following_url: `${u}/following{/other_user}`,
    gists_url: `${u}/gists{/gist_id}`,
    starred_url: `${u}/starred{/owner}{/repo}`,
    subscriptions_url: `${u}/subscriptions`,
    organizations_url: `${u}/orgs`,
    repos_url: `${u}/repos`,
    events_url: `${u}/events{/privacy}`,
    received_events_url: `${u}/received_events`,
    type: 'User',
    site_admin: false,
  };
}

function orgSimple(base, org) {
  const u = `${base}/orgs/${org}`;
  return {
    login: org,
    id: 4242,
    node_id: 'O_4242',
    url: u,
    repos_url: `${u}/repos`,
    events_url: `${u}/events`,
    hooks_url: `${u}/hooks`,
    issues_url: `${u}/issues`,
    members_url: `${u}/members{/member}`,
    public_members_url: `${u}/public_members{/member}`,
    avatar_url: `${base}/avatars/o/4242`,
    description: 'A fictional organisation',
  };
}

function minimalRepo(base, org, name, id) {
  const u = `${base}/repos/${org}/${name}`;
  const r = {
    id,
    node_id: `R_${id}`,
    name,
    full_name: `${org}/${name}`,
    owner: simpleUser(base, org, 4242),
    private: false,
    html_url: `${base}/${org}/${name}`,
    description: null,
    fork: false,
    url: u,
  };
  for (const k of [
    'archive',
    'assignees',
    'blobs',
    'branches',
    'collaborators',
    'comments',
    'commits',
    'compare',
    'contents',
    'contributors',
    'deployments',
    'downloads',
    'events',
    'forks',
    'git_commits',
    'git_refs',
    'git_tags',
    'hooks',
    'issue_comment',
    'issue_events',
    'issues',
    'keys',
    'labels',
    'languages',
    'merges',
    'milestones',
    'notifications',
    'pulls',
    'releases',
    'stargazers',
    'statuses',
    'subscribers',
    'subscription',
    'tags',
    'teams',
    'trees',
  ]) {
    r[`${k}_url`] = `${u}/${k}`;
  }
  return r;
}

/**
 * @typedef {{ login: string, id?: number, name?: string|null, email?: string|null, company?: string|null, location?: string|null, bio?: string|null }} FakeUser
 * @typedef {{ id: number, user: string, body: string, created_at: string }} FakeComment
 * @typedef {{ id: number, user: string, body: string, state: string, submitted_at: string }} FakeReview
 * @typedef {{ repo: string, number: number, title: string, body?: string|null, user: string, created_at: string, pull?: boolean, comments?: FakeComment[], reviews?: FakeReview[] }} FakeIssue
 * @typedef {{ repo: string, sha: string, message: string, login: string|null, email: string, name: string, date: string, indexed?: boolean }} FakeCommit
 * @typedef {{ method?: string, path: string|RegExp, query?: RegExp, times?: number, status: number, headers?: Record<string,string|(() => string)>, body?: unknown }} Fault
 */

export class FakeGitHub {
  /** @param {any} world */
  constructor(world, opts = {}) {
    this.world = world;
    this.latencyMs = opts.latencyMs ?? 0;
    this.tokens = new Set(opts.tokens ?? ['test-token']);
    /**
     * Tokens of organisation members who are not owners: GitHub answers 404 to them on owner-only
     * lists (pending invitations, outside collaborators), as it does for any resource a token may
     * not see.
     */
    this.memberTokens = new Set(opts.memberTokens ?? ['member-token']);
    this.scopes = opts.scopes ?? 'read:org, admin:org, repo';
    /** @type {Fault[]} */
    this.faults = [];
    /** METHOD path → count */
    this.calls = new Map();
    this.requests = 0;
    /** The last responses, for the schema test: { method, route, status, body } */
    this.log = [];
    this.keepLog = opts.keepLog ?? false;
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err) => {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ message: String(err) }));
      });
    });
  }

  async start() {
    await new Promise((r) => this.server.listen(0, '127.0.0.1', r));
    const addr = this.server.address();
    this.base = `http://127.0.0.1:${addr.port}`;
    return this.base;
  }

  async stop() {
    this.server.closeAllConnections?.();
    await new Promise((r) => this.server.close(r));
  }

  count(method, path) {
    return this.calls.get(`${method} ${path}`) ?? 0;
  }

  /** @param {Fault} f */
  fault(f) {
    this.faults.push({ times: 1, ...f });
  }

  async handle(req, res) {
    const url = new URL(req.url, this.base);
    const method = req.method ?? 'GET';
    const path = url.pathname;
    this.requests++;
    this.calls.set(`${method} ${path}`, (this.calls.get(`${method} ${path}`) ?? 0) + 1);
    if (this.latencyMs > 0) await new Promise((r) => setTimeout(r, this.latencyMs));
    const send = (status, body, headers = {}, route = path) => {
      const h = {
        'content-type': 'application/json; charset=utf-8',
        'x-ratelimit-limit': '5000',
        'x-ratelimit-remaining': '4999',
        'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 3600),
        ...headers,
      };
      if (this.keepLog) this.log.push({ method, route, status, body });
      res.writeHead(status, h);
      res.end(body === undefined ? '' : JSON.stringify(body));
    };
    const auth = req.headers['authorization'] ?? '';
    const token = auth.replace(/^(token|bearer)\s+/i, '');
    if (!this.tokens.has(token) && !this.memberTokens.has(token)) {
      return send(401, { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest', status: '401' });
    }
    for (const f of this.faults) {
      if (f.times <= 0) continue;
      if (f.method && f.method !== method) continue;
      if (typeof f.path === 'string' ? !path.startsWith(f.path) : !f.path.test(path)) continue;
      if (f.query && !f.query.test(url.searchParams.get('q') ?? '')) continue;
      f.times--;
      const headers = {};
      for (const [k, v] of Object.entries(f.headers ?? {})) headers[k] = typeof v === 'function' ? v() : v;
      return send(f.status, f.body ?? { message: 'fault', documentation_url: 'https://docs.github.com/rest' }, headers);
    }
    const scoped = { 'x-oauth-scopes': this.scopes };
    const owner = this.tokens.has(token);
    const r = this.route(method, path, url, owner);
    if (!r) return send(404, NOT_FOUND, scoped);
    if (r.list) {
      // Link pagination over a list body (array, or a search result's items).
      const per = Math.min(Number(url.searchParams.get('per_page') ?? 30), 100);
      const page = Number(url.searchParams.get('page') ?? 1);
      const all = r.list;
      const isSearch = path.startsWith('/search/');
      if (isSearch && page * per > 1000) {
        return send(
          422,
          { message: 'Only the first 1000 search results are available', documentation_url: 'https://docs.github.com/v3/search/' },
          scoped,
          r.route,
        );
      }
      const visible = isSearch ? all.slice(0, 1000) : all;
      const items = visible.slice((page - 1) * per, page * per);
      const last = Math.max(1, Math.ceil(visible.length / per));
      const link = [];
      const at = (p) => {
        const u = new URL(url);
        u.searchParams.set('page', String(p));
        u.searchParams.set('per_page', String(per));
        return u.toString();
      };
      if (page < last) link.push(`<${at(page + 1)}>; rel="next"`, `<${at(last)}>; rel="last"`);
      if (page > 1) link.push(`<${at(1)}>; rel="first"`, `<${at(page - 1)}>; rel="prev"`);
      const headers = { ...scoped, ...(link.length ? { link: link.join(', ') } : {}) };
      const body = isSearch
        ? { total_count: all.length, incomplete_results: !!r.incomplete, items, ...(path === '/search/issues' ? { search_type: 'lexical' } : {}) }
        : items;
      return send(200, body, headers, r.route);
    }
    return send(r.status ?? 200, r.body, scoped, r.route);
  }

  route(method, path, url, owner = true) {
    const w = this.world;
    const b = this.base;
    const org = w.org;
    let m;
    if (method === 'GET' && (m = /^\/users\/([^/]+)$/.exec(path))) {
      const u = this.user(m[1]);
      // A renamed or deleted account: GitHub answers 404 for its old login.
      if (!u) return { route: '/users/{username}', status: 404, body: NOT_FOUND };
      return { route: '/users/{username}', body: this.publicUser(u) };
    }
    if (method === 'GET' && path === `/orgs/${org}`) {
      return { route: '/orgs/{org}', body: this.orgFull() };
    }
    if ((m = new RegExp(`^/orgs/${org}/memberships/([^/]+)$`).exec(path))) {
      const login = m[1].toLowerCase();
      const role = w.members?.[login];
      const inv = (w.invitations ?? []).find((i) => i.login && i.login.toLowerCase() === login);
      if (method !== 'GET' || (!role && !inv)) return null;
      const u = this.user(login);
      return {
        route: '/orgs/{org}/memberships/{username}',
        body: {
          url: `${b}/orgs/${org}/memberships/${login}`,
          state: role ? 'active' : 'pending',
          role: role ?? inv.role,
          organization_url: `${b}/orgs/${org}`,
          organization: orgSimple(b, org),
          user: simpleUser(b, u?.login ?? login, u?.id ?? 1),
        },
      };
    }
    if (method === 'DELETE' && (m = new RegExp(`^/orgs/${org}/members/([^/]+)$`).exec(path))) {
      const login = m[1].toLowerCase();
      if (!w.members?.[login]) return null;
      delete w.members[login];
      for (const t of w.teams ?? []) delete t.members[login];
      return { route: '/orgs/{org}/members/{username}', status: 204, body: undefined };
    }
    if (method === 'GET' && path === `/orgs/${org}/invitations`) {
      if (!owner) return { route: '/orgs/{org}/invitations', status: 404, body: NOT_FOUND };
      return {
        route: '/orgs/{org}/invitations',
        list: (w.invitations ?? []).map((i) => ({
          id: i.id,
          login: i.login ?? null,
          email: i.email ?? null,
          role: i.role ?? 'direct_member',
          created_at: i.created_at ?? NOW,
          inviter: simpleUser(b, 'org-admin', 9),
          team_count: 0,
          node_id: `OI_${i.id}`,
          invitation_teams_url: `${b}/organizations/4242/invitations/${i.id}/teams`,
        })),
      };
    }
    if (method === 'DELETE' && (m = new RegExp(`^/orgs/${org}/invitations/(\\d+)$`).exec(path))) {
      const i = (w.invitations ?? []).findIndex((x) => String(x.id) === m[1]);
      if (i === -1) return null;
      w.invitations.splice(i, 1);
      return { route: '/orgs/{org}/invitations/{invitation_id}', status: 204 };
    }
    if (method === 'GET' && path === `/orgs/${org}/teams`) {
      return { route: '/orgs/{org}/teams', list: (w.teams ?? []).map((t, i) => this.team(t, i)) };
    }
    if ((m = new RegExp(`^/orgs/${org}/teams/([^/]+)/memberships/([^/]+)$`).exec(path))) {
      const t = (w.teams ?? []).find((x) => x.slug === m[1]);
      const login = m[2].toLowerCase();
      if (!t || !t.members[login]) return null;
      if (method === 'DELETE') {
        delete t.members[login];
        return { route: '/orgs/{org}/teams/{team_slug}/memberships/{username}', status: 204 };
      }
      return {
        route: '/orgs/{org}/teams/{team_slug}/memberships/{username}',
        body: { url: `${b}/teams/${t.slug}/memberships/${login}`, role: t.members[login], state: 'active' },
      };
    }
    if (method === 'GET' && path === `/orgs/${org}/outside_collaborators`) {
      if (!owner) return { route: '/orgs/{org}/outside_collaborators', status: 404, body: NOT_FOUND };
      return {
        route: '/orgs/{org}/outside_collaborators',
        list: (w.outsideCollaborators ?? []).map((l) => {
          const u = this.user(l);
          return simpleUser(b, u?.login ?? l, u?.id ?? 1);
        }),
      };
    }
    if (method === 'DELETE' && (m = new RegExp(`^/orgs/${org}/outside_collaborators/([^/]+)$`).exec(path))) {
      const i = (w.outsideCollaborators ?? []).findIndex((l) => l.toLowerCase() === m[1].toLowerCase());
      if (i === -1) return null;
      w.outsideCollaborators.splice(i, 1);
      return { route: '/orgs/{org}/outside_collaborators/{username}', status: 204 };
    }
    if (method === 'GET' && path.startsWith('/search/')) return this.search(path, url.searchParams.get('q') ?? '');
    if (method === 'GET' && (m = /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)\/comments$/.exec(path))) {
      const it = this.issue(m[1], m[2], Number(m[3]));
      if (!it) return null;
      return { route: '/repos/{owner}/{repo}/issues/{issue_number}/comments', list: (it.comments ?? []).map((c) => this.comment(it, c)) };
    }
    if (method === 'GET' && (m = /^\/repos\/([^/]+)\/([^/]+)\/pulls\/(\d+)\/reviews$/.exec(path))) {
      const it = this.issue(m[1], m[2], Number(m[3]));
      if (!it || !it.pull) return null;
      return { route: '/repos/{owner}/{repo}/pulls/{pull_number}/reviews', list: (it.reviews ?? []).map((r) => this.review(it, r)) };
    }
    if (method === 'GET' && (m = /^\/repos\/([^/]+)\/([^/]+)\/pulls\/(\d+)\/comments$/.exec(path))) {
      const it = this.issue(m[1], m[2], Number(m[3]));
      if (!it || !it.pull) return null;
      return { route: '/repos/{owner}/{repo}/pulls/{pull_number}/comments', list: (it.reviewComments ?? []).map((c) => this.reviewComment(it, c)) };
    }
    if (method === 'GET' && (m = /^\/repos\/([^/]+)\/([^/]+)\/commits$/.exec(path))) {
      if (m[1] !== org || !(w.repos ?? []).includes(m[2])) return null;
      const author = (url.searchParams.get('author') ?? '').toLowerCase();
      const list = (w.commits ?? [])
        .filter((c) => c.repo === m[2] && (!author || (c.login ?? '').toLowerCase() === author || c.email.toLowerCase() === author))
        .map((c) => this.commit(c, false));
      return { route: '/repos/{owner}/{repo}/commits', list };
    }
    return null;
  }

  user(login) {
    return (this.world.users ?? []).find((u) => u.login.toLowerCase() === String(login).toLowerCase());
  }

  publicUser(u) {
    return {
      ...simpleUser(this.base, u.login, u.id ?? 1),
      name: u.name ?? null,
      company: u.company ?? null,
      blog: u.blog ?? '',
      location: u.location ?? null,
      email: u.email ?? null,
      hireable: null,
      bio: u.bio ?? null,
      twitter_username: null,
      public_repos: 3,
      public_gists: 0,
      followers: 1,
      following: 1,
      created_at: '2015-03-01T10:00:00Z',
      updated_at: NOW,
    };
  }

  orgFull() {
    const org = this.world.org;
    return {
      ...orgSimple(this.base, org),
      name: 'Lanternfish',
      html_url: `${this.base}/${org}`,
      has_organization_projects: true,
      has_repository_projects: true,
      public_repos: (this.world.repos ?? []).length,
      public_gists: 0,
      followers: 0,
      following: 0,
      type: 'Organization',
      created_at: '2015-01-01T00:00:00Z',
      updated_at: NOW,
      archived_at: null,
    };
  }

  team(t, i) {
    const b = this.base;
    const org = this.world.org;
    return {
      id: 100 + i,
      node_id: `T_${100 + i}`,
      url: `${b}/organizations/4242/team/${100 + i}`,
      html_url: `${b}/orgs/${org}/teams/${t.slug}`,
      name: t.name ?? t.slug,
      slug: t.slug,
      description: null,
      privacy: 'closed',
      permission: 'pull',
      members_url: `${b}/organizations/4242/team/${100 + i}/members{/member}`,
      repositories_url: `${b}/organizations/4242/team/${100 + i}/repos`,
      parent: null,
      type: 'organization',
    };
  }

  issue(owner, repo, number) {
    if (owner !== this.world.org) return undefined;
    return (this.world.issues ?? []).find((i) => i.repo === repo && i.number === number);
  }

  issueItem(it) {
    const b = this.base;
    const org = this.world.org;
    const u = this.user(it.user);
    const api = `${b}/repos/${org}/${it.repo}/issues/${it.number}`;
    const kind = it.pull ? 'pull' : 'issues';
    return {
      url: api,
      repository_url: `${b}/repos/${org}/${it.repo}`,
      labels_url: `${api}/labels{/name}`,
      comments_url: `${api}/comments`,
      events_url: `${api}/events`,
      html_url: `${b}/${org}/${it.repo}/${kind}/${it.number}`,
      id: 10_000 + it.number,
      node_id: `I_${it.repo}_${it.number}`,
      number: it.number,
      title: it.title,
      user: simpleUser(b, u?.login ?? it.user, u?.id ?? 1),
      labels: [],
      state: 'open',
      locked: false,
      assignee: null,
      milestone: null,
      comments: (it.comments ?? []).length,
      created_at: it.created_at,
      updated_at: it.created_at,
      closed_at: null,
      author_association: 'CONTRIBUTOR',
      ...(it.body != null ? { body: it.body } : {}),
      score: 1,
      ...(it.pull
        ? {
            pull_request: {
              url: `${b}/repos/${org}/${it.repo}/pulls/${it.number}`,
              html_url: `${b}/${org}/${it.repo}/pull/${it.number}`,
              diff_url: null,
              patch_url: null,
              merged_at: null,
            },
          }
        : {}),
    };
  }

  comment(it, c) {
    const b = this.base;
    const org = this.world.org;
    const u = this.user(c.user);
    return {
      id: c.id,
      node_id: `IC_${c.id}`,
      url: `${b}/repos/${org}/${it.repo}/issues/comments/${c.id}`,
      html_url: `${b}/${org}/${it.repo}/${it.pull ? 'pull' : 'issues'}/${it.number}#issuecomment-${c.id}`,
      body: c.body,
      user: simpleUser(b, u?.login ?? c.user, u?.id ?? 1),
      created_at: c.created_at,
      updated_at: c.created_at,
      issue_url: `${b}/repos/${org}/${it.repo}/issues/${it.number}`,
      author_association: 'CONTRIBUTOR',
    };
  }

  review(it, r) {
    const b = this.base;
    const org = this.world.org;
    const u = this.user(r.user);
    const pr = `${b}/repos/${org}/${it.repo}/pulls/${it.number}`;
    const html = `${b}/${org}/${it.repo}/pull/${it.number}#pullrequestreview-${r.id}`;
    return {
      id: r.id,
      node_id: `PRR_${r.id}`,
      user: simpleUser(b, u?.login ?? r.user, u?.id ?? 1),
      body: r.body,
      state: r.state,
      html_url: html,
      pull_request_url: pr,
      _links: { html: { href: html }, pull_request: { href: pr } },
      submitted_at: r.submitted_at,
      commit_id: 'a'.repeat(40),
      author_association: 'CONTRIBUTOR',
    };
  }

  reviewComment(it, c) {
    const b = this.base;
    const org = this.world.org;
    const u = this.user(c.user);
    const api = `${b}/repos/${org}/${it.repo}/pulls/comments/${c.id}`;
    const pr = `${b}/repos/${org}/${it.repo}/pulls/${it.number}`;
    const html = `${b}/${org}/${it.repo}/pull/${it.number}#discussion_r${c.id}`;
    return {
      url: api,
      id: c.id,
      node_id: `PRRC_${c.id}`,
      pull_request_review_id: c.review_id ?? null,
      diff_hunk: '@@ -1,3 +1,3 @@\n-old line\n+new line',
      path: c.path ?? 'README.md',
      commit_id: 'a'.repeat(40),
      original_commit_id: 'a'.repeat(40),
      user: simpleUser(b, u?.login ?? c.user, u?.id ?? 1),
      body: c.body,
      created_at: c.created_at,
      updated_at: c.created_at,
      html_url: html,
      pull_request_url: pr,
      author_association: 'CONTRIBUTOR',
      _links: { self: { href: api }, html: { href: html }, pull_request: { href: pr } },
      line: c.line ?? 1,
      side: 'RIGHT',
    };
  }

  commit(c, search) {
    const b = this.base;
    const org = this.world.org;
    const u = c.login ? this.user(c.login) : undefined;
    const api = `${b}/repos/${org}/${c.repo}/commits/${c.sha}`;
    const item = {
      url: api,
      sha: c.sha,
      node_id: `C_${c.sha.slice(0, 8)}`,
      html_url: `${b}/${org}/${c.repo}/commit/${c.sha}`,
      comments_url: `${api}/comments`,
      commit: {
        url: `${b}/repos/${org}/${c.repo}/git/commits/${c.sha}`,
        author: { name: c.name, email: c.email, date: c.date },
        committer: { name: 'GitHub', email: 'noreply@github.com', date: c.date },
        message: c.message,
        comment_count: 0,
        tree: { sha: 'b'.repeat(40), url: `${b}/repos/${org}/${c.repo}/git/trees/${'b'.repeat(40)}` },
      },
      author: u ? simpleUser(b, u.login, u.id ?? 1) : null,
      committer: null,
      parents: [],
    };
    if (search) {
      const repoId = (this.world.repos ?? []).indexOf(c.repo) + 1;
      return { ...item, repository: minimalRepo(b, org, c.repo, repoId), score: 1 };
    }
    return item;
  }

  /** A small search engine over the world: org:, author:, commenter:, reviewed-by:, is:pr, author-email:, in:email, date ranges. */
  search(path, q) {
    const w = this.world;
    const terms = q.split(/\s+/).filter(Boolean);
    const get = (k) => terms.find((t) => t.startsWith(`${k}:`))?.slice(k.length + 1);
    const org = get('org');
    if (org !== undefined && org !== w.org) {
      return {
        route: path,
        status: 422,
        body: {
          message: 'Validation Failed',
          errors: [
            {
              message:
                'The listed users and repositories cannot be searched either because the resources do not exist or you do not have permission to view them.',
              resource: 'Search',
              field: 'q',
              code: 'invalid',
            },
          ],
          documentation_url: 'https://docs.github.com/v3/search/',
        },
      };
    }
    const range = (field) => {
      const v = get(field);
      if (!v) return () => true;
      const [a, z] = v.split('..');
      const lo = Date.parse(a);
      const hi = Date.parse(z);
      return (d) => Date.parse(d) >= lo && Date.parse(d) <= hi;
    };
    const incomplete = !!w.incompleteSearch;
    if (path === '/search/users') {
      const email = terms.includes('in:email') ? terms.find((t) => t !== 'in:email') : undefined;
      const users = (w.users ?? []).filter((u) => email && u.email && u.email.toLowerCase() === email.toLowerCase());
      return { route: '/search/users', list: users.map((u) => ({ ...simpleUser(this.base, u.login, u.id ?? 1), score: 1 })), incomplete };
    }
    if (path === '/search/issues') {
      const author = get('author')?.toLowerCase();
      const commenter = get('commenter')?.toLowerCase();
      const reviewer = get('reviewed-by')?.toLowerCase();
      for (const login of [author, commenter, reviewer]) {
        if (login && !this.user(login)) {
          return {
            route: path,
            status: 422,
            body: {
              message: 'Validation Failed',
              errors: [{ message: 'The listed users cannot be searched.', resource: 'Search', field: 'q', code: 'invalid' }],
              documentation_url: 'https://docs.github.com/v3/search/',
            },
          };
        }
      }
      const inRange = range('created');
      const items = (w.issues ?? [])
        .filter((it) => (!terms.includes('is:pr') || it.pull) && inRange(it.created_at))
        .filter((it) => !author || it.user.toLowerCase() === author)
        .filter((it) => !commenter || (it.comments ?? []).some((c) => c.user.toLowerCase() === commenter))
        .filter((it) => !reviewer || (it.reviews ?? []).some((r) => r.user.toLowerCase() === reviewer))
        .sort((x, y) => x.created_at.localeCompare(y.created_at))
        .map((it) => this.issueItem(it));
      return { route: '/search/issues', list: items, incomplete };
    }
    if (path === '/search/commits') {
      const author = get('author')?.toLowerCase();
      const email = get('author-email')?.toLowerCase();
      const inRange = range('author-date');
      const items = (w.commits ?? [])
        .filter((c) => c.indexed !== false && inRange(c.date))
        .filter((c) => !author || (c.login ?? '').toLowerCase() === author)
        .filter((c) => !email || c.email.toLowerCase() === email)
        .sort((x, y) => x.date.localeCompare(y.date))
        .map((c) => this.commit(c, true));
      return { route: '/search/commits', list: items, incomplete };
    }
    return null;
  }
}

/** The demo world: org `lanternfish`, Ann (a member with a public address) and Bo (a commenter). */
export function demoWorld() {
  return {
    org: 'lanternfish',
    repos: ['lanternfish', 'docs'],
    users: [
      { login: 'ann-example', id: 1001, name: 'Ann Example', email: 'ann@example.org', company: 'Example Org', location: 'Lisbon' },
      { login: 'bo-tr', id: 1002, name: 'Bo Tran', email: null },
      { login: 'cy-other', id: 1003, name: 'Cy Other', email: 'cy@example.net' },
    ],
    members: { 'ann-example': 'member', 'cy-other': 'admin' },
    invitations: [{ id: 77, login: null, email: 'bo@example.com', role: 'direct_member', created_at: '2025-11-01T09:00:00Z' }],
    teams: [
      { slug: 'maintainers', name: 'Maintainers', members: { 'ann-example': 'maintainer', 'cy-other': 'member' } },
      { slug: 'docs', name: 'Docs', members: { 'cy-other': 'member' } },
    ],
    outsideCollaborators: ['bo-tr'],
    issues: [
      {
        repo: 'lanternfish',
        number: 1,
        title: 'Lamp flickers on start',
        body: 'Steps to reproduce: switch it on.',
        user: 'ann-example',
        created_at: '2024-02-01T10:00:00Z',
        comments: [
          { id: 501, user: 'cy-other', body: 'Cy says: cannot reproduce', created_at: '2024-02-02T10:00:00Z' },
          { id: 502, user: 'bo-tr', body: 'Bo says: same here', created_at: '2024-02-03T10:00:00Z' },
        ],
      },
      {
        repo: 'lanternfish',
        number: 2,
        title: 'Fix flicker',
        body: 'Debounce the switch.',
        user: 'cy-other',
        pull: true,
        created_at: '2024-03-01T10:00:00Z',
        comments: [{ id: 503, user: 'ann-example', body: 'Ann says: works for me now', created_at: '2024-03-02T10:00:00Z' }],
        reviews: [
          { id: 601, user: 'ann-example', body: 'Ann approves', state: 'APPROVED', submitted_at: '2024-03-03T10:00:00Z' },
          { id: 602, user: 'cy-other', body: 'Cy self-notes', state: 'COMMENTED', submitted_at: '2024-03-03T11:00:00Z' },
        ],
        reviewComments: [
          { id: 701, user: 'ann-example', body: 'Ann inline: rename this', path: 'src/lamp.c', line: 12, review_id: 601, created_at: '2024-03-03T10:00:00Z' },
          { id: 702, user: 'cy-other', body: 'Cy inline: done', path: 'src/lamp.c', line: 12, review_id: 602, created_at: '2024-03-03T11:00:00Z' },
        ],
      },
      { repo: 'docs', number: 3, title: 'Docs typo', body: null, user: 'bo-tr', created_at: '2024-04-01T10:00:00Z', pull: true, comments: [] },
    ],
    commits: [
      {
        repo: 'lanternfish',
        sha: '1'.repeat(40),
        message: 'Add lamp',
        login: 'ann-example',
        email: 'ann@example.org',
        name: 'Ann Example',
        date: '2024-01-10T10:00:00Z',
      },
      {
        repo: 'lanternfish',
        sha: '2'.repeat(40),
        message: 'Tidy',
        login: 'ann-example',
        email: '1001+ann-example@users.noreply.github.com',
        name: 'Ann Example',
        date: '2024-01-11T10:00:00Z',
      },
      { repo: 'docs', sha: '3'.repeat(40), message: 'Fix typo', login: 'bo-tr', email: 'bo@example.com', name: 'Bo Tran', date: '2024-04-01T10:00:00Z' },
      {
        repo: 'lanternfish',
        sha: '4'.repeat(40),
        message: 'Cy work',
        login: 'cy-other',
        email: 'cy@example.net',
        name: 'Cy Other',
        date: '2024-05-01T10:00:00Z',
      },
    ],
  };
}
