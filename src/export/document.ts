// The access / portability export: the records, and everything Art. 15
// asks to be told about them.
import type { Art15Facts } from '../adapters/types.js';
import type { Controller } from '../core/config.js';
import { dueDate } from '../core/deadline.js';
import { missingControllerFacts, missingSourceFacts } from '../core/facts.js';
import { outcomeOfSource, summarize, unsearched, type Discovery, type SourceOutcome } from '../core/engine.js';
import type { SubjectIdentity } from '../core/identity.js';
import { publicRecord, type IdentityLink, type PersonalRecord } from '../core/record.js';

export const EXPORT_FORMAT = 'privacyctl/export@1';

export interface ExportSource extends SourceOutcome {
  records: number;
  /** The adapter's counters for this run (e.g. requests made). */
  stats?: Record<string, number>;
  /** Art. 15(1): the facts the config states; categories are those found here plus the configured ones. */
  facts: Art15Facts;
  /** Facts the config leaves out: the reply says "not stated" for each. */
  missingFacts: string[];
}

export interface ExportDocument {
  format: typeof EXPORT_FORMAT;
  generatedAt: string;
  generator: { name: 'privacyctl'; version: string };
  request: { id: string | null; type: string; received: string; deadline: string };
  controller: Controller;
  /** Controller facts the config leaves out (supervisory authority, automated decisions). */
  missingFacts: string[];
  subject: { identities: SubjectIdentity[]; candidates: IdentityLink[] };
  sources: ExportSource[];
  records: Array<Omit<PersonalRecord, 'erasure'>>;
  /** sourcesNotSearched: failed, or skipped for lack of access (optional ones included). */
  summary: ReturnType<typeof summarize> & { sources: number; sourcesFailed: string[]; sourcesNotSearched: string[] };
}

export function buildExport(
  d: Discovery,
  meta: { controller: Controller; version: string; now?: Date; requestType?: string; request?: ExportDocument['request'] },
): ExportDocument {
  const now = meta.now ?? new Date();
  const deadline = dueDate(now, meta.controller);
  const sources: ExportSource[] = d.sources.map((s) => {
    const found = new Set(d.records.filter((r) => r.source === s.name).flatMap((r) => r.categories));
    return {
      ...outcomeOfSource(s),
      records: s.records,
      ...(s.stats ? { stats: s.stats } : {}),
      facts: { ...s.facts, categories: [...new Set([...found, ...(s.facts.categories ?? [])])].sort() },
      missingFacts: missingSourceFacts(s.facts),
    };
  });
  return {
    format: EXPORT_FORMAT,
    generatedAt: now.toISOString(),
    generator: { name: 'privacyctl', version: meta.version },
    // Without a ledger entry: an ad-hoc request received now, answered within the controller's days.
    request: meta.request ?? { id: null, type: meta.requestType ?? 'access', received: now.toISOString(), deadline: deadline.toISOString() },
    controller: meta.controller,
    missingFacts: missingControllerFacts(meta.controller),
    subject: { identities: d.identities, candidates: d.candidates },
    sources,
    records: d.records.map(publicRecord),
    summary: {
      ...summarize(d.records),
      sources: sources.length,
      sourcesFailed: sources.filter((s) => s.status === 'failed').map((s) => s.name),
      sourcesNotSearched: unsearched(sources).map((s) => s.name),
    },
  };
}
