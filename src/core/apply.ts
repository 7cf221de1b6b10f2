// Carrying out a plan: source by source, each journalled before and after, each adapter's
// erase idempotent — so a re-run after an interruption finishes with the same result.
import type { AdapterLog, ErasureStep, StepResult } from '../adapters/types.js';
import type { LoadedConfig } from './config.js';
import { createAdapter, outcomeOfSource, type SourceOutcome } from './engine.js';
import { InterruptedError, errorMessage } from './errors.js';
import { IdentityMatcher } from './identity.js';
import type { ErasurePlan } from './plan.js';
import type { Retention } from './record.js';
import type { Journal } from '../state/journal.js';

export const RECEIPT_FORMAT = 'privacyctl/receipt@1';

export interface ReceiptEntry {
  source: string;
  type: string;
  locator: string;
}

export interface Receipt {
  format: typeof RECEIPT_FORMAT;
  planId: string;
  appliedAt: string;
  resumed: boolean;
  erased: Array<ReceiptEntry & { action: string; status: 'done' | 'gone'; when: 'now' | 'earlier-run' }>;
  retained: Array<ReceiptEntry & { retention: Retention }>;
  manual: Array<ReceiptEntry & { manual: string }>;
  failed: Array<ReceiptEntry & { action: string; reason: string }>;
  /** Every source of the plan, as it ended: searched and erased, failed, or not searched (and why). */
  sources: Array<SourceOutcome & { notes?: string[] }>;
  summary: { erased: number; retained: number; manual: number; failed: number };
}

export interface ApplyProgress {
  sourceStarted(name: string): void;
  sourceApplied(name: string, ok: boolean, detail: string): void;
}

