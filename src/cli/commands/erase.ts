// privacyctl erase SUBJECT [--apply [--yes]] [--plan-out FILE] | --from-plan FILE --apply
// Without --apply it only plans; with it, it asks (on a TTY) or needs --yes, then carries the
// plan out, journalled, and prints a receipt.
import type { Command } from 'commander';
import { begunSources, carryOut, unfinishedErasure } from '../../core/erasure.js';
import { writeFileAtomic } from '../../core/atomic-file.js';
import { discover, exitCodeFor } from '../../core/engine.js';
import { ExitCode, PlanMismatchError, UsageError } from '../../core/errors.js';
import { buildPlan, readPlan, stepsFor, type ErasurePlan } from '../../core/plan.js';
import type { ErasureStep } from '../../adapters/types.js';
import type { CommandContext } from '../context.js';
import { discoverSubject, recordPlanIdentities, subjectIdentities } from '../discover.js';
import type { Runner } from '../context.js';
import { renderPlan, renderReceipt } from '../render-erasure.js';
import { applyProgress, discoveryProgress } from '../progress.js';
import { addSubjectOptions, hasSubject, type SubjectFlags } from '../subject-options.js';
import { resolveTarget } from '../target.js';
import type { ErasePlanResult, EraseReceiptResult } from '../results.js';

interface EraseFlags extends SubjectFlags {
  apply?: boolean;
  yes?: boolean;
  planOut?: string;
  fromPlan?: string;
}

/** Re-read the sources a reviewed plan covers; refuse if any has changed since. */
async function checkPlanStillHolds(ctx: CommandContext, plan: ErasurePlan, skip: Set<string>): Promise<void> {
  const config = ctx.config();
  // A source only partly read has steps too: they are checked like those of one read whole.
  const names = new Set(plan.sources.filter((s) => (s.status === 'ok' || s.partial) && !skip.has(s.name)).map((s) => s.name));
  for (const name of names) {
    if (!config.sources.some((s) => s.name === name)) {
      throw new PlanMismatchError(
        `the plan's source "${name}" is not in ${config.file}; refusing to act on the plan`,
        'make a new plan against the current config',
      );
    }
  }
  const now = await discover(config, plan.subject.identities, {
    expand: false,
    signal: ctx.signal,
    log: ctx.log,
    progress: discoveryProgress(ctx.out),
    only: names,
  });
  const changed = plan.sources.filter((p) => names.has(p.name) && now.sources.find((s) => s.name === p.name)?.fingerprint !== p.fingerprint);
  if (changed.length > 0) {
    const list = changed.map((s) => `"${s.name}"`).join(', ');
    throw new PlanMismatchError(
      `source ${list} changed since plan ${plan.planId} was made; refusing to act on it (nothing erased)`,
      'review a fresh plan: privacyctl erase SUBJECT --plan-out plan.json',
    );
  }
  // Every step must be one the sources would plan now, parameters included: a plan is a file,
  // and an edited step could point an adapter at someone else's data. (Dropping steps is allowed:
  // it erases less.)
  const key = (s: ErasureStep) => JSON.stringify([s.source, s.type, s.locator, s.action, s.params]);
  const fresh = new Set(stepsFor(now.records).map(key));
  const foreign = plan.steps.filter((s) => names.has(s.source) && !fresh.has(key(s)));
  if (foreign.length > 0) {
    throw new PlanMismatchError(
      `plan ${plan.planId} has ${foreign.length} step${foreign.length === 1 ? '' : 's'} that the sources do not support for this subject (first: ${foreign[0]!.source} ${foreign[0]!.locator}); refusing to act on it (nothing erased)`,
      'the plan was edited or belongs to another subject; review a fresh plan',
    );
  }
}

