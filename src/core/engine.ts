// The engine: discover across sources concurrently, each isolated from the others' failures,
// following strong identity links (DESIGN.md section 4) between rounds.
import { createHash } from 'node:crypto';
import type { AdapterContext, AdapterLog, Art15Facts, SourceAdapter } from '../adapters/types.js';
import type { LoadedConfig, LoadedSource } from './config.js';
import { AuthError, ConfigError, PrivacyctlError, SourceSkipped, ExitCode, InterruptedError, errorMessage, type ExitCodeValue } from './errors.js';
import { IdentityMatcher, identityKey, type SubjectIdentity } from './identity.js';
import { policyViolation } from './policy.js';
import { isIdentityLink, type IdentityLink, type PersonalRecord } from './record.js';

export interface SourceStatus {
  name: string;
  kind: string;
  status: 'ok' | 'failed' | 'skipped';
  reason?: string;
  /** How to fix a failure. */
  hint?: string;
  /** auth: credentials refused (exit 4); config: the config does not fit the source (exit 2); error: anything else (exit 3). */
  failure?: 'auth' | 'config' | 'error';
  records: number;
  durationMs: number;
  /** Digest of the records found here; a plan refuses to run when it changes. */
  fingerprint: string;
  /** The adapter's counters for this run (e.g. requests). */
  stats?: Record<string, number>;
  facts: Art15Facts;
}

export interface Discovery {
  identities: SubjectIdentity[];
  /** Links seen but not followed: the operator may accept them with --include-identity. */
  candidates: IdentityLink[];
  records: PersonalRecord[];
  sources: SourceStatus[];
}

export interface ProgressSink {
  sourceStarted(name: string): void;
  sourceFinished(status: SourceStatus): void;
}

export interface DiscoverOptions {
  expand: boolean;
  signal: AbortSignal;
  log: AdapterLog;
  progress?: ProgressSink;
  /** Only these sources (by name); the rest are reported as skipped. */
  only?: ReadonlySet<string>;
}

const MAX_ROUNDS = 3;

export function createAdapter(config: LoadedConfig, source: LoadedSource): SourceAdapter {
  return source.factory.create(source.config, { configDir: config.dir, stateDir: config.stateDir });
}

