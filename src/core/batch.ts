// `batch`: many requests, one discovery. Every source is read once for all the subjects (see
// discoverBatch); then each request gets its own result: an export bundle for access and
// portability, a plan — carried out only with --apply — for erasure. Nothing of one subject
// reaches another's files: each export and plan is built from that subject's discovery alone.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { AdapterLog } from '../adapters/types.js';
import { writeFileAtomic } from './atomic-file.js';
import type { BatchRequest } from './batch-input.js';
import type { LoadedConfig } from './config.js';
import { discoverBatch, exitCodeFor, summarize, unsearched, type Discovery, type ProgressSink } from './engine.js';
import { carryOut } from './erasure.js';
import { ExitCode } from './errors.js';
import { impliedIdentities, identityKey, type SubjectIdentity } from './identity.js';
import { buildPlan } from './plan.js';
import { buildExport, type ExportDocument } from '../export/document.js';
import { writeBundle } from '../export/bundle.js';
import type { ApplyProgress } from './apply.js';

/**
 * One line of `batch` output. `request_status` is OpenDSR's (completed, pending, cancelled);
 * `outcome` says more: ok, partial (a source failed), failed (nothing usable), planned (an erasure
 * waiting for --apply), invalid (skipped with --skip-invalid). No identities: the line is for
 * scripts and logs, and the caller already knows whom it asked about.
 */
export interface BatchStatus {
  line: number;
  request_id: string | null;
  subject_request_type: string;
  request_status: 'completed' | 'pending' | 'cancelled';
  outcome: 'ok' | 'partial' | 'failed' | 'planned' | 'invalid';
  exit_code: number;
  reason?: string;
  records?: number;
  erase?: number;
  retain?: number;
  manual?: number;
  sources_failed?: string[];
  /** Failed, or skipped for lack of access (optional ones included). */
  sources_not_searched?: string[];
  plan_id?: string;
  receipt?: { erased: number; retained: number; manual: number; failed: number };
  files?: string[];
}

export interface BatchOptions {
  expand: boolean;
  apply: boolean;
  /** `-o DIR/`: one folder per request, named by its request id (else `line-N`). */
  outDir?: string;
  version: string;
  signal: AbortSignal;
  log: AdapterLog;
  progress?: ProgressSink;
  applyProgress?: (request: BatchRequest) => ApplyProgress;
  /** The ledger's dates for a request id that names a ledger request (its export says so). */
  ledgerRequest?: (requestId: string) => ExportDocument['request'] | undefined;
  /** Called as each request is finished, in input order. */
  onStatus: (s: BatchStatus) => Promise<void> | void;
}

export function folderOf(r: BatchRequest): string {
  return r.requestId ?? `line-${r.line}`;
}

export function subjectOf(r: BatchRequest): SubjectIdentity[] {
  const out = new Map<string, SubjectIdentity>();
  for (const id of r.identities) out.set(identityKey(id), { ...id, provenance: { via: 'given', reason: `given in the batch request on line ${r.line}` } });
  for (const id of [...out.values()]) {
    for (const implied of impliedIdentities(id)) {
      if (!out.has(identityKey(implied.identity)))
        out.set(identityKey(implied.identity), {
          ...implied.identity,
          provenance: { via: 'link', reason: implied.reason, from: { type: id.type, value: id.value } },
        });
    }
  }
  return [...out.values()];
}

/** Runs every request; returns the discoveries (for the audit trail) in input order. */
export async function runBatch(config: LoadedConfig, requests: BatchRequest[], opts: BatchOptions): Promise<Discovery[]> {
  const found = await discoverBatch(config, requests.map(subjectOf), {
    expand: opts.expand,
    signal: opts.signal,
    log: opts.log,
    ...(opts.progress ? { progress: opts.progress } : {}),
  });
  for (let i = 0; i < requests.length; i++) {
    const r = requests[i]!;
    const d = found[i]!;
    const code = exitCodeFor(d.sources);
    const sum = summarize(d.records);
    const failedSources = d.sources.filter((s) => s.status === 'failed').map((s) => s.name);
    const notSearched = unsearched(d.sources).map((s) => s.name);
    const base: BatchStatus = {
      line: r.line,
      request_id: r.requestId ?? null,
      subject_request_type: r.type,
      request_status: 'completed',
      outcome: code === ExitCode.OK ? 'ok' : code === ExitCode.PARTIAL ? 'partial' : 'failed',
      exit_code: code,
      ...sum,
      ...(failedSources.length ? { sources_failed: failedSources } : {}),
      ...(notSearched.length ? { sources_not_searched: notSearched } : {}),
    };
    if (code !== ExitCode.OK && code !== ExitCode.PARTIAL) base.request_status = 'pending';
    const dir = opts.outDir ? join(opts.outDir, folderOf(r)) : undefined;
    if (r.type !== 'erasure') {
      const known = r.requestId ? opts.ledgerRequest?.(r.requestId) : undefined;
      const doc = buildExport(d, { controller: config.controller, version: opts.version, requestType: r.type, ...(known ? { request: known } : {}) });
      if (r.requestId) doc.request.id = r.requestId;
      const files = dir ? (await writeBundle(dir, doc)).map((f) => join(dir, f)) : [];
      await opts.onStatus({ ...base, files });
      continue;
    }
    const plan = buildPlan(d);
    const files: string[] = [];
    if (dir) {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      files.push(join(dir, 'plan.json'));
      await writeFileAtomic(files[0]!, `${JSON.stringify(plan, null, 2)}\n`, 0o600);
    }
    if (!opts.apply) {
      await opts.onStatus({ ...base, request_status: 'pending', outcome: code === ExitCode.OK ? 'planned' : base.outcome, plan_id: plan.planId, files });
      continue;
    }
    const applyProgress = opts.applyProgress?.(r);
    const { receipt } = await carryOut(config, plan, { signal: opts.signal, log: opts.log, ...(applyProgress ? { progress: applyProgress } : {}) });
    if (dir) {
      // The reply to the person: the full receipt, with their identities (the stored copy has hashes).
      files.push(join(dir, 'receipt.json'));
      await writeFileAtomic(files[1]!, `${JSON.stringify({ ...receipt, subject: { identities: plan.subject.identities } }, null, 2)}\n`, 0o600);
    }
    const failed = receipt.failed.length > 0;
    await opts.onStatus({
      ...base,
      ...(failed ? { request_status: 'pending' as const, outcome: 'partial' as const, exit_code: ExitCode.PARTIAL } : {}),
      plan_id: plan.planId,
      receipt: receipt.summary,
      files,
    });
  }
  return found;
}