export function registerErase(program: Command, run: Runner): void {
  addSubjectOptions(
    program
      .command('erase')
      .description('plan the erasure of this person (a dry run); --apply carries it out and prints a receipt')
      .option('--apply', 'carry the plan out (asks on a terminal; needs --yes otherwise)')
      .option('-y, --yes', 'do not ask for confirmation (for scripts)')
      .option('--plan-out <file>', 'also write the plan as JSON to FILE (mode 0600)')
      .option('--from-plan <file>', 'use a reviewed plan instead of a SUBJECT; refused if a source changed since'),
  ).action(
    run<EraseFlags>(async (ctx, flags) => {
      const out = ctx.out;
      if (flags.fromPlan && hasSubject(flags)) {
        throw new UsageError('--from-plan carries its own subject; do not combine it with --email/--github/--include-identity', 'drop the subject options');
      }
      if (flags.yes && !flags.apply) throw new UsageError('--yes only makes sense with --apply', 'add --apply to carry the plan out');
      const interactive = Boolean(process.stdin.isTTY && process.stderr.isTTY);
      if (flags.apply && !flags.yes && !interactive) {
        throw new UsageError('--apply needs confirmation, and there is no terminal to ask on; nothing was erased', 'pass --yes to confirm from a script');
      }
      const planTarget = flags.planOut ? resolveTarget(flags.planOut) : undefined;
      if (planTarget && planTarget.kind !== 'file') throw new UsageError('--plan-out needs a file path', 'e.g. --plan-out plan.json');

      let plan: ErasurePlan;
      let code: number;
      let resuming = false;
      if (flags.fromPlan) {
        plan = readPlan(flags.fromPlan);
        ctx.audit.identities = plan.subject.identities;
        // What an interrupted run of this plan already changed is its own work, not a change
        // that outdates the plan.
        await checkPlanStillHolds(ctx, plan, flags.apply ? begunSources(ctx.config(), plan.planId) : new Set());
        code = exitCodeFor(plan.sources);
      } else {
        const given = await subjectIdentities(ctx, flags);
        const pending = unfinishedErasure(ctx.config(), { identities: given });
        if (pending && flags.apply) {
          // Finish the interrupted plan, for all of its identities: the records that linked some
          // of them may be gone already, and a fresh discovery would no longer find their data.
          plan = pending;
          resuming = true;
          ctx.audit.identities = plan.subject.identities;
          ctx.audit.sources = plan.sources.map((s) => ({ name: s.name, status: s.status, records: s.records }));
          out.info(
            `resuming the interrupted erasure of plan ${plan.planId} (made ${plan.createdAt}, ${plan.subject.identities.length} identities); run the command again afterwards for anything new`,
          );
          code = exitCodeFor(plan.sources);
        } else {
          if (pending) out.warn(`an erasure of this person (plan ${pending.planId}) was interrupted; \`erase ... --apply\` finishes it before anything else`);
          const d = await discoverSubject(ctx, flags, undefined, given);
          plan = buildPlan(d);
          code = exitCodeFor(d.sources);
        }
      }
      if (planTarget && planTarget.kind === 'file') {
        await writeFileAtomic(planTarget.path, `${JSON.stringify(plan, null, 2)}\n`, 0o600);
        out.info(`plan ${plan.planId} written to ${flags.planOut}`);
      }
      if (!flags.apply) {
        await out.data(out.json ? `${JSON.stringify(plan satisfies ErasePlanResult, null, 2)}\n` : renderPlan(out, plan));
        out.info('dry run: nothing was changed; add --apply to carry the plan out');
        return code;
      }

      if (!flags.yes && !resuming) {
        out.info(renderPlan(out, plan).trimEnd());
        const ok = await out.confirm(`Erase ${plan.steps.length} record${plan.steps.length === 1 ? '' : 's'} now? This cannot be undone.`);
        if (!ok) {
          out.info('not confirmed: nothing was erased');
          return ExitCode.OK;
        }
      }
      const { receipt } = await carryOut(ctx.config(), plan, {
        signal: ctx.signal,
        log: ctx.log,
        progress: applyProgress(out),
        onResume: () => out.info('resuming an interrupted erasure of this plan (see the journal in the state directory)'),
      });
      if (ctx.requestRun) await recordPlanIdentities(ctx, ctx.requestRun, plan);
      ctx.audit.planId = plan.planId;
      ctx.audit.counts = receipt.summary;
      const printed: EraseReceiptResult = { ...receipt, subject: { identities: plan.subject.identities } };
      await out.data(out.json ? `${JSON.stringify(printed, null, 2)}\n` : renderReceipt(receipt));
      if (receipt.failed.length > 0) return ExitCode.PARTIAL;
      return code;
    }),
  );
}
