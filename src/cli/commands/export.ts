// privacyctl export SUBJECT [--format F] [-o OUT] — the access / portability export.
import { resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { writeFileAtomic } from '../../core/atomic-file.js';
import { exitCodeFor } from '../../core/engine.js';
import { missingFactWarnings } from '../../core/facts.js';
import { UsageError } from '../../core/errors.js';
import { resolveTarget } from '../target.js';
import { writeBundle } from '../../export/bundle.js';
import { toCsv } from '../../export/csv.js';
import { buildExport, type ExportDocument } from '../../export/document.js';
import { toHtml } from '../../export/html.js';
import { toJson } from '../../export/json.js';
import { toNdjson } from '../../export/ndjson.js';
import { discoverSubject, requestOf } from '../discover.js';
import type { Runner } from '../context.js';
import { addSubjectOptions, type SubjectFlags } from '../subject-options.js';
import type { ExportFilesResult } from '../results.js';

type Format = 'json' | 'ndjson' | 'csv' | 'html';
const WRITERS: Record<Format, (d: ExportDocument) => string> = { json: toJson, ndjson: toNdjson, csv: toCsv, html: toHtml };

interface ExportFlags extends SubjectFlags {
  format: Format;
  output?: string;
}

export function registerExport(program: Command, run: Runner): void {
  addSubjectOptions(
    program
      .command('export')
      .description("the person's data from every source, with the Art. 15 facts (access, portability)")
      .addOption(
        new Option('-f, --format <format>', 'json, ndjson (one record a line), csv (one row per field) or html (a page for the person)')
          .choices(['json', 'ndjson', 'csv', 'html'])
          .default('json'),
      )
      .option(
        '-o, --output <path>',
        'write to FILE (mode 0600), or DIR/ for a bundle: every format, one CSV per source, report.html, README.txt; default stdout',
      ),
  ).action(
    run<ExportFlags>(async (ctx, flags, cmd) => {
      const target = resolveTarget(flags.output);
      // a flag that would be silently ignored is a mistake: say so before anything is read
      const formatGiven = cmd.getOptionValueSource('format') === 'cli';
      if (target.kind === 'bundle' && formatGiven) {
        throw new UsageError(
          `-o ${flags.output} writes a bundle of every format; --format ${flags.format} would be ignored`,
          'drop --format, or give a file name: -o export.' + flags.format,
        );
      }
      if (target.kind === 'stdout' && ctx.out.json && flags.format !== 'json') {
        throw new UsageError(
          `--json prints JSON on stdout; --format ${flags.format} asks for ${flags.format}`,
          `drop --json, or write the ${flags.format} to a file with -o`,
        );
      }
      const request = await requestOf(ctx, flags);
      const d = await discoverSubject(ctx, flags, request);
      const doc = buildExport(d, {
        controller: ctx.config().controller,
        version: ctx.version,
        ...(request ? { request: { id: request.id, type: request.type, received: request.received, deadline: request.due } } : {}),
      });
      const code = exitCodeFor(d.sources);
      const config = ctx.config();
      for (const w of missingFactWarnings(
        config.controller,
        config.sources.filter((s) => d.records.some((r) => r.source === s.name)),
      ))
        ctx.out.warn(w);
      if (target.kind === 'stdout') {
        await ctx.out.data(WRITERS[flags.format](doc));
        return code;
      }
      const files =
        target.kind === 'file'
          ? (await writeFileAtomic(target.path, WRITERS[flags.format](doc), 0o600), [target.path])
          : (await writeBundle(target.dir, doc)).map((f) => resolve(target.dir, f));
      ctx.out.success(`wrote ${doc.summary.records} records from ${doc.summary.sources} sources to ${flags.output}`);
      if (ctx.out.json) await ctx.out.data(`${JSON.stringify({ files, summary: doc.summary } satisfies ExportFilesResult, null, 2)}\n`);
      return code;
    }),
  );
}
