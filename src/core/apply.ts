// Carrying out a plan: source by source, each journalled before and after, each adapter's
// erase idempotent — so a re-run after an interruption finishes with the same result.
import type { AdapterLog, ErasureStep, StepResult } from '../adapters/types.js';
import type { LoadedConfig } from './config.js';
import { createAdapter } from './engine.js';
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
  sources: Array<{ name: string; status: 'ok' | 'failed' | 'skipped'; reason?: string; notes?: string[] }>;
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
  const earlier = journal.previousSteps();
  journal.append({ event: 'start', planId: plan.planId });
  const receipt: Receipt = {
    format: RECEIPT_FORMAT,
    planId: plan.planId,
    appliedAt: new Date().toISOString(),
    resumed,
    erased: earlier.map((e) => ({ source: e.source, type: e.type, locator: e.locator, action: e.action, status: 'done' as const, when: 'earlier-run' as const })),
    retained: plan.records.filter((r) => r.disposition === 'retain').map((r) => ({ source: r.source, type: r.type, locator: r.locator, retention: r.retention! })),
    manual: plan.records.filter((r) => r.disposition === 'manual').map((r) => ({ source: r.source, type: r.type, locator: r.locator, manual: r.manual! })),
    failed: [],
    sources: plan.sources.map((s) => ({ name: s.name, status: s.status, ...(s.reason ? { reason: s.reason } : {}) })),
    summary: { erased: 0, retained: 0, manual: 0, failed: 0 },
  };
  const bySource = new Map<string, ErasureStep[]>();
  for (const step of plan.steps) bySource.set(step.source, [...(bySource.get(step.source) ?? []), step]);
  // A source that revealed one of the identities (an account row linking a client id) goes
  // last: were the run interrupted after it, a re-run could no longer find the data that only
  // those identities lead to.
  const revealers = new Set(plan.subject.identities.map((i) => i.provenance.source).filter((s): s is string => Boolean(s)));
  const order = [...bySource.keys()].sort((a, b) => Number(revealers.has(a)) - Number(revealers.has(b)));

  for (const name of order) {
    const steps = bySource.get(name)!;
    if (opts.signal.aborted) break;
    const source = config.sources.find((s) => s.name === name);
    const status = receipt.sources.find((s) => s.name === name);
    const settled = new Set<string>(); // steps the adapter already reported: a later failure does not undo them
    const fail = (reason: string) => {
      for (const s of steps) if (!settled.has(s.id)) receipt.failed.push({ source: name, type: s.type, locator: s.locator, action: s.action, reason });
      if (status) Object.assign(status, { status: 'failed', reason });
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
    const byId = new Map(steps.map((s) => [s.id, s]));
    try {
      let done = 0;
      const note = (text: string) => {
        if (status && !status.notes?.includes(text)) status.notes = [...(status.notes ?? []), text];
      };
      for await (const result of adapter.erase(steps, matcher, { signal: opts.signal, log: opts.log, stats: {}, note }) as AsyncIterable<StepResult>) {
        const step = byId.get(result.stepId);
        if (!step) continue;
        settled.add(step.id);
        journal.append({ event: 'step', stepId: step.id, source: name, type: step.type, locator: step.locator, action: step.action, status: result.status, ...(result.detail ? { detail: result.detail } : {}) });
        if (result.status === 'failed') {
          receipt.failed.push({ source: name, type: step.type, locator: step.locator, action: step.action, reason: result.detail ?? 'failed' });
        } else if (!receipt.erased.some((e) => e.source === name && e.locator === step.locator && e.when === 'earlier-run')) {
          receipt.erased.push({ source: name, type: step.type, locator: step.locator, action: step.action, status: result.status, when: 'now' });
          done++;
        }
      }
      journal.append({ event: 'source-end', source: name, ok: true });
      opts.progress?.sourceApplied(name, true, `${done} record${done === 1 ? '' : 's'} erased`);
    } catch (err) {
      if (opts.signal.aborted) break;
      fail(errorMessage(err));
    }
  }
  if (opts.signal.aborted) {
    throw new InterruptedError('interrupted: erasure stopped between safe points', 're-run the same `erase ... --apply` command to finish; the journal records what was done');
  }
  journal.append({ event: 'complete', planId: plan.planId });
  receipt.summary = { erased: receipt.erased.length, retained: receipt.retained.length, manual: receipt.manual.length, failed: receipt.failed.length };
  return receipt;
}
