// privacyctl requests add|list|show|extend|close — the request ledger (deadlines, status).
import { Option, type Command } from 'commander';
import { ExitCode, UsageError } from '../../core/errors.js';
import { resolveSubject } from '../../core/subject.js';
import type { PrivacyRequest, RequestType } from '../../state/ledger.js';
import { StateDir } from '../../state/state-dir.js';
import type { CommandContext } from '../context.js';
import type { Runner } from '../context.js';
import type { Output } from '../output.js';
import { addIdentityOptions } from '../subject-options.js';
import type { RequestExtendResult, RequestListResult, RequestResult } from '../results.js';

// The ledger's REQUEST_TYPES, restated: importing the value would load better-sqlite3 (see
// openLedger) on every run; the type keeps the two lists from drifting apart.
const TYPES = ['access', 'portability', 'erasure', 'rectification', 'restriction', 'objection'] as const satisfies readonly RequestType[];
type Unlisted = Exclude<RequestType, (typeof TYPES)[number]>;
const everyTypeListed: [Unlisted] extends [never] ? true : never = true;
void everyTypeListed;

async function openLedger(ctx: CommandContext) {
  // better-sqlite3 is a native module: loaded only by the commands that use the ledger.
  const { Ledger } = await import('../../state/ledger.js');
  return new Ledger(new StateDir(ctx.config().stateDir));
}

function day(iso: string): string {
  return iso.slice(0, 10);
}

function table(out: Output, rows: PrivacyRequest[]): string {
  if (rows.length === 0) return '';
  const head = ['ID', 'TYPE', 'STATUS', 'RECEIVED', 'DUE'];
  const body = rows.map((r) => [r.id, r.type, r.status, day(r.received), `${day(r.due)}${r.overdue ? ' OVERDUE' : ''}`]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(head), ...body.map((b, k) => (rows[k]!.overdue ? out.cData.red(line(b)) : line(b)))].join('\n') + '\n';
}

function show(r: PrivacyRequest): string {
  const lines = [
    `${r.id}  ${r.type}  ${r.status}${r.statusReason ? ` (${r.statusReason})` : ''}`,
    `received ${day(r.received)}, due ${day(r.due)}${r.overdue ? ' — OVERDUE' : ''}${r.extension ? ` (extended by ${r.extension.days} days: ${r.extension.reason})` : ''}`,
    r.identities
      ? `identities: ${r.identities.map((i) => `${i.type}:${i.value}`).join(', ')}`
      : `identities: forgotten (${r.identityHashes.length} salted hashes kept)`,
    ...r.runs.map((run) => `run ${run.ts}: ${run.command} → exit ${run.exitCode}`),
  ];
  return `${lines.join('\n')}\n`;
}

/** What the person is told when their request is extended (Art. 12(3): within the first month, with the reasons). */
export function extensionNotice(r: PrivacyRequest, controller: { name: string; contact: string }): string {
  return (
    `Your ${r.type} request of ${day(r.received)} (reference ${r.id}) needs more time than the one month we first have to answer it. ` +
    `The reason: ${r.extension?.reason ?? ''}. We will answer it by ${day(r.due)} at the latest (GDPR Art. 12(3)). ` +
    `If you have questions, write to ${controller.name} at ${controller.contact}.\n`
  );
}

function parseDays(spec: string): number {
  const m = /^(\d+)d?$/.exec(spec.trim());
  if (!m) throw new UsageError(`--due-within ${spec}: expected a number of days, e.g. 7d`);
  return Number(m[1]);
}

