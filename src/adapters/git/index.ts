// The git adapter: commits authored or committed by the subject on every ref, every trailer
// that names them (Signed-off-by, Co-authored-by, Reviewed-by, Cc, …), the other lines of a
// message that name them (mentions), and people files at the tip of the default branch
// (vendored trees left out). History is read by one streaming `git log --all`
// per repository with NUL-separated fields, so memory does not grow with the history.
// discoverMany reads each repository's history and people files once for a whole batch;
// identities() lists, in the same one pass per repository, every address and login discover
// could match (for `replay`).
// Contributions are retained (core/policy.ts); people-file entries are manual edits. The
// adapter has no erase(): it never rewrites history.
// This file ties the parts together: repository.ts opens a repository, history.ts streams and
// filters its log, commit-records.ts and people-records.ts make the records.
import { isAbsolute, resolve } from 'node:path';
import { errorMessage } from '../../core/errors.js';
import { IdentityCollector, normalizeGithub, type Identity, type IdentityMatcher } from '../../core/identity.js';
import type { IdentityLink, PersonalRecord } from '../../core/record.js';
import type { AdapterContext, AdapterEnv, AdapterFactory, CheckResult, SourceAdapter, TaggedItem } from '../types.js';
import { gitSourceSchema, type GitSourceConfig } from './config.js';
import { runGit } from './git.js';
import { scanHistory, scanHistoryMany, streamLog } from './history.js';
import { peopleFilesAhead, scanPeopleFiles, scanPeopleFilesMany } from './people-records.js';
import { openRepository, type RepoSpec } from './repository.js';
import { addressesIn, handlesIn, parseTrailers, splitIdent } from './trailers.js';

// normName was exported from this module before the split: re-exported so that import keeps working.
export { normName } from './commit-records.js';

export class GitAdapter implements SourceAdapter {
  readonly kind = 'git';
  readonly name: string;
  readonly identityTypes = ['email', 'github'] as const;
  private readonly repos: RepoSpec[];

  constructor(
    private readonly cfg: GitSourceConfig,
    private readonly env: AdapterEnv,
  ) {
    this.name = cfg.name;
    const specs = cfg.repos.map((r) => (typeof r === 'string' ? { path: r } : r));
    const base = (p: string) =>
      p
        .replace(/\/+$/, '')
        .split('/')
        .pop()!
        .replace(/\.(bundle|git)$/, '') || p;
    const counts = new Map<string, number>();
    for (const s of specs) if (!('name' in s && s.name)) counts.set(base(s.path), (counts.get(base(s.path)) ?? 0) + 1);
    this.repos = specs.map((s) => ({
      path: s.path,
      abs: isAbsolute(s.path) ? s.path : resolve(env.configDir, s.path),
      label: ('name' in s && s.name) || ((counts.get(base(s.path)) ?? 0) > 1 ? s.path : base(s.path)),
    }));
  }

  async check(signal: AbortSignal): Promise<CheckResult> {
    try {
      let commits = 0;
      for (const repo of this.repos) {
        const dir = await this.open(repo, signal);
        const out = await runGit(dir, ['rev-list', '--all', '--count'], signal);
        commits += Number(out.toString('utf8').trim()) || 0;
      }
      return { ok: true, detail: `${this.repos.length} repositor${this.repos.length === 1 ? 'y' : 'ies'} readable, ${commits} commits on all refs` };
    } catch (err) {
      return { ok: false, detail: errorMessage(err) };
    }
  }

  async *discover(subject: IdentityMatcher, ctx: AdapterContext): AsyncIterable<PersonalRecord | IdentityLink> {
    const linked = new Set<string>();
    for (const repo of this.repos) {
      const dir = await this.open(repo, ctx.signal);
      ctx.stats['repositories'] = (ctx.stats['repositories'] ?? 0) + 1;
      const people = peopleFilesAhead(this.cfg, repo, dir, ctx);
      yield* scanHistory(this.name, repo, dir, subject, ctx, linked);
      if (people) yield* scanPeopleFiles(this.name, repo, await people, subject, linked, ctx);
    }
  }

