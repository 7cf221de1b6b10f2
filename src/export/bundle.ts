// `-o DIR/`: every format, one CSV per source, the HTML report and a README.txt naming the
// files; each file 0600 in a 0700 directory.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../core/atomic-file.js';
import type { ExportDocument } from './document.js';
import { toCsv } from './csv.js';
import { toHtml } from './html.js';
import { toJson } from './json.js';
import { toNdjson } from './ndjson.js';

export async function writeBundle(dir: string, doc: ExportDocument): Promise<string[]> {
  mkdirSync(join(dir, 'sources'), { recursive: true, mode: 0o700 });
  const perSource = doc.sources.map((s): [string, string] => [
    join('sources', `${s.name}.csv`),
    toCsv({ records: doc.records.filter((r) => r.source === s.name) }),
  ]);
  const files: Array<[string, string]> = [
    ['report.html', toHtml(doc)],
    ['export.json', toJson(doc)],
    ['export.ndjson', toNdjson(doc)],
    ['export.csv', toCsv(doc)],
    ...perSource,
  ];
  files.push([
    'README.txt',
    readme(
      doc,
      files.map(([name]) => name),
    ),
  ]);
  for (const [name, text] of files) await writeFileAtomic(join(dir, name), text, 0o600);
  return files.map(([name]) => name);
}

function readme(doc: ExportDocument, names: string[]): string {
  const what: Record<string, string> = {
    'report.html': 'the answer to read: what we hold, why, for how long, and what you can do (open it in a browser)',
    'export.json': 'everything, machine-readable (JSON), for another service (data portability)',
    'export.ndjson': 'the same records, one JSON object a line',
    'export.csv': 'the same records as a spreadsheet: one row per field',
  };
  const lines = [
    `Your personal data held by ${doc.controller.name}`,
    `Prepared ${doc.generatedAt.slice(0, 10)}; questions to ${doc.controller.contact}.`,
    '',
    'Files:',
    ...names.map((n) => `  ${n.padEnd(28)} ${what[n] ?? `the records from source "${n.replace(/^sources[\\/]/, '').replace(/\.csv$/, '')}" as a spreadsheet`}`),
    '  README.txt                   this list',
    '',
  ];
  return lines.join('\n');
}
