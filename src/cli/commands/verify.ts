// privacyctl verify SUBJECT — after an erasure, only retained (and manual) records may remain.
import type { Command } from 'commander';
import { exitCodeFor } from '../../core/engine.js';
import { ExitCode } from '../../core/errors.js';
import { publicRecord } from '../../core/record.js';
import { discoverSubject } from '../discover.js';
import type { Runner } from '../main.js';
import { addSubjectOptions, type SubjectFlags } from '../subject-options.js';

export function registerVerify(program: Command, run: Runner): void {
  addSubjectOptions(program.command('verify').description('re-discover after erasure: only retained records may remain (exit 5 if not)')).action(
    run<SubjectFlags>(async (ctx, flags) => {
      const d = await discoverSubject(ctx, flags);
      const remaining = d.records.filter((r) => r.disposition === 'erase');
      const failed = d.sources.filter((s) => s.status === 'failed');
      const status = remaining.length > 0 ? 'data-remains' : failed.length > 0 ? 'incomplete' : 'clean';
      const result = {
        status,
        remaining: remaining.map(publicRecord),
        retained: d.records.filter((r) => r.disposition === 'retain').length,
        manual: d.records.filter((r) => r.disposition === 'manual').length,
        sources: d.sources.map((s) => ({ name: s.name, kind: s.kind, status: s.status, ...(s.reason ? { reason: s.reason } : {}), records: s.records })),
      };
      if (ctx.out.json) {
        await ctx.out.data(`${JSON.stringify(result, null, 2)}\n`);
      } else {
        const lines = [`verify: ${status}`];
        for (const r of remaining) lines.push(`  still present: ${r.source} ${r.type} ${r.locator}`);
        for (const s of failed) lines.push(`  not checked: ${s.name} (${s.reason})`);
        lines.push(`  ${result.retained} retained and ${result.manual} manual record(s) may remain by design`);
        await ctx.out.data(`${lines.join('\n')}\n`);
      }
      if (remaining.length > 0) return ExitCode.VERIFY_FOUND_DATA;
      return exitCodeFor(d.sources);
    }),
  );
}
