// `-o DIR/`: every format plus one CSV per source, each file 0600 in a 0700 directory.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../core/atomic-file.js';
import type { ExportDocument } from './document.js';
import { toCsv } from './csv.js';
import { toJson } from './json.js';
import { toNdjson } from './ndjson.js';

export async function writeBundle(dir: string, doc: ExportDocument): Promise<string[]> {
  mkdirSync(join(dir, 'sources'), { recursive: true, mode: 0o700 });
  const files: Array<[string, string]> = [
    ['export.json', toJson(doc)],
    ['export.ndjson', toNdjson(doc)],
    ['export.csv', toCsv(doc)],
    ...doc.sources.map((s): [string, string] => [join('sources', `${s.name}.csv`), toCsv({ records: doc.records.filter((r) => r.source === s.name) })]),
  ];
  for (const [name, text] of files) await writeFileAtomic(join(dir, name), text, 0o600);
  return files.map(([name]) => name);
}
