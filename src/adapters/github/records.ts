// Building the GitHub adapter's records and links from API answers: what each holds, its
// disposition, and the words of its manual step. No requests here.
import { defaultRetentionFor } from '../../core/policy.js';
import type { Identity, MatchedIdentity } from '../../core/identity.js';
import type { IdentityLink, PersonalRecord } from '../../core/record.js';

export type Item = PersonalRecord | IdentityLink;

export interface SearchIssue {
  html_url: string;
  number: number;
  title: string;
  body?: string | null;
  state: string;
  created_at: string;
  closed_at?: string | null;
  repository_url: string;
  /** Present on pull requests only: GitHub's issue and search answers omit it on issues. */
  pull_request?: { merged_at?: string | null } | null;
  user: { login: string } | null;
}

export interface SearchCommit {
  sha: string;
  html_url: string;
  commit: { message: string; author: { name?: string; email?: string; date?: string } | null };
  author: { login: string } | null;
  repository?: { name: string; full_name: string };
}

/** Is this API base GitHub's own (api.github.com), rather than a GitHub Enterprise Server? */
export function isGithubDotCom(baseUrl: string): boolean {
  let host: string;
  try {
    host = new URL(baseUrl).hostname.toLowerCase().replace(/\.$/, '');
  } catch {
    return false;
  }
  return host === 'api.github.com';
}

/** Where people look at things: https://github.com for api.github.com; the instance's host (without /api/v3) otherwise. */
export function htmlBaseOf(baseUrl: string): string {
  if (isGithubDotCom(baseUrl)) return 'https://github.com';
  const api = new URL(baseUrl);
  return `${api.protocol}//${api.host}${api.pathname.replace(/\/api\/v3\/?$/, '').replace(/\/+$/, '')}`;
}

/** The manual step for a profile: GitHub's own channels on github.com, the instance's administrators elsewhere. */
export function profileManual(baseUrl: string): string {
  return isGithubDotCom(baseUrl)
    ? 'the profile is GitHub\'s own data: the person exports it at https://github.com/settings/admin ("Export account data"), deletes the account there, and can send other requests to GitHub at https://support.github.com/contact/privacy'
    : `the profile is held by the GitHub Enterprise instance at ${htmlBaseOf(baseUrl)}: its administrators answer export and deletion requests for it`;
}

/** Makes one source's records. */
export class RecordMaker {
  constructor(
    private readonly source: string,
    private readonly org: string,
    private readonly baseUrl: string,
    private readonly removeFromOrg: boolean,
  ) {}

  /** A link GitHub itself makes (or suggests) between two of the subject's identities. */
  link(from: Identity, to: Identity, strength: IdentityLink['strength'], locator: string, reason: string): IdentityLink {
    return { kind: 'identity-link', from, to, strength, source: this.source, locator, reason };
  }

  /** Issues, pull requests, comments, reviews, commits: retained as proof of contribution. */
  contribution(type: string, locator: string, matched: MatchedIdentity[], categories: string[], data: Record<string, unknown>): PersonalRecord {
    return { source: this.source, type, locator, matched, categories, data, disposition: 'retain', retention: defaultRetentionFor(type)! };
  }

  /** A membership or invitation: erased by privacyctl only with removeFromOrg, else a manual step saying where. */
  membership(
    type: string,
    locator: string,
    matched: MatchedIdentity[],
    data: Record<string, unknown>,
    erasure: Record<string, unknown>,
    manual: string,
  ): PersonalRecord {
    const base = { source: this.source, type, locator, matched, categories: ['online.handle', 'membership'], data };
    if (this.removeFromOrg) {
      return { ...base, disposition: 'erase', action: erasure['kind'] === 'invitation' ? 'cancel-invitation' : 'remove-membership', erasure };
    }
    return { ...base, disposition: 'manual', manual: `${manual} (or set erase: { removeFromOrg: true } on source "${this.source}" to let privacyctl do it)` };
  }

  /** The profile (`GET /users/{u}`): GitHub's data, so a manual step. */
  profile(u: Record<string, any>, matched: MatchedIdentity): PersonalRecord {
    const data: Record<string, unknown> = {};
    for (const k of ['login', 'name', 'email', 'company', 'blog', 'location', 'bio', 'twitter_username', 'hireable', 'created_at']) {
      if (u[k] !== null && u[k] !== undefined && u[k] !== '') data[k] = u[k];
    }
    return {
      source: this.source,
      type: 'profile',
      locator: u['html_url'],
      matched: [matched],
      categories: [
        'online.handle',
        ...(data['name'] ? ['name'] : []),
        ...(data['email'] ? ['contact.email'] : []),
        ...(data['company'] ? ['affiliation'] : []),
        ...(data['location'] ? ['location.address'] : []),
      ],
      data,
      disposition: 'manual',
      manual: profileManual(this.baseUrl),
    };
  }

  commit(c: SearchCommit, repo: string, matched: MatchedIdentity): PersonalRecord {
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

  /** An issue or pull request they authored: its title and body are their own words. */
  authored(it: SearchIssue, repo: string, login: string): PersonalRecord {
    return this.contribution(
      it.pull_request ? 'pull-request' : 'issue',
      it.html_url,
      [{ type: 'github', value: login, field: 'user.login' }],
      ['online.handle', 'contribution'],
      {
        repository: `${this.org}/${repo}`,
        number: it.number,
        title: it.title,
        body: it.body ?? null,
        state: it.state,
        createdAt: it.created_at,
        ...(it.closed_at ? { closedAt: it.closed_at } : {}),
      },
    );
  }

  /** Their comment on an issue or pull request (`thread`), or a line comment on a diff (`pullRequest`, path, line: the hunk is not exported). */
  comment(c: Record<string, any>, repo: string, login: string, where: { thread: string } | { pullRequest: string }): PersonalRecord {
    return this.contribution('comment', c['html_url'], [{ type: 'github', value: login, field: 'user.login' }], ['online.handle', 'contribution'], {
      repository: `${this.org}/${repo}`,
      ...where,
      ...('pullRequest' in where ? { path: c['path'], ...(typeof c['line'] === 'number' ? { line: c['line'] } : {}) } : {}),
      body: c['body'] ?? null,
      createdAt: c['created_at'],
      ...(c['updated_at'] && c['updated_at'] !== c['created_at'] ? { updatedAt: c['updated_at'] } : {}),
    });
  }

  /** Their review: its state and body are theirs; the pull request's title is not. */
  review(r: Record<string, any>, repo: string, login: string, pullRequest: string): PersonalRecord {
    return this.contribution('review', r['html_url'], [{ type: 'github', value: login, field: 'user.login' }], ['online.handle', 'contribution'], {
      repository: `${this.org}/${repo}`,
      pullRequest,
      state: r['state'],
      body: r['body'] || null,
      submittedAt: r['submitted_at'] ?? null,
    });
  }
}
