// The GitHub client of one run: Octokit with throttling (primary and secondary rate limits, a
// ceiling on the total wait) and retries (5xx), every HTTP request counted, errors mapped to the
// typed errors of src/core/errors.ts. The token never leaves this file: it is neither logged nor
// put into any message.
import type { Octokit } from '@octokit/rest';
import { AuthError, SourceError, errorMessage } from '../../core/errors.js';
import type { AdapterLog } from '../types.js';

// Octokit and its plugins are loaded when a GitHub source is used, not by every run of the CLI.
type GH = InstanceType<typeof Octokit>;
type GHClass = new (options: Record<string, unknown>) => GH;
let ghClass: Promise<GHClass> | undefined;
function loadOctokit(): Promise<GHClass> {
  ghClass ??= Promise.all([import('@octokit/rest'), import('@octokit/plugin-retry'), import('@octokit/plugin-throttling')]).then(
    ([{ Octokit: O }, { retry }, { throttling }]) => O.plugin(throttling, retry) as unknown as GHClass,
  );
  return ghClass;
}

/** Knobs for tests and benchmarks; the defaults are what GitHub asks of clients. */
export interface GithubTuning {
  /** One second of a server-given wait (retry-after, rate-limit reset, 5xx back-off) in ms. */
  waitUnitMs?: number;
  /** Pause between write requests (GitHub asks for one second). */
  writeIntervalMs?: number;
  /** Parallel requests for per-thread reads (comments, reviews). */
  concurrency?: number;
  /** Retries of a request that keeps hitting a rate limit. */
  maxRateLimitRetries?: number;
  /**
   * Requests started in any minute, at most (0: no limit). GitHub's secondary limit allows 900
   * points a minute for REST (a GET is one point); staying under it avoids its long penalty waits.
   */
  maxPerMinute?: number;
  /** The window maxPerMinute counts in (ms; tests shorten it). */
  pacingWindowMs?: number;
  /** Time and waiting for pacing and rate-limit waits (tests pass a fake one); the real clock by default. */
  clock?: GithubClock;
}

/** What the client reads the time from and waits with, so tests can check the waits it asks for. */
export interface GithubClock {
  now(): number;
  /** Resolves after `ms`, or rejects with the signal's reason when it is aborted first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const realClock: GithubClock = { now: () => Date.now(), sleep };

export interface Response<T = any> {
  status: number;
  data: T;
  headers: Record<string, string | number | undefined>;
}

interface RequestErrorLike {
  status: number;
  message: string;
  response?: { headers?: Record<string, string | undefined>; data?: unknown };
  request?: { method?: string; url?: string };
}

function isRequestError(err: unknown): err is RequestErrorLike {
  return typeof err === 'object' && err !== null && typeof (err as RequestErrorLike).status === 'number' && 'request' in err;
}

/** A pacer shaped like the Bottleneck group the throttling plugin expects (`key(id).schedule`). */
function pacer(intervalMs: number, clock: GithubClock) {
  let next = 0;
  const limiter = {
    async schedule<A extends unknown[], R>(_opts: unknown, fn: (...a: A) => R | Promise<R>, ...args: A): Promise<R> {
      const now = clock.now();
      const at = Math.max(now, next);
      next = at + intervalMs;
      if (at > now) await clock.sleep(at - now);
      return fn(...args);
    },
  };
  return { key: () => limiter };
}

export interface GithubClientOptions {
  source: string;
  baseUrl: string;
  token: string;
  maxWaitSeconds: number;
  signal: AbortSignal;
  log: AdapterLog;
  stats: Record<string, number>;
  tuning?: GithubTuning;
}

export class GithubClient {
  readonly octokit: GH;

  static async create(opts: GithubClientOptions): Promise<GithubClient> {
    return new GithubClient(await loadOctokit(), opts);
  }
  /** Seconds waited on rate limits in this run. */
  private waited = 0;
  /** Why the throttling plugin stopped retrying, when it did because of the ceiling. */
  private gaveUp: string | null = null;
  readonly concurrency: number;

