// privacyctl batch FILE|- [--skip-invalid] [-o DIR/] [--apply --yes]
// Many requests (CSV, NDJSON, OpenDSR JSON), validated first, then one discovery for all of them;
// one NDJSON status line per request on stdout.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { parseBatchInput, type BatchRequest } from '../../core/batch-input.js';
import { runBatch, type BatchStatus } from '../../core/batch.js';
import { ExitCode, UsageError } from '../../core/errors.js';
import { identityKey, type Identity } from '../../core/identity.js';
import type { PrivacyRequest } from '../../state/ledger.js';
import { StateDir } from '../../state/state-dir.js';
import type { CommandContext } from '../context.js';
import type { Runner } from '../context.js';
import { applyProgress, discoveryProgress } from '../progress.js';
import { resolveTarget } from '../target.js';
import type { BatchLine } from '../results.js';

interface BatchFlags {
  skipInvalid?: boolean;
  apply?: boolean;
  yes?: boolean;
  output?: string;
  expand: boolean;
}

async function readInput(file: string): Promise<string> {
  try {
    if (file !== '-') return readFileSync(file, 'utf8');
    // Streamed, not readFileSync(0): a pipe from a slower writer (jq) is non-blocking and would
    // fail with EAGAIN.
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(
      `cannot read ${file === '-' ? 'standard input' : file}${code ? ` (${code === 'ENOENT' ? 'no such file' : code})` : ''}`,
      'give a CSV, NDJSON or OpenDSR JSON file, or - for standard input',
    );
  }
}

/**
 * A batch is partial (exit 3) if any request failed or was cancelled as invalid (--skip-invalid);
 * credentials refused anywhere win (exit 4).
 */
export function batchExitCode(statuses: BatchStatus[]): number {
  const ran = statuses.filter((s) => s.outcome !== 'invalid');
  if (ran.some((s) => s.exit_code === ExitCode.AUTH)) return ExitCode.AUTH;
  if (ran.length < statuses.length || ran.some((s) => s.exit_code !== ExitCode.OK)) return ExitCode.PARTIAL;
  return ExitCode.OK;
}

/**
 * The ledger requests that the batch's request ids name (an OpenDSR id usually names none),
 * looked up as the input is read: a line naming one takes its type and identities.
 */
async function ledgerLookup(ctx: CommandContext): Promise<{ get(id: string): PrivacyRequest | undefined; found: Map<string, PrivacyRequest>; close(): void }> {
  const { Ledger } = await import('../../state/ledger.js');
  let ledger: InstanceType<typeof Ledger> | undefined;
  const found = new Map<string, PrivacyRequest>();
  return {
    found,
    get(id) {
      ledger ??= new Ledger(new StateDir(ctx.config().stateDir));
      try {
        const r = ledger.get(id);
        found.set(id, r);
        return r;
      } catch {
        return undefined; // an external id, not a ledger entry
      }
    },
    close: () => ledger?.close(),
  };
}

async function recordOnLedger(ctx: CommandContext, statuses: BatchStatus[], known: Map<string, PrivacyRequest>): Promise<void> {
  const runs = statuses.filter((s) => s.request_id !== null && s.outcome !== 'invalid' && known.has(s.request_id));
  if (runs.length === 0) return;
  const { Ledger } = await import('../../state/ledger.js');
  const ledger = new Ledger(new StateDir(ctx.config().stateDir));
  try {
    for (const s of runs) {
      ledger.recordRun(s.request_id!, 'batch', s.exit_code, {
        records: s.records ?? 0,
        ...(s.plan_id ? { planId: s.plan_id } : {}),
        ...(s.receipt ? { ...s.receipt } : {}),
      });
    }
  } finally {
    ledger.close();
  }
}