export async function discover(config: LoadedConfig, given: SubjectIdentity[], opts: DiscoverOptions): Promise<Discovery> {
  const identities = new Map(given.map((id) => [identityKey(id), id]));
  // Round 1 searches for the given identities. When it links new identities strongly, the next
  // round searches again with all of them: whether a record is the subject's alone (a shared
  // cell, a gitdm block of another login) depends on every identity the subject has, so a round
  // that knew only the new ones could take someone else's row for theirs. The last round's
  // results are complete by themselves.
  let round = await discoverRound(config, [...identities.values()], opts, new Set());
  const earlier: SourceStatus[][] = [];
  for (let n = 2; opts.expand && n <= MAX_ROUNDS; n++) {
    let added = false;
    for (const link of round.links) {
      if (link.strength !== 'strong' || !identities.has(identityKey(link.from)) || identities.has(identityKey(link.to))) continue;
      identities.set(identityKey(link.to), {
        ...link.to,
        provenance: { via: 'link', reason: link.reason, source: link.source, locator: link.locator, from: link.from },
      });
      added = true;
    }
    if (!added) break;
    earlier.push(round.sources);
    const shown = new Set(earlier.flat().filter((st) => st.status !== 'skipped').map((st) => st.name));
    round = await discoverRound(config, [...identities.values()], opts, shown);
  }
  // The work of every round counts: durations and the adapters' counters (requests) add up.
  const all = {
    ...round,
    sources: round.sources.map((s, i) => {
      const prev = earlier.map((r) => r[i]!);
      const stats: Record<string, number> = { ...(s.stats ?? {}) };
      for (const p of prev) for (const [k, v] of Object.entries(p.stats ?? {})) stats[k] = (stats[k] ?? 0) + v;
      return { ...s, durationMs: prev.reduce((t, p) => t + p.durationMs, s.durationMs), ...(Object.keys(stats).length ? { stats } : {}) };
    }),
  };
  const seen = new Set<string>();
  const candidates = all.links.filter((l) => {
    const key = identityKey(l.to);
    if (identities.has(key) || seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  // A config that does not fit its data is a usage error: exit 2 with nothing written, rather
  // than an export that quietly lacks a source because of a typo.
  const failedConfig = all.sources.find((s) => s.failure === 'config');
  if (failedConfig) throw new ConfigError(failedConfig.reason!, failedConfig.hint ?? 'fix the config file; nothing was written');
  return { identities: [...identities.values()], candidates, records: all.records, sources: all.sources };
}

/**
 * `shown`: sources whose progress the operator already saw in an earlier round; their lines are
 * not repeated (a source skipped then, and searched now, is shown).
 */
async function discoverRound(config: LoadedConfig, identities: SubjectIdentity[], opts: DiscoverOptions, shown: ReadonlySet<string>) {
  const matcher = new IdentityMatcher(identities);
  const results = await Promise.all(config.sources.map((source) => discoverSource(config, source, matcher, opts, shown.has(source.name))));
  if (opts.signal.aborted) throw new InterruptedError('interrupted; nothing was written', 're-run the command');
  return {
    records: results.flatMap((r) => r.records),
    links: results.flatMap((r) => r.links),
    sources: results.map((r) => r.status),
  };
}

async function discoverSource(config: LoadedConfig, source: LoadedSource, matcher: IdentityMatcher, opts: DiscoverOptions, quiet: boolean) {
  const started = Date.now();
  const records: PersonalRecord[] = [];
  const links: IdentityLink[] = [];
  const base = { name: source.name, kind: source.kind, facts: source.facts, records: 0, durationMs: 0, fingerprint: '' };
  const stats: Record<string, number> = {};
  const finish = (s: Omit<SourceStatus, 'records' | 'durationMs' | 'fingerprint' | 'name' | 'kind' | 'facts'>) => {
    const status: SourceStatus = {
      ...base,
      ...s,
      records: records.length,
      durationMs: Date.now() - started,
      fingerprint: fingerprintOf(records),
      ...(Object.keys(stats).length > 0 ? { stats } : {}),
    };
    if (!quiet) opts.progress?.sourceFinished(status);
    return { records, links, status };
  };
  if (opts.only && !opts.only.has(source.name)) return finish({ status: 'skipped', reason: 'not part of this plan' });
  const adapter = createAdapter(config, source);
  if (adapter.identityTypes && !adapter.identityTypes.some((t) => matcher.has(t))) {
    return finish({ status: 'skipped', reason: `matches only ${adapter.identityTypes.join(', ')}, and the subject has none` });
  }
  if (!quiet) opts.progress?.sourceStarted(source.name);
  const ctx: AdapterContext = { signal: opts.signal, log: opts.log, stats };
  try {
    for await (const item of adapter.discover(matcher, ctx)) {
      if (isIdentityLink(item)) {
        links.push(item);
        continue;
      }
      const problem = policyViolation(item);
      if (problem) throw new Error(`internal: ${source.kind} adapter yielded a record at ${item.locator} that breaks the policy: ${problem}`);
      records.push(item);
    }
    return finish({ status: 'ok' });
  } catch (err) {
    records.length = 0; // a failed source contributes no partial record list: it is reported failed
    links.length = 0;
    if (err instanceof SourceSkipped) return finish({ status: 'skipped', reason: err.message });
    if (err instanceof ConfigError) return finish({ status: 'failed', failure: 'config', reason: err.message, hint: err.hint });
    if (opts.signal.aborted) return finish({ status: 'failed', failure: 'error', reason: 'interrupted' });
    const hint = err instanceof PrivacyctlError ? err.hint : undefined;
    return finish({ status: 'failed', failure: err instanceof AuthError ? 'auth' : 'error', reason: errorMessage(err), ...(hint ? { hint } : {}) });
  }
}

export function fingerprintOf(records: PersonalRecord[]): string {
  const lines = records
    .map((r) => [r.type, r.locator, r.disposition, r.action ?? '', JSON.stringify(r.data), JSON.stringify(r.erasure ?? {})].join('\t'))
    .sort();
  return createHash('sha256').update(lines.join('\n')).digest('hex');
}

/** Exit code for a run whose sources ended as `sources` (DESIGN.md section 1). */
export function exitCodeFor(sources: SourceStatus[]): ExitCodeValue {
  const failed = sources.filter((s) => s.status === 'failed');
  if (failed.length === 0) return ExitCode.OK;
  if (failed.some((s) => s.failure === 'auth')) return ExitCode.AUTH;
  if (failed.length === sources.length) return ExitCode.OPERATIONAL;
  return ExitCode.PARTIAL;
}

export function summarize(records: PersonalRecord[]) {
  return {
    records: records.length,
    erase: records.filter((r) => r.disposition === 'erase').length,
    retain: records.filter((r) => r.disposition === 'retain').length,
    manual: records.filter((r) => r.disposition === 'manual').length,
  };
}
