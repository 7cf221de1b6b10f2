// The engine: discover across sources concurrently, each isolated from the others' failures,
// following strong identity links (candidates only by hand) between rounds.
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
  /**
   * Why a skipped source was not read: `unavailable` — it could not be (no token set), so the run
   * is partial unless the source is optional; `no-identity` — the subject has no identity of a
   * type it can match; `not-in-plan` — a reviewed plan does not cover it.
   */
  skip?: SkipKind;
  /** The config marks the source optional: unsearched, it is named but the run is not partial. */
  optional?: true;
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
  /** What the adapter said about this run of the source (`ctx.note`): one line each, never an identity. */
  notes?: string[];
  /**
   * The source was only partly read (`ctx.partial`): its records count, and its status is
   * `failed` with the reason, so the run is partial.
   */
  partial?: true;
  facts: Art15Facts;
}

export type SkipKind = 'unavailable' | 'no-identity' | 'not-in-plan';

export interface Discovery {
  identities: SubjectIdentity[];
  /** Links seen but not followed: the operator may accept them with --include-identity. */
  candidates: IdentityLink[];
  records: PersonalRecord[];
  sources: SourceStatus[];
}

export interface ProgressSink {
  sourceStarted(name: string): void;
  /** `again`: a later round searched the source again with identities linked since. */
  sourceFinished(status: SourceStatus, again?: boolean): void;
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
  const [d] = await discoverBatch(config, [given], opts);
  return d!;
}

/**
 * Discovery for many subjects at once (`batch`). Each source is read once per round for all the
 * subjects taking part: an adapter with `discoverMany` makes one pass and fans the results out,
 * any other is asked once per subject. Every subject's result is what `discover` alone would
 * give; a config error in any source fails the whole batch (exit 2), as it would one subject.
 */
export async function discoverBatch(config: LoadedConfig, given: SubjectIdentity[][], opts: DiscoverOptions): Promise<Discovery[]> {
  // "0 records" from a config that names no source would read as "this person has no data here"
  if (config.sources.length === 0)
    throw new ConfigError(
      `${config.file}: no sources are configured, so nothing can be searched`,
      "add the project's sources (`privacyctl init` writes a commented example of every kind)",
    );
  const subjects = given.map((ids) => new Map(ids.map((id) => [identityKey(id), id])));
  // Round 1 searches for the given identities. When it links new identities strongly, the next
  // round searches again with all of them: whether a record is the subject's alone (a shared
  // cell, a gitdm block of another login) depends on every identity the subject has, so a round
  // that knew only the new ones could take someone else's row for theirs. The last round's
  // results are complete by themselves. Only subjects that gained an identity take part in a
  // later round.
  // A later round reads again only the sources that can match a type of identity linked since:
  // a source that cannot compare a slack-id gives the same records with one (see Carry).
  const last: Array<SubjectRound> = new Array(given.length);
  const earlier: SourceStatus[][][] = given.map(() => []);
  const newTypes: Array<Set<string>> = given.map(() => new Set());
  let active = given.map((_, i) => i);
  for (let n = 1; active.length > 0 && n <= MAX_ROUNDS; n++) {
    const shown = new Set(
      n === 1
        ? []
        : active
            .flatMap((i) => [last[i]!.sources, ...earlier[i]!].flat())
            .filter((st) => st.status !== 'skipped')
            .map((st) => st.name),
    );
    const carry = active.map((i) => (last[i] ? { round: last[i], newTypes: newTypes[i]! } : undefined));
    const results = await discoverRound(
      config,
      active.map((i) => [...subjects[i]!.values()]),
      opts,
      shown,
      carry,
    );
    active.forEach((i, k) => {
      if (last[i]) earlier[i]!.push(last[i].sources);
      last[i] = results[k]!;
    });
    if (!opts.expand) break;
    active = active.filter((i) => {
      newTypes[i] = new Set();
      for (const link of last[i]!.links) {
        const ids = subjects[i]!;
        if (link.strength !== 'strong' || !ids.has(identityKey(link.from)) || ids.has(identityKey(link.to))) continue;
        ids.set(identityKey(link.to), {
          ...link.to,
          provenance: { via: 'link', reason: link.reason, source: link.source, locator: link.locator, from: link.from },
        });
        newTypes[i].add(link.to.type);
      }
      return newTypes[i].size > 0;
    });
  }
  const out = last.map((round, i) => finishSubject(round, earlier[i]!, subjects[i]!));
  // A config that does not fit its data is a usage error: exit 2 with nothing written, rather
  // than an export that quietly lacks a source because of a typo.
  const failedConfig = out.flatMap((d) => d.sources).find((s) => s.failure === 'config');
  if (failedConfig) throw new ConfigError(failedConfig.reason!, failedConfig.hint ?? 'fix the config file; nothing was written');
  return out;
}

