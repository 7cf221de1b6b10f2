// Erasure plans: a stable document of what `erase --apply` would do, with a fingerprint of what
// each source held when it was made, so `--from-plan` can refuse a plan the data has outgrown.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { ErasureStep } from '../adapters/types.js';
import { outcomeOfSource, summarize, unsearched, type Discovery, type SourceOutcome } from './engine.js';
import { UsageError } from './errors.js';
import type { SubjectIdentity } from './identity.js';
import { publicRecord, type PersonalRecord } from './record.js';

export const PLAN_FORMAT = 'privacyctl/plan@1';

export interface PlanSource extends SourceOutcome {
  fingerprint: string;
  records: number;
}

export interface ErasurePlan {
  format: typeof PLAN_FORMAT;
  planId: string;
  createdAt: string;
  subject: { identities: SubjectIdentity[] };
  sources: PlanSource[];
  steps: ErasureStep[];
  records: Array<Omit<PersonalRecord, 'erasure'>>;
  /** sourcesNotSearched: failed, or skipped for lack of access (optional ones included). */
  summary: ReturnType<typeof summarize> & { steps: number; sourcesFailed: string[]; sourcesNotSearched: string[] };
}

export function stepsFor(records: PersonalRecord[]): ErasureStep[] {
  const counters = new Map<string, number>();
  return records
    .filter((r) => r.disposition === 'erase')
    .map((r) => {
      const n = (counters.get(r.source) ?? 0) + 1;
      counters.set(r.source, n);
      return { id: `${r.source}#${n}`, source: r.source, type: r.type, locator: r.locator, action: r.action!, params: r.erasure ?? {} };
    });
}

export function buildPlan(d: Discovery, now = new Date()): ErasurePlan {
  const steps = stepsFor(d.records);
  const sources: PlanSource[] = d.sources.map((s) => ({ ...outcomeOfSource(s), fingerprint: s.fingerprint, records: s.records }));
  const planId = computePlanId({ subject: { identities: d.identities }, sources, steps });
  return {
    format: PLAN_FORMAT,
    planId,
    createdAt: now.toISOString(),
    subject: { identities: d.identities },
    sources,
    steps,
    records: d.records.map(publicRecord),
    summary: {
      ...summarize(d.records),
      steps: steps.length,
      sourcesFailed: d.sources.filter((s) => s.status === 'failed').map((s) => s.name),
      sourcesNotSearched: unsearched(d.sources).map((s) => s.name),
    },
  };
}

/**
 * A digest of what a plan would do and to whom. Not a signature — whoever can write a plan can
 * recompute it — but it catches a plan edited by hand or damaged in transit.
 */
export function computePlanId(plan: Pick<ErasurePlan, 'subject' | 'sources' | 'steps'>): string {
  return createHash('sha256')
    .update(
      JSON.stringify({
        identities: plan.subject.identities.map((i) => [i.type, i.value]),
        sources: plan.sources.map((s) => [s.name, s.fingerprint]),
        steps: plan.steps.map((s) => [s.id, s.source, s.type, s.locator, s.action, s.params]),
      }),
    )
    .digest('hex')
    .slice(0, 16);
}

const identitySchema = z.object({ type: z.string(), value: z.string(), provenance: z.object({ via: z.string(), reason: z.string() }).passthrough() });
const planSchema = z.object({
  format: z.literal(PLAN_FORMAT),
  planId: z.string().min(1),
  createdAt: z.string(),
  subject: z.object({ identities: z.array(identitySchema).min(1) }),
  sources: z.array(z.object({ name: z.string(), kind: z.string(), status: z.enum(['ok', 'failed', 'skipped']), fingerprint: z.string() }).passthrough()),
  steps: z.array(
    z.object({ id: z.string(), source: z.string(), type: z.string(), locator: z.string(), action: z.string(), params: z.record(z.string(), z.unknown()) }),
  ),
  records: z.array(z.unknown()),
  summary: z.unknown(),
});

export function readPlan(file: string): ErasurePlan {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(
      `--from-plan ${file}: cannot read the plan (${(err as NodeJS.ErrnoException).code ?? String(err)})`,
      'make a plan with `privacyctl erase SUBJECT --plan-out FILE`',
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new UsageError(`--from-plan ${file}: not JSON`, 'pass the file written by `privacyctl erase SUBJECT --plan-out FILE`');
  }
  const parsed = planSchema.safeParse(json);
  if (!parsed.success) {
    const i = parsed.error.issues[0]!;
    throw new UsageError(
      `--from-plan ${file}: not a privacyctl plan (${i.path.join('.') || 'document'}: ${i.message})`,
      'make a new plan with `privacyctl erase SUBJECT --plan-out FILE`',
    );
  }
  const plan = parsed.data as unknown as ErasurePlan;
  if (computePlanId(plan) !== plan.planId) {
    throw new UsageError(
      `--from-plan ${file}: the plan was changed after it was made (its content does not match plan ${plan.planId}); refusing to act on it`,
      'make a new plan with `privacyctl erase SUBJECT --plan-out FILE` and review that',
    );
  }
  return plan;
}
