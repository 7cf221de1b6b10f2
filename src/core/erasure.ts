// Carrying out a plan and keeping its record: journal (resumable, scrubbed), the stored receipt
// (salted hashes only) and, when everything was erased, the suppression list. `erase --apply`,
// `batch --apply` and `replay --apply` all go through here.
import type { AdapterLog } from '../adapters/types.js';
import { Journal } from '../state/journal.js';
import { storeReceipt } from '../state/receipts.js';
import { scrubberFor } from '../state/scrub.js';
import { StateDir } from '../state/state-dir.js';
import { SuppressionList } from '../state/suppression.js';
import { applyPlan, type ApplyProgress, type Receipt } from './apply.js';
import type { LoadedConfig } from './config.js';
import type { ErasurePlan } from './plan.js';

export interface CarriedOut {
  receipt: Receipt;
  /** The journal showed an interrupted earlier run for this subject, which this one finished. */
  resumed: boolean;
  /** Where the hashed copy of the receipt was stored. */
  stored: string;
}

export async function carryOut(
  config: LoadedConfig,
  plan: ErasurePlan,
  opts: { signal: AbortSignal; log: AdapterLog; progress?: ApplyProgress; onResume?: () => void },
): Promise<CarriedOut> {
  const st = new StateDir(config.stateDir);
  const journal = Journal.open(st, st.subjectKey(plan.subject.identities));
  journal.scrub = scrubberFor(st, plan.subject.identities);
  const resumed = journal.interrupted;
  if (resumed) opts.onResume?.();
  const receipt = await applyPlan(config, plan, journal, { signal: opts.signal, log: opts.log, ...(opts.progress ? { progress: opts.progress } : {}) });
  const stored = await storeReceipt(st, receipt, plan.subject.identities);
  if (receipt.failed.length === 0 && !receipt.sources.some((s) => s.status === 'failed')) {
    await new SuppressionList(st).add(plan.subject.identities);
  }
  return { receipt, resumed, stored };
}