export async function applyPlan(
  config: LoadedConfig,
  plan: ErasurePlan,
  journal: Journal,
  opts: { signal: AbortSignal; log: AdapterLog; progress?: ApplyProgress },
): Promise<Receipt> {
  const matcher = new IdentityMatcher(plan.subject.identities);
  const resumed = journal.interrupted;
  // What an interrupted earlier run of this plan did: its steps count as this erasure's.
  const begun = journal.begunSources();
  const completed = journal.completedSources();
  journal.append({ event: 'start', planId: plan.planId });
  const receipt: Receipt = {
    format: RECEIPT_FORMAT,
    planId: plan.planId,
    appliedAt: new Date().toISOString(),
    resumed,
    erased: [],
    retained: plan.records
      .filter((r) => r.disposition === 'retain')
      .map((r) => ({ source: r.source, type: r.type, locator: r.locator, retention: r.retention! })),
    manual: plan.records.filter((r) => r.disposition === 'manual').map((r) => ({ source: r.source, type: r.type, locator: r.locator, manual: r.manual! })),
    failed: [],
    sources: plan.sources.map(outcomeOfSource),
    summary: { erased: 0, retained: 0, manual: 0, failed: 0 },
  };
  const stepById = new Map(plan.steps.map((s) => [s.id, s]));
  // One outcome per step, whichever run carried it out.
  const outcome = new Map<string, { status: StepResult['status']; when: 'now' | 'earlier-run'; reason?: string }>();
  for (const e of journal.previous) {
    if (e.event !== 'step' || !stepById.has(e.stepId)) continue;
    // A source the earlier run finished is not erased again: all its outcomes stand. Elsewhere
    // only what was done stands; the rest is tried again.
    if (completed.has(e.source) || e.status === 'done')
      outcome.set(e.stepId, { status: e.status, when: 'earlier-run', ...(e.detail ? { reason: e.detail } : {}) });
  }
  const bySource = new Map<string, ErasureStep[]>();
  for (const step of plan.steps) bySource.set(step.source, [...(bySource.get(step.source) ?? []), step]);
  // A source that revealed one of the identities (an account row linking a client id) goes
  // last: were the run interrupted after it, a re-run could no longer find the data that only
  // those identities lead to.
  const revealers = new Set(plan.subject.identities.map((i) => i.provenance.source).filter((s): s is string => Boolean(s)));
  const order = [...bySource.keys()].sort((a, b) => Number(revealers.has(a)) - Number(revealers.has(b)));

  for (const name of order) {
    if (opts.signal.aborted) break;
    const steps = bySource.get(name)!;
    const source = config.sources.find((s) => s.name === name);
    const status = receipt.sources.find((s) => s.name === name);
    if (completed.has(name)) {
      // what the earlier run noted there stands too (the rows were zeroed, VACUUM ran)
      const notes = journal.sourceNotes(name);
      if (status && notes) status.notes = notes;
      continue;
    }
    const fail = (reason: string) => {
      // steps the adapter already reported keep their outcome: a later failure does not undo them
      for (const s of steps) if (!outcome.has(s.id)) outcome.set(s.id, { status: 'failed', when: 'now', reason });
      if (status) Object.assign(status, { status: 'failed', failure: 'error', reason });
      journal.append({ event: 'source-end', source: name, ok: false, reason });
      opts.progress?.sourceApplied(name, false, reason);
    };
    opts.progress?.sourceStarted(name);
    journal.append({ event: 'source-begin', source: name });
    if (!source) {
      fail('the source is no longer in the config');
      continue;
    }
    const adapter = createAdapter(config, source);
    if (!adapter.erase) {
      fail(`a ${adapter.kind} source cannot erase by itself; do these steps by hand`);
      continue;
    }
    try {
      let done = 0;
      const note = (text: string) => {
        if (status && !status.notes?.includes(text)) status.notes = [...(status.notes ?? []), text];
      };
      const ctx = { signal: opts.signal, log: opts.log, stats: {}, note, resumed: begun.has(name) };
      for await (const result of adapter.erase(steps, matcher, ctx)) {
        const step = stepById.get(result.stepId);
        if (!step || step.source !== name) continue;
        journal.append({
          event: 'step',
          stepId: step.id,
          source: name,
          type: step.type,
          locator: step.locator,
          action: step.action,
          status: result.status,
          ...(result.detail ? { detail: result.detail } : {}),
        });
        if (outcome.get(step.id)?.status === 'done') continue; // an earlier run erased it
        // Gone from a source the interrupted run had begun: that run erased it.
        const earlier = result.status === 'gone' && begun.has(name);
        outcome.set(
          step.id,
          earlier ? { status: 'done', when: 'earlier-run' } : { status: result.status, when: 'now', ...(result.detail ? { reason: result.detail } : {}) },
        );
        if (result.status !== 'failed' && !earlier) done++;
      }
      journal.append({ event: 'source-end', source: name, ok: true, ...(status?.notes ? { notes: status.notes } : {}) });
      opts.progress?.sourceApplied(name, true, `${done} record${done === 1 ? '' : 's'} erased`);
    } catch (err) {
      if (opts.signal.aborted) break;
      fail(errorMessage(err));
    }
  }
  if (opts.signal.aborted) {
    throw new InterruptedError(
      'interrupted: erasure stopped between safe points',
      're-run the same `erase ... --apply` command to finish; the journal records what was done',
    );
  }
  // In the plan's order, so a resumed run's receipt lists what an uninterrupted one would.
  for (const step of plan.steps) {
    // never silent: a step no run reported is not erased
    const o = outcome.get(step.id) ?? { status: 'failed', when: 'now', reason: 'not carried out: the source did not report this step' };
    const entry = { source: step.source, type: step.type, locator: step.locator, action: step.action };
    if (o.status === 'failed') receipt.failed.push({ ...entry, reason: o.reason ?? 'failed' });
    else receipt.erased.push({ ...entry, status: o.status, when: o.when });
  }
  receipt.summary = { erased: receipt.erased.length, retained: receipt.retained.length, manual: receipt.manual.length, failed: receipt.failed.length };
  return receipt;
}
