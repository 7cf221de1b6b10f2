// The adapter contract (see docs/ARCHITECTURE.md). Adapters never write to stdout, never exit the
// process, stream their input, and throw the typed errors of src/core/errors.ts.
import type { z } from 'zod';
import type { Identity, IdentityMatcher } from '../core/identity.js';
import type { IdentityLink, PersonalRecord } from '../core/record.js';

export interface CheckResult {
  ok: boolean;
  /** Not a failure, but the source will not take part (e.g. no token set for an online source). */
  skipped?: boolean;
  /** One line for humans: what was probed and what it said. */
  detail: string;
}

/** Human-facing notes from an adapter (a wait on a rate limit, a skipped file). Never identities. */
export interface AdapterLog {
  info(message: string): void;
  warn(message: string): void;
}

export interface AdapterContext {
  signal: AbortSignal;
  log: AdapterLog;
  /**
   * Counters an adapter keeps for this run (requests made, items read, waits); they appear in
   * the source's status in --json output and exports.
   */
  stats: Record<string, number>;
  /**
   * A fact about this run of the source that every output must state: in discover(), the source's
   * status and the export, plan and receipt (e.g. "pending invitations not read: they need an
   * organisation owner's token"); in erase(), the receipt (e.g. "deleted rows stay in
   * PostgreSQL's table files until VACUUM"). One line, never an identity. Repeats are dropped.
   */
  note?(text: string): void;
  /**
   * discover() only: this source was only partly read. Its records are kept, its status is
   * `failed` with this reason (one line, never an identity), and the run is partial (exit 3)
   * unless the source is optional. Throwing instead drops the source's records.
   */
  partial?(reason: string): void;
  /**
   * erase() only: an interrupted earlier run of the same plan had begun erasing in this source,
   * so a planned record that is gone is most likely its work — whose follow-up (reclaiming the
   * erased bytes, the notes that say so) this run must still do.
   */
  resumed?: boolean;
}

/** An item of a multi-subject pass: the index of the subject it belongs to. */
export interface TaggedItem {
  subject: number;
  item: PersonalRecord | IdentityLink;
}

export interface ErasureStep {
  /** Stable within a plan: `${source}#${n}`. */
  id: string;
  source: string;
  type: string;
  locator: string;
  action: string;
  params: Record<string, unknown>;
}

export interface StepResult {
  stepId: string;
  /** done: carried out now; gone: the record is no longer there (an earlier run erased it). */
  status: 'done' | 'gone' | 'failed';
  detail?: string;
}

export interface SourceAdapter {
  readonly kind: string;
  readonly name: string;
  /** Identity types this source can match; a subject with none of them skips the source. */
  readonly identityTypes?: readonly string[];
  check(signal: AbortSignal): Promise<CheckResult>;
  discover(subject: IdentityMatcher, ctx: AdapterContext): AsyncIterable<PersonalRecord | IdentityLink>;
  /**
   * One pass for many subjects (`batch`): reads the source once and yields, for each subject,
   * exactly what `discover(subjects[i])` would yield, tagged with `i` (order within a subject may
   * differ). Each subject's records are built with that subject's matcher alone, so a cell shared
   * by two subjects of the batch is "shared" for both, as it would be in two separate runs.
   * Sources without it are read once per subject by the engine.
   */
  discoverMany?(subjects: readonly IdentityMatcher[], ctx: AdapterContext): AsyncIterable<TaggedItem>;
  /**
   * Every identity the source holds, canonical (repeats allowed). `replay` hashes them with the
   * state directory's salt to recognise erased people whose data a backup restore brought back;
   * a source without it is reported as not checked.
   */
  identities?(ctx: AdapterContext): AsyncIterable<Identity>;
  /** Idempotent: a step whose record is already gone reports `gone`, not an error. */
  erase?(steps: ErasureStep[], subject: IdentityMatcher, ctx: AdapterContext): AsyncIterable<StepResult>;
}

/**
 * Art. 15 facts about a source, as the controller wrote them in the config. Nothing is filled in
 * for a fact left out: the reply says it is not stated (each kind's suggestions reach the config
 * only through `privacyctl init`, as text the controller edits).
 */
export interface Art15Facts {
  categories?: string[];
  purpose?: string[];
  legalBasis?: 'consent' | 'contract' | 'legal-obligation' | 'legitimate-interest';
  /** [] = nobody outside the project; left out = not stated. */
  recipients?: string[];
  retention?: string;
  origin?: string;
  /** Art. 15(2): transfers to countries outside the EU/EEA and their safeguards, or "none". */
  transfers?: string;
}

export interface BaseSourceConfig {
  name: string;
  kind: string;
  categories?: string[];
  purpose?: string[];
  legalBasis?: Art15Facts['legalBasis'];
  recipients?: string[];
  retention?: string;
  origin?: string;
  transfers?: string;
  optional?: boolean;
  rewriteReadOnly?: boolean;
}

export interface AdapterEnv {
  /** Directory of the config file: relative paths in a source resolve against it. */
  configDir: string;
  /** The state directory (absolute; may not exist yet): for an adapter's caches. */
  stateDir: string;
}

export interface AdapterFactory<C extends BaseSourceConfig = BaseSourceConfig> {
  readonly kind: string;
  /** Validates one `sources[i]` entry, the shared Art. 15 keys included. */
  readonly schema: z.ZodType<C>;
  /** What `init` writes for this kind, for the controller to edit; never applied by itself. */
  readonly suggestedFacts: Required<Art15Facts>;
  create(config: C, env: AdapterEnv): SourceAdapter;
}