  /**
   * One `git log` and one read of the people files per repository for all the subjects. Each
   * subject's records come from the same code as in discover, run with its own matcher and its
   * own set of reported links, in the same order (repository by repository, history then people
   * files), so each gets exactly what discover would give it.
   */
  async *discoverMany(subjects: readonly IdentityMatcher[], ctx: AdapterContext): AsyncIterable<TaggedItem> {
    if (subjects.length === 0) return;
    const linked = subjects.map(() => new Set<string>());
    for (const repo of this.repos) {
      const dir = await this.open(repo, ctx.signal);
      ctx.stats['repositories'] = (ctx.stats['repositories'] ?? 0) + 1;
      const people = peopleFilesAhead(this.cfg, repo, dir, ctx);
      yield* scanHistoryMany(this.name, repo, dir, subjects, ctx, linked);
      if (people) yield* scanPeopleFilesMany(this.name, repo, await people, subjects, linked, ctx);
    }
  }

  /**
   * Every identity by which discover could find a record here (`replay`): the canonical address
   * of every author, committer and reported trailer (Signed-off-by, Co-authored-by, …) on all
   * refs, with the login a GitHub noreply address names, and every address and login of the
   * people files at the tip. One `git log` per repository, parsed as discover parses it; each
   * distinct identity is yielded once (one Set for the source).
   */
  async *identities(ctx: AdapterContext): AsyncIterable<Identity> {
    const ids = new IdentityCollector();
    for (const repo of this.repos) {
      const dir = await this.open(repo, ctx.signal);
      ctx.stats['repositories'] = (ctx.stats['repositories'] ?? 0) + 1;
      const ahead = peopleFilesAhead(this.cfg, repo, dir, ctx);
      const out: Identity[] = [];
      yield* streamLog(
        repo,
        dir,
        ctx,
        (f) => {
          // As matchAddress reads an address: the canonical address, and the login of a noreply one.
          ids.email(f[2]!.toString('utf8'));
          ids.email(f[5]!.toString('utf8'));
          // Every address and `@handle` in the message: discover matches them in any trailer
          // and as mentions anywhere else. No `@` in the message: nothing to list.
          if (f[7]!.includes(0x40) || f[7]!.includes(0x21)) {
            const body = f[7]!.toString('utf8');
            for (const t of parseTrailers(body)) ids.email(splitIdent(t.value).email);
            for (const a of addressesIn(body)) ids.email(a);
            for (const h of handlesIn(body)) {
              const login = normalizeGithub(h);
              if (login !== null) ids.add({ type: 'github', value: login });
            }
          }
          out.push(...ids.take());
        },
        out,
      );
      const people = ahead && (await ahead);
      if (!people) continue;
      // peopleLine matches each entry by its own type and canonical value (no noreply login).
      for (const file of people.files) for (const entries of file.lines.values()) for (const e of entries) ids.add({ type: e.type, value: e.value });
      yield* ids.take();
    }
  }

  // ---- repositories ----

  /** The directory to run git in: the clone itself, or the cached mirror of a bundle. */
  private open(repo: RepoSpec, signal: AbortSignal): Promise<string> {
    return openRepository(this.name, this.env.stateDir, repo, signal);
  }
}

export const gitFactory: AdapterFactory<GitSourceConfig> = {
  kind: 'git',
  schema: gitSourceSchema,
  suggestedFacts: {
    categories: ['name', 'contact.email', 'online.handle', 'activity.timestamp', 'contribution', 'project.role'],
    purpose: ['attribution', 'proof of contribution', 'project governance'],
    legalBasis: 'legitimate-interest',
    recipients: ['the public (the repositories are published)'],
    retention:
      'commits and their trailers are kept indefinitely as proof of contribution and for the integrity of the project history; people-file entries until you leave the role',
    origin: 'provided by you when contributing (commit metadata and messages) and by maintainers (people files)',
    transfers: 'the repositories are public, readable from any country',
  },
  create: (cfg, env) => new GitAdapter(cfg, env),
};
