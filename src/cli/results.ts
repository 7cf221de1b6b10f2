// What each command prints with --json: one type per result, used by the commands when they build
// it and by the e2e tests that read it back (runJson<T>), so a change to the output is a change
// to a type both sides see. Types only: this module adds nothing at run time.
import type { Art15Facts, CheckResult } from '../adapters/types.js';
import type { Receipt } from '../core/apply.js';
import type { BatchStatus } from '../core/batch.js';
import type { SourceOutcome, summarize } from '../core/engine.js';
import type { IdentityLink, PersonalRecord } from '../core/record.js';
import type { SubjectIdentity } from '../core/identity.js';
import type { ErasurePlan } from '../core/plan.js';
import type { ListedSource } from '../core/replay.js';
import type { AuditHead, AuditReport } from '../state/audit.js';
import type { PrivacyRequest } from '../state/ledger.js';
import type { ExportDocument } from '../export/document.js';

/** Records by disposition: `records` in all, then how many are erasable, retained, manual. */
export type RecordCounts = ReturnType<typeof summarize>;

/** A record as printed: everything but the adapter's private erasure details. */
export type PrintedRecord = Omit<PersonalRecord, 'erasure'>;

/** `find --json`. */
export interface FindResult {
  identities: SubjectIdentity[];
  candidates: IdentityLink[];
  sources: Array<SourceOutcome & { records: number; byType: Record<string, number>; stats?: Record<string, number> }>;
  summary: RecordCounts;
}

/** `export --json` to stdout: the export document itself (src/export/document.ts). */
export type { ExportDocument } from '../export/document.js';

/** `export --json -o FILE|DIR/`: what was written, and the document's summary. */
export interface ExportFilesResult {
  files: string[];
  summary: ExportDocument['summary'];
}

/** `erase --json` without --apply: the plan. */
export type ErasePlanResult = ErasurePlan;

/** `erase --json --apply`: the receipt, with the identities the plan erased. */
export type EraseReceiptResult = Receipt & { subject: { identities: ErasurePlan['subject']['identities'] } };

export type VerifyStatus = 'data-remains' | 'manual-steps-outstanding' | 'incomplete' | 'clean';

/** `verify --json`. */
export interface VerifyResult {
  status: VerifyStatus;
  identities: SubjectIdentity[];
  /** Plan ids of the stored receipts that name this person. */
  erasures: string[];
  remaining: PrintedRecord[];
  outstanding: PrintedRecord[];
  retained: number;
  unrecovered?: Array<{ type: string; count: number }>;
  unlisted?: ListedSource[];
  sources: Array<SourceOutcome & { records: number }>;
}

/** `sources --json` (`check` only with --check). */
export interface SourcesResult {
  config: string;
  missingFacts: string[];
  /** `optional` is there only when true. */
  sources: Array<{ name: string; kind: string; optional?: boolean; facts: Art15Facts; missingFacts: string[]; check?: CheckResult }>;
}

/** `suppressed --json`: `since` is when the identity was first put on the list. */
export interface SuppressedResult {
  results: Array<{ type: string; value: string; suppressed: boolean; since: string | null }>;
}

/** `requests add|show|extend|close --json`. */
export type RequestResult = PrivacyRequest;
/** `requests list --json`. */
export interface RequestListResult {
  requests: PrivacyRequest[];
}
/** `requests extend --json`: the request and the notice to send the person. */
export type RequestExtendResult = PrivacyRequest & { notice: string };

/** `batch`: one line per request (NDJSON). */
export type BatchLine = BatchStatus;

/**
 * `replay`: one line per erased person on record (NDJSON). `subject` is a digest of their
 * identity hashes (it names nobody); `status`: clean (nothing erasable found), restored (found,
 * not erased: dry run), re-erased, or failed.
 */
export interface ReplayLine extends Partial<RecordCounts> {
  subject: string;
  erasures: string[];
  last_erased_at: string;
  status: 'clean' | 'restored' | 're-erased' | 'failed';
  identities_found: number;
  plan_id?: string;
  receipt?: Receipt['summary'];
  sources_failed?: string[];
}

/** `audit verify --json`. */
export type AuditVerifyResult = AuditReport & { file: string };
/** `audit head --json`: the head, as numbers and as `SEQ:HASH`. */
export type AuditHeadResult = AuditHead & { head: string; entries: number };
/** `audit repair --json`. */
export type AuditRepairResult = { repaired: true; quarantined: string; bytes: number; entry: number } | { repaired: false };
