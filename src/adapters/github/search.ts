// Reading many things from GitHub: every result of a search (past its 1,000-result cap), a few
// requests at a time, and the organisation-wide lists kept for a few minutes.
import type { AdapterContext } from '../types.js';
import type { GithubClient } from './client.js';

/** GitHub search answers at most this many results per query. */
const SEARCH_CAP = 1000;
/** Search windows are split down to this width at most (seconds). */
const MIN_WINDOW_S = 60;
const GITHUB_EPOCH = Date.parse('2007-10-01T00:00:00Z');

function bump(ctx: AdapterContext, stat: string, by = 1) {
  ctx.stats[stat] = (ctx.stats[stat] ?? 0) + by;
}

/**
 * Every result of a search. GitHub answers at most 1,000 per query: when there are more, the
 * date range is split into windows of about 800 results each, recursively.
 */
export async function* searchAll<T>(
  gh: GithubClient,
  ctx: AdapterContext,
  source: string,
  kind: 'issues' | 'commits',
  q: string,
  field: 'created' | 'author-date',
  from?: number,
  to?: number,
): AsyncGenerator<T> {
  const ranged = from !== undefined && to !== undefined;
  const query = ranged ? `${q} ${field}:${iso(from)}..${iso(to)}` : q;
  const sort = kind === 'commits' ? 'author-date' : 'created';
  let first = true;
  for await (const page of gh.pages(`GET /search/${kind}`, { q: query, sort, order: 'asc' })) {
    const total: number = page.data.total_count ?? 0;
    if (first) {
      first = false;
      bump(ctx, 'searches');
      if (total > SEARCH_CAP) {
        const lo = from ?? GITHUB_EPOCH;
        const hi = to ?? Math.ceil(Date.now() / 1000) * 1000 + 86_400_000;
        const span = Math.floor((hi - lo) / 1000);
        if (span > MIN_WINDOW_S) {
          const parts = Math.min(Math.ceil(total / 800), 32, span);
          bump(ctx, 'searchSplits');
          const step = Math.floor(span / parts) * 1000;
          for (let i = 0; i < parts; i++) {
            const a = lo + i * step;
            const b = i === parts - 1 ? hi : lo + (i + 1) * step - 1000;
            yield* searchAll<T>(gh, ctx, source, kind, q, field, a, b);
          }
          return;
        }
        ctx.log.warn(`${source}: a search found ${total} results in one minute; GitHub shows only the first ${SEARCH_CAP}`);
        bump(ctx, 'searchTruncated');
      }
    }
    if (page.data.incomplete_results) {
      ctx.log.warn(`${source}: GitHub search timed out and returned incomplete results; the export may miss items — run it again later`);
      bump(ctx, 'searchIncomplete');
    }
    for (const item of page.data.items as T[]) yield item;
  }
}

/** Run `fn` over `items`, `concurrency` at a time, keeping their order. */
export async function pool<A, R>(items: A[], concurrency: number, fn: (a: A) => Promise<R>): Promise<R[]> {
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
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return out;
}

/**
 * Organisation-wide lists (teams, outside collaborators, pending invitations) read once per
 * process for a few minutes: identity expansion runs discover() again for the identities a round
 * revealed, and `batch` runs it for many people. Any erasure through this adapter clears it.
 */
const ORG_CACHE_MS = 5 * 60_000;
const orgCache = new Map<string, { at: number; value: unknown }>();

export async function cachedList<T>(key: string, load: () => Promise<T[]>): Promise<T[]> {
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

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