  private constructor(
    GH: GHClass,
    private readonly opts: GithubClientOptions,
  ) {
    const t = opts.tuning ?? {};
    const unit = t.waitUnitMs ?? 1000;
    const maxRetries = t.maxRateLimitRetries ?? 5;
    this.concurrency = t.concurrency ?? 4;
    const stats = opts.stats;
    const perMinute = t.maxPerMinute ?? 800;
    const windowMs = t.pacingWindowMs ?? 60_000;
    const clock = t.clock ?? realClock;
    const starts: number[] = [];
    let told = false;
    const countingFetch = async (input: any, init?: any) => {
      while (perMinute > 0) {
        const now = clock.now();
        while (starts.length > 0 && starts[0]! <= now - windowMs) starts.shift();
        if (starts.length < perMinute) break;
        const wait = starts[0]! + windowMs - now;
        if (!told) {
          told = true;
          opts.log.info(`${opts.source}: pacing requests to ${perMinute} a minute, under GitHub's secondary rate limit`);
        }
        stats['pacingWaitMs'] = (stats['pacingWaitMs'] ?? 0) + wait;
        await clock.sleep(wait, opts.signal);
      }
      starts.push(clock.now());
      stats['requests'] = (stats['requests'] ?? 0) + 1;
      return globalThis.fetch(input, init);
    };
    // The plugin awaits this handler; the wait happens here, on the clock, and the plugin's own
    // retry delay is zero (retryAfterBaseValue below).
    const onLimit =
      (kind: 'primary' | 'secondary') => async (retryAfter: number, options: { method?: string; url?: string }, _o: unknown, retryCount: number) => {
        const what = `${options.method ?? 'GET'} ${String(options.url ?? '').split('?')[0]}`;
        if (retryCount >= maxRetries || this.waited + retryAfter > opts.maxWaitSeconds) {
          this.gaveUp =
            `GitHub ${kind} rate limit: ${what} would have to wait ${retryAfter} s more` +
            ` (already waited ${this.waited} s; the ceiling is maxWaitSeconds: ${opts.maxWaitSeconds})`;
          return false;
        }
        this.waited += retryAfter;
        stats['rateLimitWaits'] = (stats['rateLimitWaits'] ?? 0) + 1;
        stats['rateLimitWaitSeconds'] = (stats['rateLimitWaitSeconds'] ?? 0) + retryAfter;
        opts.log.warn(`${opts.source}: GitHub ${kind} rate limit reached; waiting ${retryAfter} s before retrying ${what}`);
        // An abort during the wait ends it; the request then fails and mapError reports the abort.
        return clock.sleep(retryAfter * unit, opts.signal).then(
          () => true,
          () => false,
        );
      };
    this.octokit = new GH({
      auth: opts.token,
      baseUrl: opts.baseUrl.replace(/\/+$/, ''),
      userAgent: 'privacyctl',
      request: { fetch: countingFetch, signal: opts.signal },
      log: { debug() {}, info() {}, warn() {}, error() {} },
      throttle: {
        id: `privacyctl-${Math.random().toString(36).slice(2)}`,
        onRateLimit: onLimit('primary'),
        onSecondaryRateLimit: onLimit('secondary'),
        retryAfterBaseValue: 0,
        // GitHub's guidance is one write a second; searches are not paced up front (the plugin's
        // default is one every 2 s): an ordinary subject needs a handful, and a search limit
        // that is reached anyway is waited out like any other.
        search: pacer(0, clock),
        write: pacer(t.writeIntervalMs ?? 1000, clock),
      },
      retry: { doNotRetry: [400, 401, 403, 404, 409, 410, 422, 429, 451], retryAfterBaseValue: unit, retries: 3 },
    });
  }

  async request<T = any>(route: string, params: Record<string, unknown> = {}): Promise<Response<T>> {
    this.opts.signal.throwIfAborted();
    return await this.octokit.request(route, params);
  }

  /** Like request, but a 404 is `null` (an unknown user, a membership that does not exist). */
  async optional<T = any>(route: string, params: Record<string, unknown> = {}): Promise<Response<T> | null> {
    try {
      return await this.request<T>(route, params);
    } catch (err) {
      if (isRequestError(err) && err.status === 404) return null;
      throw err;
    }
  }

