// The GitHub adapter: a contributor's footprint in the project's GitHub organisation — profile,
// organisation / team membership, pending invitations, outside-collaborator status, and the
// issues, pull requests, comments, reviews and commits they wrote in the org's repositories.
// Contributions are retained (core/policy.ts); memberships are removed only where the config
// allows it; the profile is GitHub's own data, so it is a manual step. What is read is in
// discovery.ts, how records are made in records.ts, erasure in erase.ts, requests in client.ts.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import { AuthError, SourceError, SourceSkipped, errorMessage } from '../../core/errors.js';
import { holdSecret } from '../../core/secrets.js';
import type { IdentityMatcher } from '../../core/identity.js';
import type { AdapterContext, AdapterEnv, AdapterFactory, CheckResult, ErasureStep, SourceAdapter, StepResult } from '../types.js';
import { GithubClient, statusOf, type GithubTuning } from './client.js';
import { githubSourceSchema, repoFilter, type GithubSourceConfig } from './config.js';
import { Discovery } from './discovery.js';
import { eraseSteps } from './erase.js';
import { RecordMaker, type Item } from './records.js';
import { clearGithubCache } from './search.js';

export { githubSourceSchema, type GithubSourceConfig } from './config.js';
export type { GithubTuning } from './client.js';
export { clearGithubCache } from './search.js';

const IDENTITY_TYPES = ['github', 'email'] as const;

export class GithubAdapter implements SourceAdapter {
  readonly kind = 'github';
  readonly name: string;
  readonly identityTypes: readonly string[] = IDENTITY_TYPES;
  private readonly inRepo: (name: string) => boolean;

  constructor(
    private readonly cfg: GithubSourceConfig,
    private readonly env: AdapterEnv,
    private readonly tuning: GithubTuning = {},
  ) {
    this.name = cfg.name;
    this.inRepo = repoFilter(cfg.repos);
  }

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
      `no token: set ${this.cfg.tokenEnv} (tokenEnv) or tokenFile to a GitHub token with the read:org scope` + ` (${this.cfg.tokenEnv} is not set${fileWhy})`,
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
      const e =
        statusOf(err) === 404
          ? new SourceError(`org ${this.cfg.org} not found at ${this.cfg.baseUrl}`)
          : gh.mapError(err, `the organisation ${this.cfg.org}`, 'read:org');
      return { ok: false, detail: errorMessage(e) };
    }
  }

  async *discover(subject: IdentityMatcher, ctx: AdapterContext): AsyncIterable<Item> {
    const gh = await this.client(ctx);
    const make = new RecordMaker(this.name, this.cfg.org, this.cfg.baseUrl, this.cfg.erase.removeFromOrg);
    const run = new Discovery(this.name, this.cfg, gh, ctx, make, this.inRepo);
    try {
      yield* run.all(subject);
    } catch (err) {
      throw gh.mapError(err, run.doing, run.scope);
    }
  }

  async *erase(steps: ErasureStep[], subject: IdentityMatcher, ctx: AdapterContext): AsyncIterable<StepResult> {
    const gh = await this.client(ctx);
    clearGithubCache();
    yield* eraseSteps(gh, this.cfg, steps, subject, ctx);
  }
}

export function createGithubAdapter(cfg: GithubSourceConfig, env: AdapterEnv, tuning?: GithubTuning): GithubAdapter {
  return new GithubAdapter(cfg, env, tuning);
}

export const githubFactory: AdapterFactory<GithubSourceConfig> = {
  kind: 'github',
  schema: githubSourceSchema,
  suggestedFacts: {
    categories: ['online.handle', 'name', 'contact.email', 'membership', 'contribution'],
    purpose: ['attribution', 'project governance', 'communication'],
    legalBasis: 'legitimate-interest',
    recipients: ['GitHub, Inc. (hosts the organisation)', 'the public (public repositories)'],
    retention:
      'contributions (commits, issues, pull requests, reviews, comments) are kept as proof of contribution and for the integrity of the project history; ' +
      'memberships until you leave the organisation',
    origin: 'provided by you through their GitHub account and contributions',
    transfers: 'to GitHub, Inc. in the United States (state the safeguard: the EU-US Data Privacy Framework or standard contractual clauses)',
  },
  create: (cfg, env) => new GithubAdapter(cfg, env),
};

// Re-exported for tests: the error classes discover() and erase() throw.
export { AuthError, SourceError, SourceSkipped };