export function registerBatch(program: Command, run: Runner): void {
  program
    .command('batch')
    .description(
      'many requests at once (CSV type,email,github,request_id; NDJSON; OpenDSR JSON): every source read once for all of them; a line naming a ledger request by request_id takes its type and identities',
    )
    .argument('<file>', 'the requests, or - for standard input')
    .option('--skip-invalid', 'run the valid requests even if some are invalid (those are reported, not run)')
    .option('-o, --output <dir>', "write each request's export bundle, plan and receipt to DIR/<request id>/ (needed for access and portability requests)")
    .option('--apply', 'carry out the erasure requests (needs --yes); without it they are only planned')
    .option('-y, --yes', 'confirm --apply (a batch never asks)')
    .option('--no-expand', 'do not follow identity links between sources')
    .action(
      run<BatchFlags>(async (ctx, flags, cmd) => {
        const out = ctx.out;
        const file = cmd.args[0]!;
        if (flags.yes && !flags.apply) throw new UsageError('--yes only makes sense with --apply', 'add --apply to carry the erasures out');
        if (flags.apply && !flags.yes) {
          throw new UsageError(
            'batch --apply needs --yes; nothing was erased',
            'review the plans first (run without --apply, with -o DIR/), then add --apply --yes',
          );
        }
        const target = flags.output ? resolveTarget(flags.output.endsWith('/') ? flags.output : `${flags.output}/`) : undefined;
        const text = await readInput(file);
        const ledger = await ledgerLookup(ctx);
        let input: ReturnType<typeof parseBatchInput>;
        try {
          input = parseBatchInput(text, (id) => ledger.get(id));
        } finally {
          ledger.close();
        }
        for (const bad of input.invalid) out.error(`line ${bad.line}${bad.requestId ? ` (${bad.requestId})` : ''}: ${bad.reason}`);
        const total = input.requests.length + input.invalid.length;
        if (input.invalid.length > 0 && !flags.skipInvalid) {
          throw new UsageError(
            `${input.invalid.length} of ${total} request${total === 1 ? ' is' : 's are'} invalid; none was run`,
            'fix the lines above, or pass --skip-invalid to run the valid ones',
          );
        }
        if (input.requests.length === 0)
          throw new UsageError(
            total === 0 ? 'the batch holds no request' : 'no valid request in the batch; none was run',
            'one request a line: type,email,github,request_id',
          );
        if (!target && input.requests.some((r) => r.type !== 'erasure')) {
          throw new UsageError('access and portability requests need somewhere to put their exports', 'add -o DIR/ (one folder per request)');
        }
        if (target && target.kind !== 'bundle') throw new UsageError('-o needs a directory for a batch', 'e.g. -o replies/');

        const statuses: BatchLine[] = input.invalid.map((bad) => ({
          line: bad.line,
          request_id: bad.requestId ?? null,
          subject_request_type: 'unknown',
          request_status: 'cancelled',
          outcome: 'invalid',
          exit_code: ExitCode.USAGE,
          reason: bad.reason,
        }));
        for (const s of statuses) await out.data(`${JSON.stringify(s)}\n`);
        const config = ctx.config();
        const known = ledger.found;
        out.info(`${input.requests.length} request${input.requests.length === 1 ? '' : 's'} (${input.format}); reading every source once for all of them`);
        const found = await runBatch(config, input.requests, {
          expand: flags.expand,
          apply: Boolean(flags.apply),
          ...(target?.kind === 'bundle' ? { outDir: target.dir } : {}),
          version: ctx.version,
          signal: ctx.signal,
          log: ctx.log,
          progress: discoveryProgress(out),
          ledgerRequest: (id) => {
            const l = known.get(id);
            return l ? { id: l.id, type: l.type, received: l.received, deadline: l.due } : undefined;
          },
          applyProgress: (r: BatchRequest) => {
            out.info(`erasure: ${r.requestId ?? `line ${r.line}`}`);
            return applyProgress(out);
          },
          onStatus: async (s) => {
            statuses.push(s);
            await out.data(`${JSON.stringify(s)}\n`);
          },
        });
        // The trail names every subject of the batch by salted hashes only.
        const ids = new Map<string, Identity>();
        for (const d of found) for (const id of d.identities) ids.set(identityKey(id), id);
        ctx.audit.identities = [...ids.values()];
        const ran = statuses.filter((s) => s.outcome !== 'invalid');
        ctx.audit.counts = {
          requests: ran.length,
          invalid: input.invalid.length,
          ok: ran.filter((s) => s.outcome === 'ok').length,
          planned: ran.filter((s) => s.outcome === 'planned').length,
          failed: ran.filter((s) => s.outcome === 'failed' || s.outcome === 'partial').length,
        };
        await recordOnLedger(ctx, statuses, known);
        const c = ctx.audit.counts;
        out.info(`${c.requests} run: ${c.ok} completed, ${c.planned} planned, ${c.failed} failed${c.invalid ? `; ${c.invalid} invalid, skipped` : ''}`);
        return batchExitCode(statuses);
      }),
    );
}
