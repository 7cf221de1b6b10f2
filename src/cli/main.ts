// The commander program: global options, one module per command, errors → exit codes.
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { ExitCode, InterruptedError, PrivacyctlError } from '../core/errors.js';
import { AuditLog } from '../state/audit.js';
import { StateDir } from '../state/state-dir.js';
import { CommandContext, globalsOf } from './context.js';
import { EXIT_CODES_HELP, reportError } from './exit.js';
import { Output } from './output.js';
import { registerErase } from './commands/erase.js';
import { registerExport } from './commands/export.js';
import { registerFind } from './commands/find.js';
import { registerInit } from './commands/init.js';
import { registerSources } from './commands/sources.js';
import { registerVerify } from './commands/verify.js';
import { registerAudit } from './commands/audit.js';
import { registerSuppressed } from './commands/suppressed.js';
import { registerRequests } from './commands/requests.js';
import { registerBatch } from './commands/batch.js';
import { registerReplay } from './commands/replay.js';

export type CommandAction<O> = (ctx: CommandContext, opts: O, cmd: Command) => Promise<number>;
export type Runner = <O>(action: CommandAction<O>) => (...args: unknown[]) => Promise<void>;

function readVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/** One audit entry per run that read the config; a failure to write it is a warning, not a crash. */
async function recordAudit(ctx: CommandContext, command: string, exitCode: number): Promise<void> {
  const config = ctx.loadedConfig;
  if (!config) return;
  try {
    const state = new StateDir(config.stateDir);
    const { identities, ...rest } = ctx.audit;
    await new AuditLog(state).append({ command, exitCode, ...rest, ...(identities ? { subjects: identities.map((i) => state.hashIdentity(i)) } : {}) });
  } catch (err) {
    ctx.out.warn(`could not write the audit trail in ${config.stateDir}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

async function recordRequestRun(ctx: CommandContext, command: string, exitCode: number): Promise<void> {
  const config = ctx.loadedConfig;
  if (!config || !ctx.requestRun) return;
  try {
    const { Ledger } = await import('../state/ledger.js');
    const ledger = new Ledger(new StateDir(config.stateDir));
    try {
      ledger.recordRun(ctx.requestRun, command, exitCode, { ...(ctx.audit.counts ?? {}), ...(ctx.audit.planId ? { planId: ctx.audit.planId } : {}) });
    } finally {
      ledger.close();
    }
  } catch (err) {
    ctx.out.warn(`could not record the run on request ${ctx.requestRun}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

export async function main(argv: string[]): Promise<void> {
  const version = readVersion();
  const controller = new AbortController();
  let out: Output | undefined;
  let interrupts = 0;
  const onSignal = () => {
    interrupts++;
    if (interrupts > 1) process.exit(ExitCode.INTERRUPTED);
    out?.stopSpinner();
    process.stderr.write('\ninterrupting: finishing the current safe step (press Ctrl-C again to quit now)\n');
    controller.abort(new InterruptedError('interrupted', 're-run the same command to resume'));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // `privacyctl --help | head`: commander writes help before any Output exists; a closed pipe
  // ends the run quietly there too. Kept after main returns: the write fails asynchronously.
  const onStdoutError = (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
  };
  process.stdout.on('error', onStdoutError);

  const run: Runner = (action) =>
    async (...args: unknown[]) => {
      const cmd = args[args.length - 1] as Command;
      const opts = args[args.length - 2];
      const g = globalsOf(cmd);
      out = new Output({ json: Boolean(g.json), quiet: Boolean(g.quiet), verbose: Boolean(g.verbose), color: g.color !== false, debug: Boolean(g.debug) });
      const ctx = new CommandContext(out, g, controller.signal, version);
      let code: number = ExitCode.OPERATIONAL;
      try {
        code = await action(ctx, opts as never, cmd);
      } catch (err) {
        code = err instanceof PrivacyctlError ? err.exitCode : ExitCode.OPERATIONAL;
        throw err;
      } finally {
        // `audit verify` reads the trail; writing to it there would change what it checks.
        if (cmd.name() !== 'verify' || cmd.parent?.name() !== 'audit') await recordAudit(ctx, cmd.name(), code);
        if (ctx.requestRun) await recordRequestRun(ctx, cmd.name(), code);
      }
      process.exitCode = code;
    };

  const program = new Command('privacyctl')
    .description("Find, export and erase one person's data across the project's sources (GDPR Art. 15, 17, 20).")
    .version(version, '--version', 'print the version')
    .option('-c, --config <file>', 'config file (default ./privacyctl.yaml, or $PRIVACYCTL_CONFIG)')
    .option('--json', 'machine-readable output on stdout (a stable contract)')
    .option('-q, --quiet', 'no progress or notes on stderr; errors still shown')
    .option('-v, --verbose', 'more detail on stderr')
    .option('--no-color', 'no colour or spinner (also: NO_COLOR, TERM=dumb, CI)')
    .option('--debug', 'stack traces on errors')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ outputError: (str, write) => write(str) })
    .addHelpText('after', `${EXIT_CODES_HELP}

SUBJECT is one or more of --email ADDR and --github HANDLE (each repeatable).
Examples:
  privacyctl find --email ann@example.org
  privacyctl export --email ann@example.org --format csv -o ann.csv
  privacyctl erase --github ann-example --plan-out plan.json
  privacyctl erase --from-plan plan.json --apply --yes
  privacyctl batch requests.csv -o replies/       (CSV: type,email,github,request_id)
  privacyctl replay --apply --yes                 (after restoring a backup)`);

  registerSources(program, run);
  registerFind(program, run);
  registerExport(program, run);
  registerErase(program, run);
  registerVerify(program, run);
  registerInit(program, run);
  registerSuppressed(program, run);
  registerRequests(program, run);
  registerBatch(program, run);
  registerReplay(program, run);
  registerAudit(program, run);
  for (const c of program.commands) c.exitOverride().showHelpAfterError('(run with --help for usage)').addHelpText('after', EXIT_CODES_HELP);

  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError && err.exitCode === 0) {
      process.exitCode = 0;
    } else {
      process.exitCode = reportError(err, out);
    }
  } finally {
    out?.stopSpinner();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
