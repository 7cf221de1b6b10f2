// privacyctl replay [--apply --yes] — after a backup restore, find the erased people the restore
// brought back (by the salted hashes in the stored receipts) and erase them again. Exit 5 when
// restored data is still there (a dry run found it), 3 when a source or an erasure failed.
import type { Command } from 'commander';
import { discoverBatch, exitCodeFor, summarize } from '../../core/engine.js';
import { carryOut } from '../../core/erasure.js';
import { ExitCode, UsageError } from '../../core/errors.js';
import { buildPlan } from '../../core/plan.js';
import { erasedSubjects, findRestored } from '../../core/replay.js';
import { StateDir } from '../../state/state-dir.js';
import type { Runner } from '../context.js';
import { applyProgress, discoveryProgress } from '../progress.js';
import type { ReplayLine } from '../results.js';

interface ReplayFlags {
  apply?: boolean;
  yes?: boolean;
}

export function registerReplay(program: Command, run: Runner): void {
  program
    .command('replay')
    .description(
      'after a backup restore: find erased people the restore brought back (by the hashed receipts) and erase them again; exit 5 when restored data remains',
    )
    .option('--apply', 'erase what is found again (needs --yes); without it, only report')
    .option('-y, --yes', 'confirm --apply (replay never asks)')
    .action(
      run<ReplayFlags>(async (ctx, flags) => {
        const out = ctx.out;
        if (flags.yes && !flags.apply) throw new UsageError('--yes only makes sense with --apply', 'add --apply to erase again');
        if (flags.apply && !flags.yes)
          throw new UsageError('replay --apply needs --yes; nothing was erased', 'run without --apply first to see what a restore brought back');
        const config = ctx.config();
        const state = new StateDir(config.stateDir);
        const subjects = erasedSubjects(state);
        if (subjects.length === 0) {
          out.info(`no erasure receipts in ${config.stateDir}: nothing to replay`);
          return ExitCode.OK;
        }
        out.progress(`listing the identities every source holds, for ${subjects.length} erased ${subjects.length === 1 ? 'person' : 'people'}`);
        const { restored, sources } = await findRestored(config, state, subjects, { signal: ctx.signal, log: ctx.log });
        out.stopSpinner();
        for (const s of sources) {
          if (s.status === 'unlisted') out.warn(`${s.name}: not checked (${s.reason}); look there by hand`);
          else if (s.status === 'failed') out.progressDone(false, `${s.name}: failed: ${s.reason}`);
          else if (s.status === 'skipped') out.detail(`- ${s.name}: skipped (${s.reason})`);
          else out.detail(`${s.name}: ${s.identities} identities listed`);
        }
        const found =
          restored.length > 0
            ? await discoverBatch(
                config,
                restored.map((r) => r.identities),
                { expand: false, signal: ctx.signal, log: ctx.log, progress: discoveryProgress(out) },
              )
            : [];
        const lines: ReplayLine[] = [];
        let code: number = sources.some((s) => s.status === 'failed') ? ExitCode.PARTIAL : ExitCode.OK;
        for (const subject of subjects) {
          const k = restored.findIndex((r) => r.subject === subject);
          const base = { subject: subject.ref, erasures: subject.planIds, last_erased_at: subject.lastErasedAt };
          if (k < 0) {
            lines.push({ ...base, status: 'clean', identities_found: 0 });
            continue;
          }
          const d = found[k]!;
          const plan = buildPlan(d);
          const failedSources = d.sources.filter((s) => s.status === 'failed').map((s) => s.name);
          if (exitCodeFor(d.sources) !== ExitCode.OK) code = Math.max(code, exitCodeFor(d.sources));
          const line: ReplayLine = {
            ...base,
            status: plan.steps.length === 0 ? 'clean' : 'restored',
            identities_found: restored[k]!.identities.length,
            ...summarize(d.records),
            ...(failedSources.length ? { sources_failed: failedSources } : {}),
          };
          if (plan.steps.length > 0 && flags.apply) {
            const { receipt } = await carryOut(config, plan, { signal: ctx.signal, log: ctx.log, progress: applyProgress(out) });
            Object.assign(line, { status: receipt.failed.length > 0 ? 'failed' : 're-erased', plan_id: plan.planId, receipt: receipt.summary });
            if (receipt.failed.length > 0) code = Math.max(code, ExitCode.PARTIAL);
          } else if (plan.steps.length > 0) line.plan_id = plan.planId;
          lines.push(line);
        }
        for (const l of lines) await out.data(`${JSON.stringify(l)}\n`);
        ctx.audit.identities = restored.flatMap((r) => r.identities);
        ctx.audit.counts = {
          erased: subjects.length,
          restored: lines.filter((l) => l.status !== 'clean').length,
          reErased: lines.filter((l) => l.status === 're-erased').length,
        };
        const n = lines.filter((l) => l.status === 'restored').length;
        // a restore brought erased data back and it is still there: a cron job must act (as verify's 5)
        if (n > 0) code = Math.max(code, ExitCode.VERIFY_FOUND_DATA);
        out.info(
          `${subjects.length} erased ${subjects.length === 1 ? 'person' : 'people'} on record: ${lines.filter((l) => l.status === 'clean').length} clean, ` +
            `${ctx.audit.counts['reErased']} erased again, ${n} with restored data${n > 0 ? ' (run with --apply --yes to erase it again)' : ''}`,
        );
        return code;
      }),
    );
}