  /**
   * Did GitHub refuse this request to this token — 404 (its answer to a non-owner for owner-only
   * lists such as pending invitations), or a 403 that is not a rate limit?
   */
  refused(err: unknown): boolean {
    if (!isRequestError(err)) return false;
    if (err.status === 404) return true;
    return err.status === 403 && !this.rateLimited(err);
  }

  private rateLimited(err: RequestErrorLike): boolean {
    return err.response?.headers?.['x-ratelimit-remaining'] === '0' || /rate limit/i.test(err.message) || this.gaveUp !== null;
  }

  /** Every page of a list, following the `Link: rel="next"` headers. */
  async *pages<T = any>(route: string, params: Record<string, unknown> = {}): AsyncGenerator<Response<T>> {
    let res = await this.request<T>(route, { per_page: 100, ...params });
    yield res;
    for (let next = nextLink(res.headers['link']); next; next = nextLink(res.headers['link'])) {
      res = await this.request<T>(`GET ${next}`);
      yield res;
    }
  }

  /** Map an error of a request to a typed error (what failed, why, how to fix it). */
  mapError(err: unknown, doing: string, scopeHint: string): unknown {
    if (this.opts.signal.aborted) return this.opts.signal.reason ?? err;
    if (err instanceof AuthError || err instanceof SourceError) return err;
    if (!isRequestError(err)) return new SourceError(`reading ${doing}: ${errorMessage(err)}`);
    const headers = err.response?.headers ?? {};
    const status = err.status;
    if (status === 401) {
      return new AuthError(
        `GitHub refused the token (401 Bad credentials) when reading ${doing}`,
        `the token is invalid, expired or revoked: create a new one with the ${scopeHint} scope and put it in the configured tokenEnv / tokenFile`,
      );
    }
    if ((status === 403 || status === 429) && this.rateLimited(err)) {
      const why = this.gaveUp ?? `GitHub rate limit on ${doing}`;
      this.gaveUp = null;
      return new SourceError(why, 'run again later, or raise maxWaitSeconds for this source');
    }
    if (status === 403 || status === 429) {
      const accepted = String(headers['x-accepted-oauth-scopes'] ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      const have = new Set(
        String(headers['x-oauth-scopes'] ?? '')
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
      );
      const missing = accepted.filter((s) => !have.has(s));
      const scope = missing.length > 0 ? missing.join(' or ') : scopeHint;
      return new AuthError(
        `GitHub refused access to ${doing} (403 Forbidden): the token lacks the ${scope} scope or the organisation role it needs`,
        `give the token the ${scope} scope (fine-grained tokens: the organisation's "Members" permission), or use an organisation owner's token`,
      );
    }
    if (status === 422) {
      return new SourceError(
        `GitHub rejected ${doing} (422): the organisation does not exist or the token cannot see it`,
        "check the source's org (and baseUrl) in the config, and that the token belongs to a member of the organisation",
      );
    }
    if (/fetch failed|ECONNREFUSED|ENOTFOUND|ECONNRESET|ETIMEDOUT/i.test(err.message)) {
      return new SourceError(`cannot reach GitHub at ${this.opts.baseUrl} (reading ${doing})`, "check the network and the source's baseUrl");
    }
    if (status >= 500) {
      return new SourceError(
        `GitHub failed on ${doing} (${status}, still after 3 retries)`,
        'GitHub may be down: run again later (https://www.githubstatus.com)',
      );
    }
    return new SourceError(`GitHub answered ${status} on ${doing}`, "check the source's org and baseUrl in the config");
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (!signal) return void setTimeout(resolve, ms);
    if (signal.aborted) return reject(signal.reason);
    const done = () => {
      signal.removeEventListener('abort', abort);
      resolve();
    };
    const timer = setTimeout(done, ms);
    const abort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', abort, { once: true });
  });
}

export function statusOf(err: unknown): number | undefined {
  return isRequestError(err) ? err.status : undefined;
}

export function nextLink(link: string | number | undefined): string | null {
  if (typeof link !== 'string') return null;
  for (const part of link.split(',')) {
    const m = /<([^>]+)>\s*;\s*rel="?next"?/.exec(part);
    if (m) return m[1]!;
  }
  return null;
}
