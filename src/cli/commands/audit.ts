// privacyctl audit verify [--head SEQ:HASH] | audit head | audit repair — check the keyed,
// anchored audit trail; print its head for a log kept elsewhere; set a torn last line aside.
import type { Command } from 'commander';
import { ExitCode, StateError, UsageError } from '../../core/errors.js';
import { AuditLog, formatHead, parseHead, RESTORE_HINT, type AuditHead, type AuditReport } from '../../state/audit.js';
import { StateDir } from '../../state/state-dir.js';
import type { CommandContext } from '../context.js';
import type { Runner } from '../context.js';
import type { AuditHeadResult, AuditRepairResult, AuditVerifyResult } from '../results.js';

const logOf = (ctx: CommandContext) => new AuditLog(new StateDir(ctx.config().stateDir));

function failed(log: AuditLog, report: AuditReport): StateError {
  const onlyTorn = report.torn && report.problems.length === 1;
  return new StateError(
    `the audit trail ${log.file} fails verification (${report.problems.length} problem${report.problems.length === 1 ? '' : 's'})`,
    onlyTorn ? 'run `privacyctl audit repair`' : RESTORE_HINT,
  );
}

function renderReport(report: AuditReport, given: AuditHead | undefined): string {
  if (!report.ok) {
    return [`audit trail BROKEN (${report.entries} entries):`, ...report.problems.map((p) => `  ${p.where}: ${p.reason}`)].join('\n') + '\n';
  }
  if (report.entries === 0) return 'audit trail empty: no run has been recorded yet\n';
  const anchors = [
    'the ledger',
    ...(report.receipts > 0 ? [`${report.receipts} stored receipt${report.receipts === 1 ? '' : 's'}`] : []),
    ...(given ? ['--head'] : []),
  ];
  return `audit trail intact: ${report.entries} entries, head ${formatHead(report.head)}; matches ${anchors.join(', ')}\n`;
}

export function registerAudit(program: Command, run: Runner): void {
  const audit = program
    .command('audit')
    .description(
      "the audit trail: keyed (HMAC with the state directory's audit.key), anchored (its head in the ledger and in every stored receipt), identities hashed",
    );
  audit
    .command('verify')
    .description('check every entry against the key, and the head against the ledger, the stored receipts and --head (exit 1 on any problem)')
    .option('--head <SEQ:HASH>', 'also check a head printed earlier by `audit head` (kept outside this machine)')
    .addHelpText(
      'after',
      `
Checks every entry's HMAC (keyed with audit.key in the state directory) and its link to the entry
before; the head recorded in the ledger (one entry past it is allowed: a run that stopped between
writing its entry and recording it); the head in every stored receipt; and --head.
Exit 0: intact, or empty (no run recorded yet). Exit 1: each problem named. Exit 2: a bad --head.
Only a head kept where this machine cannot write (from \`privacyctl audit head\`, in a ticket, a mail,
a log service) catches a rewrite by someone who can read the key.`,
    )
    .action(
      run<{ head?: string }>(async (ctx, flags) => {
        const given = flags.head === undefined ? undefined : parseHead(flags.head);
        if (flags.head !== undefined && !given)
          throw new UsageError('--head must be SEQ:HASH as `privacyctl audit head` prints it', 'e.g. --head 42:<64 hex digits>');
        const log = logOf(ctx);
        const report = await log.verify(given);
        await ctx.out.data(
          ctx.out.json ? `${JSON.stringify({ file: log.file, ...report } satisfies AuditVerifyResult, null, 2)}\n` : renderReport(report, given),
        );
        if (report.ok && report.unanchored > 0)
          ctx.out.warn('the last entry is not yet recorded in the ledger (a run stopped between writing it and recording it); the next run records it');
        if (!report.ok) throw failed(log, report);
        return ExitCode.OK;
      }),
    );
  audit
    .command('head')
    .description('print the head of the verified trail as SEQ:HASH, to keep in a log elsewhere and give back to `audit verify --head`')
    .action(
      run(async (ctx) => {
        const log = logOf(ctx);
        const report = await log.verify();
        // The head of a trail that fails verification would anchor the tampering.
        if (!report.ok) throw failed(log, report);
        await ctx.out.data(
          ctx.out.json
            ? `${JSON.stringify({ ...report.head, head: formatHead(report.head), entries: report.entries } satisfies AuditHeadResult, null, 2)}\n`
            : `${formatHead(report.head)}\n`,
        );
        return ExitCode.OK;
      }),
    );
  audit
    .command('repair')
    .description('move an incomplete last line (a write cut short by a crash) to audit.ndjson.torn-TIME and record that in the trail')
    .action(
      run(async (ctx) => {
        const done = await logOf(ctx).repair();
        if (ctx.out.json) {
          await ctx.out.data(
            `${JSON.stringify((done ? { repaired: true, quarantined: done.quarantined, bytes: done.bytes, entry: done.entry.seq } : { repaired: false }) satisfies AuditRepairResult, null, 2)}\n`,
          );
        } else if (done) {
          await ctx.out.data(`moved the incomplete last line (${done.bytes} bytes) to ${done.quarantined}; recorded as entry ${done.entry.seq}\n`);
        } else {
          await ctx.out.data('nothing to repair: the last line of the audit trail is whole (`privacyctl audit verify` checks the rest)\n');
        }
        return ExitCode.OK;
      }),
    );
}
