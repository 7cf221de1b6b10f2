// The plan and the receipt as text for a person: records in aligned columns, grouped by what
// happens to them; a reason or ground shared by several records is printed once, above them.
import { describeUnsearched, unsearched, type SourceOutcome } from '../core/engine.js';
import type { Receipt } from '../core/apply.js';
import type { ErasurePlan } from '../core/plan.js';
import type { Output } from './output.js';

interface Row {
  source: string;
  type: string;
  locator: string;
  /** After the columns, on the same line. */
  tail?: string;
  /** On the next line, indented: a manual step's instructions. */
  below?: string;
}

/** Rows in aligned columns; rows sharing a heading (a reason) are listed under it once. */
function table(rows: Array<Row & { heading?: string }>, indent = '  '): string[] {
  const w = (k: 'source' | 'type') => Math.max(...rows.map((r) => r[k].length));
  const ws = w('source');
  const wt = w('type');
  const out: string[] = [];
  let heading: string | undefined;
  for (const r of rows) {
    if (r.heading !== undefined && r.heading !== heading) out.push(`${indent}${r.heading}:`);
    heading = r.heading;
    const pad = r.heading !== undefined ? `${indent}  ` : indent;
    out.push(`${pad}${r.source.padEnd(ws)}  ${r.type.padEnd(wt)}  ${r.locator}${r.tail ? `  ${r.tail}` : ''}`);
    if (r.below) out.push(`${pad}    ${r.below}`);
  }
  return out;
}

/** Records with the same heading next to each other, in first-seen order of the headings. */
function grouped<T>(items: T[], headingOf: (t: T) => string): T[] {
  const order = new Map<string, T[]>();
  for (const t of items) order.set(headingOf(t), [...(order.get(headingOf(t)) ?? []), t]);
  return [...order.values()].flat();
}

function section(lines: string[], title: string, body: string[]): void {
  if (body.length === 0) return;
  lines.push('', title, ...body);
}

/** "; 1 source not searched (lanternfish-github)" — a summary line never hides an unsearched source. */
function notSearchedTail(missing: SourceOutcome[]): string {
  if (missing.length === 0) return '';
  return `; ${missing.length} source${missing.length === 1 ? '' : 's'} not searched (${missing.map((s) => s.name).join(', ')})`;
}

function noteLines(sources: Array<{ name: string; notes?: string[] }>): string[] {
  return sources.flatMap((src) => (src.notes ?? []).map((n) => `  note      ${src.name}  ${n}`));
}

const retentionHeading = (r: { reason: string; ground: string; hint?: string }) => `kept: ${r.reason} (${r.ground})${r.hint ? `; ${r.hint}` : ''}`;

export function renderPlan(out: Output, plan: ErasurePlan): string {
  const n = plan.subject.identities.length;
  const lines = [`Erasure plan ${plan.planId} (${n} identit${n === 1 ? 'y' : 'ies'})`];
  const erase = plan.records.filter((r) => r.disposition === 'erase');
  const retain = grouped(
    plan.records.filter((r) => r.disposition === 'retain'),
    (r) => retentionHeading(r.retention!),
  );
  const manual = plan.records.filter((r) => r.disposition === 'manual');
  section(lines, out.cData.red(`ERASE (${erase.length})`), table(erase.map((r) => ({ ...r, tail: r.action ?? '' }))));
  section(lines, out.cData.green(`RETAIN (${retain.length})`), table(retain.map((r) => ({ ...r, heading: retentionHeading(r.retention!) }))));
  section(lines, out.cData.yellow(`MANUAL (${manual.length})`), table(manual.map((r) => ({ ...r, below: r.manual ?? '' }))));
  const missing = unsearched(plan.sources);
  section(
    lines,
    out.cData.red(`NOT SEARCHED (${missing.length})`),
    missing.map((s) => `  ${describeUnsearched(s)}`),
  );
  section(lines, 'NOTES', noteLines(plan.sources));
  const sum = plan.summary;
  lines.push('', `${sum.erase} to erase, ${sum.retain} retained, ${sum.manual} manual step${sum.manual === 1 ? '' : 's'}${notSearchedTail(missing)}`);
  return `${lines.join('\n')}\n`;
}

export function renderReceipt(receipt: Receipt): string {
  const lines = [`Erasure receipt for plan ${receipt.planId}${receipt.resumed ? ' (resumed after an interruption)' : ''}`];
  section(
    lines,
    `ERASED (${receipt.erased.length})`,
    table(receipt.erased.map((e) => ({ ...e, tail: `${e.action}${e.status === 'gone' ? ' (already gone)' : ''}` }))),
  );
  const retained = grouped(receipt.retained, (e) => retentionHeading(e.retention));
  section(lines, `RETAINED (${retained.length})`, table(retained.map((e) => ({ ...e, heading: retentionHeading(e.retention) }))));
  section(lines, `MANUAL (${receipt.manual.length})`, table(receipt.manual.map((e) => ({ ...e, below: e.manual }))));
  section(lines, `FAILED (${receipt.failed.length})`, table(receipt.failed.map((e) => ({ ...e, tail: e.reason }))));
  const missing = unsearched(receipt.sources);
  section(
    lines,
    `NOT SEARCHED (${missing.length})`,
    missing.map((s) => `  ${describeUnsearched(s)}`),
  );
  section(lines, 'NOTES', noteLines(receipt.sources));
  const s = receipt.summary;
  lines.push('', `${s.erased} erased, ${s.retained} retained, ${s.manual} manual, ${s.failed} failed${notSearchedTail(missing)}`);
  return `${lines.join('\n')}\n`;
}