export function registerRequests(program: Command, run: Runner): void {
  const requests = program.command('requests').description('the request ledger: deadlines and status of access, portability and erasure requests');

  addIdentityOptions(
    requests
      .command('add')
      .description('open a request; prints its id and due date')
      .addOption(new Option('--type <type>', 'the right exercised').choices(TYPES).makeOptionMandatory()),
  )
    .option('--received <date>', 'when the request arrived (YYYY-MM-DD; default now)')
    .action(
      run<{ type: RequestType; email?: string[]; github?: string[]; received?: string }>(async (ctx, flags) => {
        const ids = resolveSubject({ emails: flags.email ?? [], githubs: flags.github ?? [], include: [] }).filter((i) => i.provenance.via === 'given');
        let received: Date | undefined;
        if (flags.received) {
          received = new Date(flags.received);
          if (!/^\d{4}-\d{2}-\d{2}/.test(flags.received) || Number.isNaN(received.getTime())) throw new UsageError('--received: expected a date as YYYY-MM-DD');
        }
        const ledger = await openLedger(ctx);
        try {
          const r = ledger.add(flags.type, ids, { responseDays: ctx.config().controller.responseDays, ...(received ? { received } : {}) });
          ctx.audit.request = r.id;
          await ctx.out.data(ctx.out.json ? `${JSON.stringify(r satisfies RequestResult, null, 2)}\n` : `${r.id}\tdue ${day(r.due)}\n`);
        } finally {
          ledger.close();
        }
        return 0;
      }),
    );

  requests
    .command('list')
    .description('requests by due date (overdue ones highlighted)')
    .option('--overdue', 'only requests past their due date')
    .option('--due-within <days>', 'only open requests due within this many days (e.g. 7d)')
    .option('--all', 'include closed requests')
    .action(
      run<{ overdue?: boolean; dueWithin?: string; all?: boolean }>(async (ctx, flags) => {
        const ledger = await openLedger(ctx);
        try {
          const rows = ledger.list({
            ...(flags.overdue ? { overdue: true } : {}),
            ...(flags.dueWithin ? { dueWithinDays: parseDays(flags.dueWithin) } : {}),
            ...(flags.all ? {} : { status: ['open', 'in-progress', 'waiting'] }),
          });
          await ctx.out.data(ctx.out.json ? `${JSON.stringify({ requests: rows } satisfies RequestListResult, null, 2)}\n` : table(ctx.out, rows));
          if (!ctx.out.json && rows.length === 0) ctx.out.info('no requests match');
          // `requests list --overdue` in cron: exit 5 says "act now", as verify's does
          if (flags.overdue && rows.length > 0) return ExitCode.VERIFY_FOUND_DATA;
        } finally {
          ledger.close();
        }
        return ExitCode.OK;
      }),
    );

  requests
    .command('show <id>')
    .description('one request, with its runs')
    .action(
      run<Record<string, never>>(async (ctx, _flags, cmd) => {
        const ledger = await openLedger(ctx);
        try {
          const r = ledger.get(cmd.args[0]!);
          await ctx.out.data(ctx.out.json ? `${JSON.stringify(r satisfies RequestResult, null, 2)}\n` : show(r));
        } finally {
          ledger.close();
        }
        return 0;
      }),
    );

  requests
    .command('extend <id>')
    .description('extend the deadline once, within the first month, by 1 or 2 further months (Art. 12(3)); prints the notice for the person')
    .requiredOption('--months <n>', '1 or 2')
    .requiredOption('--reason <text>', 'why more time is needed: the person is told')
    .action(
      run<{ months: string; reason: string }>(async (ctx, flags, cmd) => {
        const ledger = await openLedger(ctx);
        try {
          const controller = ctx.config().controller;
          const r = ledger.extend(cmd.args[0]!, Number(flags.months), flags.reason, controller);
          ctx.audit.request = r.id;
          const text = extensionNotice(r, controller);
          await ctx.out.data(
            ctx.out.json ? `${JSON.stringify({ ...r, notice: text } satisfies RequestExtendResult, null, 2)}\n` : `${r.id}\tdue ${day(r.due)}\n\n${text}`,
          );
        } finally {
          ledger.close();
        }
        return 0;
      }),
    );

  requests
    .command('close <id>')
    .description('mark a request done (an erasure request: after an erasure run that completed), or refused with a reason')
    .option('--refused <reason>', 'close it as refused, saying why')
    .option('--force', 'close an erasure request although no erasure run for it completed')
    .action(
      run<{ refused?: string; force?: boolean }>(async (ctx, flags, cmd) => {
        const ledger = await openLedger(ctx);
        try {
          const r =
            flags.refused !== undefined
              ? ledger.setStatus(cmd.args[0]!, 'refused', flags.refused)
              : ledger.setStatus(cmd.args[0]!, 'done', undefined, { force: Boolean(flags.force) });
          ctx.audit.request = r.id;
          await ctx.out.data(ctx.out.json ? `${JSON.stringify(r satisfies RequestResult, null, 2)}\n` : `${r.id}\t${r.status}\n`);
        } finally {
          ledger.close();
        }
        return 0;
      }),
    );
}
