import type { ExportDocument } from './document.js';

export function toJson(doc: ExportDocument): string {
  return `${JSON.stringify(doc, null, 2)}\n`;
}
