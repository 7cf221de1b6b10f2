// privacyctl export SUBJECT [--format F] [-o OUT] — the access / portability export.
import { accessSync, constants, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { writeFileAtomic } from '../../core/atomic-file.js';
import { exitCodeFor } from '../../core/engine.js';
import { UsageError } from '../../core/errors.js';
import { writeBundle } from '../../export/bundle.js';
import { toCsv } from '../../export/csv.js';
import { buildExport, type ExportDocument } from '../../export/document.js';
import { toHtml } from '../../export/html.js';
import { toJson } from '../../export/json.js';
import { toNdjson } from '../../export/ndjson.js';
import { discoverSubject, requestOf } from '../discover.js';
import type { Runner } from '../main.js';
import { addSubjectOptions, type SubjectFlags } from '../subject-options.js';

type Format = 'json' | 'ndjson' | 'csv' | 'html';
const WRITERS: Record<Format, (d: ExportDocument) => string> = { json: toJson, ndjson: toNdjson, csv: toCsv, html: toHtml };

interface ExportFlags extends SubjectFlags {
  format: Format;
  output?: string;
}

type Target = { kind: 'stdout' } | { kind: 'file'; path: string } | { kind: 'bundle'; dir: string };

/** Where the export goes; checked before any source is read, so a bad -o writes nothing. */
export function resolveTarget(output: string | undefined): Target {
  if (output === undefined || output === '-') return { kind: 'stdout' };
  const path = resolve(output);
  let isDir = output.endsWith('/');
  try {
    isDir ||= statSync(path).isDirectory();
  } catch {
    // does not exist yet
  }
  const parent = isDir ? dirname(path.replace(/\/+$/, '')) : dirname(path);
  try {
    accessSync(parent, constants.W_OK);
  } catch {
    throw new UsageError(`-o ${output}: cannot write there (${parent} is missing or not writable)`, 'create the directory first, or choose another path');
  }
  return isDir ? { kind: 'bundle', dir: path } : { kind: 'file', path };
}

export function registerExport(program: Command, run: Runner): void {
  addSubjectOptions(
    program
      .command('export')
      .description("the person's data from every source, with the Art. 15 facts (access, portability)")
      .addOption(new Option('-f, --format <format>', 'json, ndjson (one record a line), csv (one row per field) or html (a page for the person)').choices(['json', 'ndjson', 'csv', 'html']).default('json'))
      .option('-o, --output <path>', 'write to FILE (mode 0600), or DIR/ for a bundle: every format, one CSV per source, report.html, README.txt; default stdout'),
  ).action(
    run<ExportFlags>(async (ctx, flags) => {
      const target = resolveTarget(flags.output);
      const request = await requestOf(ctx, flags);
      const d = await discoverSubject(ctx, flags, request);
      const doc = buildExport(d, {
        controller: ctx.config().controller,
        version: ctx.version,
        ...(request ? { request: { id: request.id, type: request.type, received: request.received, deadline: request.due } } : {}),
      });
      const code = exitCodeFor(d.sources);
      if (target.kind === 'stdout') {
        await ctx.out.data(WRITERS[flags.format](doc));
        return code;
      }
      const files =
        target.kind === 'file'
          ? (await writeFileAtomic(target.path, WRITERS[flags.format](doc), 0o600), [target.path])
          : (await writeBundle(target.dir, doc)).map((f) => resolve(target.dir, f));
      ctx.out.success(`wrote ${doc.summary.records} records from ${doc.summary.sources} sources to ${flags.output}`);
      if (ctx.out.json) await ctx.out.data(`${JSON.stringify({ files, summary: doc.summary }, null, 2)}\n`);
      return code;
    }),
  );
}
