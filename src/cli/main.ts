// The commander program: global options, one module per command, errors → exit codes.
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { errorMessage, ExitCode, InterruptedError, PrivacyctlError, StateError } from '../core/errors.js';
import { AuditLog } from '../state/audit.js';
import { StateDir } from '../state/state-dir.js';
import { CommandContext, globalsOf, type Runner } from './context.js';
import { examplesFor } from './examples.js';
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
import { registerCompletion } from './commands/completion.js';

function readVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/**
 * One audit entry per run that read the config. A run that cannot be recorded fails (exit 1),
 * after its own output: what it did stands, and the error says that the trail did not record it.
 */
async function recordAudit(ctx: CommandContext, command: string, exitCode: number): Promise<StateError | undefined> {
  const config = ctx.loadedConfig;
  if (!config) return undefined;
  try {
    const state = new StateDir(config.stateDir);
    const { identities, ...rest } = ctx.audit;
    await new AuditLog(state).append({ command, exitCode, ...rest, ...(identities ? { subjects: identities.map((i) => state.hashIdentity(i)) } : {}) });
    return undefined;
  } catch (err) {
    return new StateError(
      `${command} finished (exit ${exitCode}; what it printed above stands), but the audit trail in ${config.stateDir} could not record it: ${errorMessage(err)}`,
      err instanceof PrivacyctlError && err.hint
        ? err.hint
        : `check that ${config.stateDir} is writable and that no privacyctl still running holds audit.ndjson.lock, then run \`privacyctl audit verify\``,
    );
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
  // What the tool and its child processes (git) create — state, caches, exports — is its owner's
  // only, whatever the caller's umask. Files of the project's own data set their modes explicitly
  // (a rewritten file keeps its mode; `init` and gitdm's forbidden-hashes files are 0644).
  process.umask(0o077);
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
  // ends that quietly. Once a command runs, its Output handles a closed pipe, and the run's own
  // exit code stands. Kept after main returns: the write fails asynchronously.
  const onStdoutError = (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE' && !out) process.exit(0);
  };
  process.stdout.on('error', onStdoutError);

  const run: Runner =
    (action) =>
    async (...args: unknown[]) => {
      const cmd = args[args.length - 1] as Command;
      const opts = args[args.length - 2];
      const g = globalsOf(cmd);
      out = new Output({ json: Boolean(g.json), quiet: Boolean(g.quiet), verbose: Boolean(g.verbose), color: g.color !== false, debug: Boolean(g.debug) });
      const ctx = new CommandContext(out, g, controller.signal, version);
      let code: number;
      let failure: unknown;
      try {
        code = await action(ctx, opts as never, cmd);
      } catch (err) {
        failure = err;
        code = err instanceof PrivacyctlError ? err.exitCode : ExitCode.OPERATIONAL;
      }
      // The audit commands read the trail (`audit repair` records itself): an entry of their own
      // would change what they check. A run refused because the state directory cannot be trusted
      // or written (a damaged salt, a trail that cannot take its entry) writes nothing more there.
      const unrecorded = cmd.parent?.name() === 'audit' || failure instanceof StateError ? undefined : await recordAudit(ctx, cmd.name(), code);
      if (ctx.requestRun) await recordRequestRun(ctx, cmd.name(), code);
      if (unrecorded) {
        if (failure) reportError(failure, out);
        throw unrecorded;
      }
      // whatever the action threw goes on unchanged to reportError, which maps it to an exit code
      // eslint-disable-next-line @typescript-eslint/only-throw-error
      if (failure !== undefined) throw failure;
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
    .configureHelp({ showGlobalOptions: true })
    .configureOutput({ outputError: (str, write) => write(str) })
    .addHelpText(
      'after',
      `${EXIT_CODES_HELP}

SUBJECT is one or more of --email ADDR and --github HANDLE (each repeatable).
Examples:
  privacyctl find --email ann@example.org
  privacyctl export --email ann@example.org --format csv -o ann.csv
  privacyctl erase --github ann-example --plan-out plan.json
  privacyctl erase --from-plan plan.json --apply --yes
  privacyctl batch requests.csv -o replies/       (CSV: type,email,github,request_id)
  privacyctl replay --apply --yes                 (after restoring a backup)`,
    );

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
  registerCompletion(program, run);
  for (const c of program.commands) {
    c.exitOverride()
      .showHelpAfterError('(run with --help for usage)')
      .addHelpText('after', `${examplesFor(c.name())}${EXIT_CODES_HELP}`);
  }

  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError && err.exitCode === 0) {
      process.exitCode = 0;
    } else {
      process.exitCode = reportError(err, out, out?.json ?? argv.includes('--json'));
    }
  } finally {
    out?.stopSpinner();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
