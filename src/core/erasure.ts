// Carrying out a plan and keeping its record: the journal (resumable, scrubbed), the stored
// receipt (salted hashes only) and, when nothing was left undone, the suppression list.
// `erase --apply`, `batch --apply` and `replay --apply` all go through here. The journal is keyed
// by the plan and keeps the plan until the record is complete, so a re-run after an interruption
// finishes the same plan for the same identities and stores the same receipt and suppression
// entries as an uninterrupted run.
import type { AdapterLog } from '../adapters/types.js';
import { AuditLog, type AuditHead } from '../state/audit.js';
import { Journal } from '../state/journal.js';
import { receiptFileName, storeReceipt } from '../state/receipts.js';
import { scrubberFor } from '../state/scrub.js';
import { StateDir } from '../state/state-dir.js';
import { SuppressionList } from '../state/suppression.js';
import { applyPlan, type ApplyProgress, type Receipt } from './apply.js';
import type { LoadedConfig } from './config.js';
import { unsearched } from './engine.js';
import { AuditTrailError } from './errors.js';
import type { Identity } from './identity.js';
import type { ErasurePlan } from './plan.js';

export interface CarriedOut {
  receipt: Receipt;
  /** The journal showed an interrupted earlier run of this plan, which this one finished. */
  resumed: boolean;
  /** Where the hashed copy of the receipt was stored. */
  stored: string;
}

/** The plan of an unfinished (interrupted) erasure of one of these identities, or of this plan id. */
export function unfinishedErasure(config: LoadedConfig, match: { identities?: Identity[]; planId?: string }): ErasurePlan | undefined {
  return Journal.unfinished(new StateDir(config.stateDir), match);
}

/** Sources an interrupted run of this plan started: their changes since the plan may be its own. */
export function begunSources(config: LoadedConfig, planId: string): Set<string> {
  return Journal.open(new StateDir(config.stateDir), planId).begunSources();
}

export async function carryOut(
  config: LoadedConfig,
  plan: ErasurePlan,
  opts: { signal: AbortSignal; log: AdapterLog; progress?: ApplyProgress; onResume?: () => void },
): Promise<CarriedOut> {
  const st = new StateDir(config.stateDir);
  // Nothing is erased that the audit trail could not record; the receipt keeps the trail's head.
  const auditHead = await auditReady(new AuditLog(st));
  const journal = Journal.open(st, plan.planId);
  journal.scrub = scrubberFor(st, plan.subject.identities);
  const resumed = journal.interrupted;
  if (resumed) opts.onResume?.();
  await journal.keepPlan(plan);
  const receipt = await applyPlan(config, plan, journal, { signal: opts.signal, log: opts.log, ...(opts.progress ? { progress: opts.progress } : {}) });
  // One receipt per erasure: the file an interrupted run of the plan chose, else a new one, named
  // in the journal before it is written so that a re-run after a kill in between replaces it.
  let name = journal.storedReceipt();
  if (!name) {
    name = receiptFileName(receipt);
    journal.append({ event: 'receipt', file: name });
  }
  const stored = await storeReceipt(st, receipt, plan.subject.identities, auditHead, name);
  const complete = receipt.failed.length === 0 && unsearched(receipt.sources).every((s) => s.optional);
  if (complete) await new SuppressionList(st).add(plan.subject.identities);
  journal.finish(plan.planId);
  return { receipt, resumed, stored };
}

async function auditReady(log: AuditLog): Promise<AuditHead> {
  try {
    return await log.ready();
  } catch (err) {
    if (err instanceof AuditTrailError) throw new AuditTrailError(`${err.message}; nothing was erased`, err.hint);
    throw err;
  }
}
