// Long-form CSV: one row per field of each record, ready for a spreadsheet. Cells that a
// spreadsheet would run as a formula are neutralised (OWASP "CSV injection").
import { stringify } from 'csv-stringify/sync';
import type { ExportDocument } from './document.js';

export const CSV_COLUMNS = ['source', 'type', 'locator', 'field', 'value', 'categories', 'disposition', 'retention_reason'] as const;

const FORMULA_START = /^[=+\-@\t\r]/;

/** Prefix a cell that would start a formula with a single quote, the convention spreadsheets show as text. */
export function neutralizeCell(value: string): string {
  return FORMULA_START.test(value) ? `'${value}` : value;
}

function cellText(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

export function toCsv(doc: Pick<ExportDocument, 'records'>): string {
  const rows: string[][] = [];
  for (const r of doc.records) {
    const fields = Object.entries(r.data);
    const common = [r.categories.join(';'), r.disposition, r.retention?.reason ?? ''];
    if (fields.length === 0) rows.push([r.source, r.type, r.locator, '', '', ...common]);
    for (const [field, value] of fields) rows.push([r.source, r.type, r.locator, field, cellText(value), ...common]);
  }
  return stringify(
    rows.map((row) => row.map(neutralizeCell)),
    { header: true, columns: [...CSV_COLUMNS], quoted_string: false },
  );
}
