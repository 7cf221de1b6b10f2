// privacyctl find SUBJECT — where is this person's data: identities and counts per source.
import type { Command } from 'commander';
import { exitCodeFor, outcomeOfSource, summarize, type Discovery } from '../../core/engine.js';
import { discoverSubject } from '../discover.js';
import type { Runner } from '../context.js';
import type { Output } from '../output.js';
import { addSubjectOptions, type SubjectFlags } from '../subject-options.js';
import type { FindResult } from '../results.js';

export function findResult(d: Discovery): FindResult {
  return {
    identities: d.identities,
    candidates: d.candidates,
    sources: d.sources.map((s) => {
      const byType: Record<string, number> = {};
      for (const r of d.records) if (r.source === s.name) byType[r.type] = (byType[r.type] ?? 0) + 1;
      return { ...outcomeOfSource(s), records: s.records, byType, ...(s.stats ? { stats: s.stats } : {}) };
    }),
    summary: summarize(d.records),
  };
}

function render(out: Output, r: ReturnType<typeof findResult>): string {
  const lines: string[] = ['Identities:'];
  for (const id of r.identities) lines.push(`  ${id.type}:${id.value}  (${id.provenance.reason})`);
  lines.push('', 'Sources:');
  const width = Math.max(...r.sources.map((s) => s.name.length), 4);
  for (const s of r.sources) {
    const what =
      s.status === 'ok'
        ? `${s.records} record${s.records === 1 ? '' : 's'}${
            s.records
              ? ` (${Object.entries(s.byType)
                  .map(([t, n]) => `${t} ×${n}`)
                  .join(', ')})`
              : ''
          }`
        : s.partial
          ? `${s.records} record${s.records === 1 ? '' : 's'}, ONLY PARTLY SEARCHED${s.optional ? ' (optional)' : ''}: ${s.reason}`
          : `${s.status === 'skipped' && s.skip === 'unavailable' ? 'NOT SEARCHED' : s.status}${s.optional ? ' (optional)' : ''}: ${s.reason}`;
    lines.push(`  ${s.name.padEnd(width)}  ${s.status === 'failed' || s.skip === 'unavailable' ? out.cData.red(what) : what}`);
    for (const n of s.notes ?? []) lines.push(`  ${''.padEnd(width)}  note: ${n}`);
  }
  if (r.candidates.length > 0) {
    lines.push('', 'Candidate identities (not followed; accept with --include-identity TYPE:VALUE):');
    for (const c of r.candidates) lines.push(`  ${c.to.type}:${c.to.value}  (${c.source} ${c.locator}: ${c.reason})`);
  }
  lines.push('', `${r.summary.records} records: ${r.summary.erase} erasable, ${r.summary.retain} retained, ${r.summary.manual} manual`);
  return `${lines.join('\n')}\n`;
}

export function registerFind(program: Command, run: Runner): void {
  addSubjectOptions(program.command('find').description("where is this person's data: identities and counts per source")).action(
    run<SubjectFlags>(async (ctx, flags) => {
      const d = await discoverSubject(ctx, flags);
      const result = findResult(d);
      await ctx.out.data(ctx.out.json ? `${JSON.stringify(result, null, 2)}\n` : render(ctx.out, result));
      return exitCodeFor(d.sources);
    }),
  );
}
