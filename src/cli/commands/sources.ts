// privacyctl sources [--check] — the configured sources; --check probes each one.
import type { Command } from 'commander';
import { createAdapter } from '../../core/engine.js';
import { ExitCode } from '../../core/errors.js';
import { missingControllerFacts, missingFactWarnings, missingSourceFacts } from '../../core/facts.js';
import type { Runner } from '../context.js';
import type { SourcesResult } from '../results.js';

export function registerSources(program: Command, run: Runner): void {
  program
    .command('sources')
    .description('list the configured sources; --check probes each (reachability, permissions, columns)')
    .option('--check', 'probe every source')
    .action(
      run<{ check?: boolean }>(async (ctx, flags) => {
        const config = ctx.config();
        // Art. 15 facts the reply would say are "not stated": flagged so the config can be completed.
        for (const w of missingFactWarnings(config.controller, config.sources)) ctx.out.warn(w);
        const rows = await Promise.all(
          config.sources.map(async (s) => {
            const missingFacts = missingSourceFacts(s.facts);
            const base = { name: s.name, kind: s.kind, ...(s.optional ? { optional: true } : {}), facts: s.facts, missingFacts };
            if (!flags.check) return base;
            ctx.out.progress(`checking ${s.name}`);
            const check = await createAdapter(config, s).check(ctx.signal);
            // A source that cannot be searched now (no token) is not "ok": runs would not search it.
            const optional = s.optional ? ' (optional: runs name it as not searched, and still succeed)' : '';
            ctx.out.progressDone(
              check.skipped ? 'skipped' : check.ok,
              `${s.name}: ${check.skipped ? `cannot be searched: ${check.detail}${optional}` : check.detail}`,
            );
            return { ...base, check };
          }),
        );
        ctx.out.stopSpinner();
        if (ctx.out.json) {
          await ctx.out.data(
            `${JSON.stringify({ config: config.file, missingFacts: missingControllerFacts(config.controller), sources: rows } satisfies SourcesResult, null, 2)}\n`,
          );
        } else {
          const width = Math.max(4, ...rows.map((r) => r.name.length));
          const lines = rows.map((r) => {
            const check = 'check' in r && r.check ? `  ${r.check.skipped ? 'NOT SEARCHABLE' : r.check.ok ? 'ok' : 'FAILED'}: ${r.check.detail}` : '';
            return `${r.name.padEnd(width)}  ${r.kind.padEnd(12)}${check}`;
          });
          await ctx.out.data(lines.length ? `${lines.join('\n')}\n` : '');
          if (rows.length === 0) ctx.out.info(`no sources in ${config.file}; add some (see \`privacyctl init\`)`);
        }
        // Failed, or not searchable (no token) and not optional: a run would be partial.
        const failed = rows.filter((r) => 'check' in r && r.check && (!r.check.ok || (r.check.skipped && !('optional' in r)))).length;
        return failed === 0 ? ExitCode.OK : failed === rows.length ? ExitCode.OPERATIONAL : ExitCode.PARTIAL;
      }),
    );
}
