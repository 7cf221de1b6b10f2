// One record a line, for pipes (jq -c, grep). Only records: the envelope is in the JSON export.
import type { ExportDocument } from './document.js';

export function toNdjson(doc: ExportDocument): string {
  return doc.records.map((r) => `${JSON.stringify(r)}\n`).join('');
}
