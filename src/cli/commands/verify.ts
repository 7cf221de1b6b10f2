// privacyctl verify SUBJECT [--from-plan FILE] — after an erasure, only retained records may
// remain: erasable data or a manual step still visible in a source is exit 5, an unsearched
// source exit 3. Every identity the erasure used is checked (src/core/verify.ts).
import type { Command } from 'commander';
import { describeUnsearched, exitCodeFor, outcomeOfSource, unsearched } from '../../core/engine.js';
import { ExitCode } from '../../core/errors.js';
import { readPlan } from '../../core/plan.js';
import { publicRecord } from '../../core/record.js';
import { identitiesToVerify } from '../../core/verify.js';
import { discoverSubject, subjectIdentities } from '../discover.js';
import type { Runner } from '../context.js';
import { addSubjectOptions, hasSubject, type SubjectFlags } from '../subject-options.js';
import type { VerifyResult, VerifyStatus } from '../results.js';

interface VerifyFlags extends SubjectFlags {
  fromPlan?: string;
}

export function registerVerify(program: Command, run: Runner): void {
  addSubjectOptions(
    program
      .command('verify')
      .description('after an erasure: only retained records may remain (exit 5 if erasable data or a manual step remains)')
      .option('--from-plan <file>', 'also check every identity of this erasure plan (the identities it found through links)'),
  ).action(
    run<VerifyFlags>(async (ctx, flags) => {
      const out = ctx.out;
      const plan = flags.fromPlan ? readPlan(flags.fromPlan) : undefined;
      const given = hasSubject(flags) || !plan ? await subjectIdentities(ctx, flags) : [];
      const found = await identitiesToVerify(ctx.config(), given, { signal: ctx.signal, log: ctx.log, ...(plan ? { fromPlan: plan.subject.identities } : {}) });
      const d = await discoverSubject(ctx, flags, undefined, found.identities);
      const remaining = d.records.filter((r) => r.disposition === 'erase');
      const outstanding = d.records.filter((r) => r.disposition === 'manual');
      const missing = unsearched(d.sources);
      const status: VerifyStatus =
        remaining.length > 0 ? 'data-remains' : outstanding.length > 0 ? 'manual-steps-outstanding' : missing.some((s) => !s.optional) ? 'incomplete' : 'clean';
      const result: VerifyResult = {
        status,
        identities: d.identities,
        erasures: found.erasures,
        remaining: remaining.map(publicRecord),
        outstanding: outstanding.map(publicRecord),
        retained: d.records.filter((r) => r.disposition === 'retain').length,
        ...(found.unrecovered.length ? { unrecovered: found.unrecovered } : {}),
        ...(found.unlisted.length ? { unlisted: found.unlisted } : {}),
        sources: d.sources.map((s) => ({ ...outcomeOfSource(s), records: s.records })),
      };
      if (out.json) {
        await out.data(`${JSON.stringify(result, null, 2)}\n`);
      } else {
        const lines = [`verify: ${status}`];
        for (const r of remaining) lines.push(`  still present: ${r.source} ${r.type} ${r.locator}`);
        for (const r of outstanding) lines.push(`  manual step outstanding: ${r.source} ${r.type} ${r.locator}: ${r.manual}`);
        for (const s of missing) lines.push(`  not searched: ${describeUnsearched(s)}`);
        for (const u of found.unrecovered)
          lines.push(
            `  not checked: ${u.count} ${u.type} identit${u.count === 1 ? 'y' : 'ies'} of the erasure, found in no source that can list its identities${found.unlisted.length ? ` (not listed: ${found.unlisted.map((s) => s.name).join(', ')})` : ''}`,
          );
        lines.push(`  ${result.retained} retained record(s) remain by design`);
        await out.data(`${lines.join('\n')}\n`);
      }
      if (found.erasures.length > 0)
        out.info(
          `checked ${d.identities.length} identities, including those the erasure${found.erasures.length === 1 ? '' : 's'} ${found.erasures.join(', ')} used`,
        );
      if (remaining.length > 0 || outstanding.length > 0) return ExitCode.VERIFY_FOUND_DATA;
      return exitCodeFor(d.sources);
    }),
  );
}