interface SubjectRound {
  records: PersonalRecord[];
  links: IdentityLink[];
  sources: SourceStatus[];
}

function finishSubject(round: SubjectRound, earlier: SourceStatus[][], identities: Map<string, SubjectIdentity>): Discovery {
  // The work of every round counts: durations and the adapters' counters (requests) add up.
  const sources = round.sources.map((s, i) => {
    const prev = earlier.map((r) => r[i]!);
    const stats: Record<string, number> = { ...(s.stats ?? {}) };
    for (const p of prev) for (const [k, v] of Object.entries(p.stats ?? {})) stats[k] = (stats[k] ?? 0) + v;
    return { ...s, durationMs: prev.reduce((t, p) => t + p.durationMs, s.durationMs), ...(Object.keys(stats).length ? { stats } : {}) };
  });
  const seen = new Set<string>();
  const candidates = round.links.filter((l) => {
    const key = identityKey(l.to);
    if (identities.has(key) || seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return { identities: [...identities.values()], candidates, records: round.records, sources };
}

/**
 * One round for the given subjects, all sources concurrently. `shown`: sources whose progress
 * the operator already saw in an earlier round; their lines are not repeated.
 */
async function discoverRound(
  config: LoadedConfig,
  subjects: SubjectIdentity[][],
  opts: DiscoverOptions,
  shown: ReadonlySet<string>,
  carry: Array<Carry | undefined>,
): Promise<SubjectRound[]> {
  const matchers = subjects.map((ids) => new IdentityMatcher(ids));
  const perSource = await Promise.all(
    config.sources.map((source, j) =>
      discoverSource(
        config,
        source,
        matchers,
        opts,
        shown.has(source.name),
        carry.map((c) => c && { ...c, index: j }),
      ),
    ),
  );
  if (opts.signal.aborted) throw new InterruptedError('interrupted; nothing was written', 're-run the command');
  return matchers.map((_, i) => ({
    records: perSource.flatMap((r) => r[i]!.records),
    links: perSource.flatMap((r) => r[i]!.links),
    sources: perSource.map((r) => r[i]!.status),
  }));
}

type Finish = Omit<SourceStatus, 'records' | 'durationMs' | 'fingerprint' | 'name' | 'kind' | 'facts'>;

/**
 * A subject's previous round, for a later one: a source whose adapter compares none of the
 * identity types linked since (`newTypes`) would find exactly what it found then — whose a record
 * is (a shared cell, a block) depends only on the identities it compares — so its result is
 * carried over instead of reading the source again.
 */
interface Carry {
  round: SubjectRound;
  newTypes: ReadonlySet<string>;
}

/** One source for every subject of the round: its results per subject, in order. */
async function discoverSource(
  config: LoadedConfig,
  source: LoadedSource,
  matchers: IdentityMatcher[],
  opts: DiscoverOptions,
  quiet: boolean,
  carry: Array<(Carry & { index: number }) | undefined> = [],
) {
  const started = Date.now();
  const found = matchers.map(() => ({
    records: [] as PersonalRecord[],
    links: [] as IdentityLink[],
    outcome: undefined as Finish | undefined,
    notes: [] as string[],
    partial: undefined as string | undefined,
  }));
  const stats: Record<string, number> = {};
  const statusOf = (k: number): SourceStatus => {
    const f = found[k]!;
    // Partly read: failed with the adapter's reason, but its records stand (a thrown error wins).
    const partly: Finish | undefined = f.partial !== undefined ? { status: 'failed', failure: 'error', reason: f.partial, partial: true } : undefined;
    return {
      name: source.name,
      kind: source.kind,
      facts: source.facts,
      ...(f.outcome ?? partly ?? { status: 'ok' }),
      ...(source.optional ? { optional: true as const } : {}),
      ...(f.notes.length > 0 ? { notes: [...f.notes] } : {}),
      records: f.records.length,
      durationMs: Date.now() - started,
      fingerprint: fingerprintOf(f.records),
      ...(Object.keys(stats).length > 0 ? { stats: { ...stats } } : {}),
    };
  };
  const carried = new Map<number, { records: PersonalRecord[]; links: IdentityLink[]; status: SourceStatus }>();
  const done = () => {
    const read = found.map((_, k) => k).filter((k) => !carried.has(k));
    const statuses = found.map((_, k) => carried.get(k)?.status ?? statusOf(k));
    if (read.length > 0) opts.progress?.sourceFinished(aggregate(read.map((k) => statuses[k]!)), quiet);
    return found.map((f, k) => carried.get(k) ?? { records: f.records, links: f.links, status: statuses[k]! });
  };
  const settle = (k: number, outcome: Finish) => {
    found[k]!.outcome = outcome;
  };
  if (opts.only && !opts.only.has(source.name)) {
    found.forEach((_, k) => settle(k, { status: 'skipped', skip: 'not-in-plan', reason: 'not part of this plan' }));
    return done();
  }
  const adapter = createAdapter(config, source);
  const taking: number[] = [];
  matchers.forEach((m, k) => {
    const c = carry[k];
    const types = adapter.identityTypes;
    if (c && types && !types.some((t) => c.newTypes.has(t))) {
      const prev = c.round.sources[c.index]!;
      // Its time and counters were counted in the earlier round; this round adds none.
      const { stats: _stats, ...status } = prev;
      carried.set(k, {
        records: c.round.records.filter((r) => r.source === source.name),
        links: c.round.links.filter((l) => l.source === source.name),
        status: { ...status, durationMs: 0 },
      });
    } else if (types && !types.some((t) => m.has(t))) {
      settle(k, { status: 'skipped', skip: 'no-identity', reason: `matches only ${types.join(', ')}, and the subject has none` });
    } else taking.push(k);
  });
  if (taking.length === 0) return done();
  if (!quiet) opts.progress?.sourceStarted(source.name);
  // note() and partial() speak for the subjects the call reads: one in discover, all of them in discoverMany.
  const ctxFor = (ks: number[]): AdapterContext => ({
    signal: opts.signal,
    log: opts.log,
    stats,
    note: (text) => {
      for (const k of ks) if (!found[k]!.notes.includes(text)) found[k]!.notes.push(text);
    },
    partial: (reason) => {
      for (const k of ks)
        found[k]!.partial =
          found[k]!.partial === undefined ? reason : found[k]!.partial.includes(reason) ? found[k]!.partial : `${found[k]!.partial}; ${reason}`;
    },
  });
  const accept = (k: number, item: PersonalRecord | IdentityLink) => {
    if (isIdentityLink(item)) {
      found[k]!.links.push(item);
      return;
    }
    const problem = policyViolation(item);
    if (problem) throw new Error(`internal: ${source.kind} adapter yielded a record at ${item.locator} that breaks the policy: ${problem}`);
    found[k]!.records.push(item);
  };
  const failed = (ks: number[], err: unknown) => {
    for (const k of ks) {
      found[k]!.records = []; // a failed source contributes no partial record list: it is reported failed
      found[k]!.links = [];
      found[k]!.notes = [];
      found[k]!.partial = undefined;
      settle(k, outcomeOf(err, opts.signal));
    }
  };
  if (adapter.discoverMany && taking.length > 1) {
    try {
      const many = taking.map((k) => matchers[k]!);
      for await (const t of adapter.discoverMany(many, ctxFor(taking))) accept(taking[t.subject]!, t.item);
      return done();
    } catch (err) {
      failed(taking, err);
      if (opts.signal.aborted) return done();
      // One subject's trouble (a damaged message, a log file only some subjects need) must not
      // fail the others: each is asked again alone, and ends as it would have in its own run.
      for (const k of taking) found[k]!.outcome = undefined;
    }
  }
  for (const k of taking) {
    try {
      for await (const item of adapter.discover(matchers[k]!, ctxFor([k]))) accept(k, item);
    } catch (err) {
      failed([k], err);
    }
  }
  return done();
}

function outcomeOf(err: unknown, signal: AbortSignal): Finish {
  if (err instanceof SourceSkipped) return { status: 'skipped', skip: 'unavailable', reason: err.message, ...(err.hint ? { hint: err.hint } : {}) };
  if (err instanceof ConfigError) return { status: 'failed', failure: 'config', reason: err.message, ...(err.hint ? { hint: err.hint } : {}) };
  if (signal.aborted) return { status: 'failed', failure: 'error', reason: 'interrupted' };
  const hint = err instanceof PrivacyctlError ? err.hint : undefined;
  return { status: 'failed', failure: err instanceof AuthError ? 'auth' : 'error', reason: errorMessage(err), ...(hint ? { hint } : {}) };
}

/** What the progress line shows for a source read for several subjects: the worst outcome, all records. */
function aggregate(statuses: SourceStatus[]): SourceStatus {
  if (statuses.length === 1) return statuses[0]!;
  const worst = statuses.find((s) => s.status === 'failed') ?? statuses.find((s) => s.status === 'ok') ?? statuses[0]!;
  return { ...worst, records: statuses.reduce((t, s) => t + s.records, 0) };
}

export function fingerprintOf(records: PersonalRecord[]): string {
  const lines = records
    .map((r) => [r.type, r.locator, r.disposition, r.action ?? '', JSON.stringify(r.data), JSON.stringify(r.erasure ?? {})].join('\t'))
    .sort();
  return createHash('sha256').update(lines.join('\n')).digest('hex');
}

/** How a source ended, as every output states it (plan, receipt, export, find, verify). */
export type SourceOutcome = Pick<SourceStatus, 'name' | 'kind' | 'status' | 'reason' | 'skip' | 'optional' | 'failure' | 'partial' | 'notes'>;

export function outcomeOfSource(s: SourceOutcome): SourceOutcome {
  return {
    name: s.name,
    kind: s.kind,
    status: s.status,
    ...(s.reason ? { reason: s.reason } : {}),
    ...(s.skip ? { skip: s.skip } : {}),
    ...(s.optional ? { optional: true as const } : {}),
    ...(s.failure ? { failure: s.failure } : {}),
    ...(s.partial ? { partial: true as const } : {}),
    ...(s.notes?.length ? { notes: [...s.notes] } : {}),
  };
}

/** "github (optional): no token …" — one line naming an unsearched source and why. */
export function describeUnsearched(s: SourceOutcome): string {
  return `${s.name}${s.optional ? ' (optional)' : ''}: ${s.partial ? 'only partly searched: ' : s.status === 'failed' ? 'failed: ' : ''}${s.reason ?? 'not searched'}`;
}

/**
 * Sources that were not searched although they could hold the subject's data: failed, or
 * skipped because they were unavailable (no token). Every output names them.
 */
export function unsearched<S extends Pick<SourceStatus, 'status' | 'skip'>>(sources: S[]): S[] {
  return sources.filter((s) => s.status === 'failed' || (s.status === 'skipped' && s.skip === 'unavailable'));
}

/**
 * Exit code for a run whose sources ended as `sources`: an unsearched source makes the run
 * partial (3; 4 when credentials were refused; 1 when no source was searched) unless the config
 * marks it optional.
 */
export function exitCodeFor(sources: Array<Pick<SourceStatus, 'status' | 'skip' | 'optional' | 'failure' | 'partial'>>): ExitCodeValue {
  const missing = unsearched(sources).filter((s) => !s.optional);
  if (missing.length === 0) return ExitCode.OK;
  if (missing.some((s) => s.failure === 'auth')) return ExitCode.AUTH;
  // A source read in part produced something usable.
  if (unsearched(sources).filter((s) => !s.partial).length === sources.length) return ExitCode.OPERATIONAL;
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
