// Errors → messages and exit codes, in one place.
import { CommanderError } from 'commander';
import { ExitCode, PrivacyctlError } from '../core/errors.js';
import { redactSecrets } from '../core/secrets.js';
import type { Output } from './output.js';

/**
 * Report `err` on stderr and return its exit code. With --json (`json`, when no Output exists
 * yet), the error is also one JSON object on stdout — `{"error":{"message","hint","exitCode"}}` —
 * so that a script reading stdout learns why there is no result. A command that failed after printing its
 * result (`audit verify` names each problem in it) keeps stdout to that one document.
 */
export function reportError(err: unknown, out: Output | undefined, json = out?.json ?? false): number {
  const asJson = (message: string, exitCode: number, hint?: string) => {
    if (json && !out?.wroteData) process.stdout.write(`${redactSecrets(JSON.stringify({ error: { message, ...(hint ? { hint } : {}), exitCode } }))}\n`);
    return exitCode;
  };
  if (err instanceof CommanderError) {
    // commander has already printed its one-line message (and the --help hint)
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return ExitCode.OK;
    return asJson(err.message.replace(/^error: /, ''), ExitCode.USAGE);
  }
  const write = (msg: string, hint?: string) => {
    if (out) out.error(msg, hint);
    else process.stderr.write(redactSecrets(`error: ${msg}\n${hint ? `hint: ${hint}\n` : ''}`));
  };
  if (err instanceof PrivacyctlError) {
    write(err.message, err.hint);
    if (out?.debug && err.stack) process.stderr.write(`${redactSecrets(err.stack)}\n`);
    return asJson(err.message, err.exitCode, err.hint);
  }
  const message = err instanceof Error ? err.message : String(err);
  const hint = out?.debug ? undefined : 'run again with --debug for the stack trace, and report it';
  write(`internal error: ${message}`, hint);
  if (out?.debug && err instanceof Error && err.stack) process.stderr.write(`${redactSecrets(err.stack)}\n`);
  return asJson(`internal error: ${message}`, ExitCode.OPERATIONAL, hint);
}

export const EXIT_CODES_HELP = `
Exit codes:
  0    done, every source answered
  1    operational failure (nothing usable produced), or state that cannot be trusted
       (a damaged salt, an audit trail that cannot record the run)
  2    usage or configuration error (bad flag, bad address, invalid config) — nothing written
  3    partial: a source was not searched (failed, or no token) and is not optional, or a
       step failed; the output names each, and why
  4    authentication / permission refused by a source
  5    verify found erasable data or an outstanding manual step
  130  interrupted (Ctrl-C): work stopped cleanly; re-run to resume`;
