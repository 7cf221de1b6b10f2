// Typed errors. Everything the tool can fail with is one of these; src/cli/exit.ts maps
// them to exit codes and one-line messages in one place. Messages say what failed, why, and how
// to fix it — and never contain a token or a data subject's identity.

export const ExitCode = {
  OK: 0,
  OPERATIONAL: 1,
  USAGE: 2,
  PARTIAL: 3,
  AUTH: 4,
  VERIFY_FOUND_DATA: 5,
  INTERRUPTED: 130,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export class PrivacyctlError extends Error {
  readonly exitCode: ExitCodeValue = ExitCode.OPERATIONAL;
  /** How to fix it, shown after the message. */
  readonly hint?: string;
  constructor(message: string, hint?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.hint = hint;
  }
}

/** Bad flag, bad address, missing subject: nothing was written. */
export class UsageError extends PrivacyctlError {
  override readonly exitCode = ExitCode.USAGE;
}

/** privacyctl.yaml missing, not YAML, or failing the schema: nothing was written. */
export class ConfigError extends PrivacyctlError {
  override readonly exitCode = ExitCode.USAGE;
}

/** A source refused our credentials or permissions. */
export class AuthError extends PrivacyctlError {
  override readonly exitCode = ExitCode.AUTH;
}

/** A source could not be read or written (missing file, malformed data, server down). */
export class SourceError extends PrivacyctlError {
  override readonly exitCode = ExitCode.PARTIAL;
}

/**
 * The source cannot take part in this run, for a reason that is not a failure (no token set for
 * an optional online source): it is reported `skipped` with the reason, and the exit code is
 * not affected.
 */
export class SourceSkipped extends PrivacyctlError {
  override readonly exitCode = ExitCode.OK;
}

/**
 * The state directory cannot be trusted or written (a damaged salt, an audit trail that cannot be
 * written): the run stops rather than go on without its record. The hint says how to repair.
 */
export class StateError extends PrivacyctlError {
  override readonly exitCode = ExitCode.OPERATIONAL;
}

/**
 * The audit trail cannot take an entry (a torn last line, no key, a trail that does not match its
 * anchors): a run that must be audited stops, or fails after the fact, with how to repair.
 */
export class AuditTrailError extends StateError {}

/** A reviewed plan no longer describes the sources: refuse to act on it. */
export class PlanMismatchError extends PrivacyctlError {
  override readonly exitCode = ExitCode.USAGE;
}

/** Ctrl-C / SIGTERM: work stopped at a safe point; the journal lets a re-run resume. */
export class InterruptedError extends PrivacyctlError {
  override readonly exitCode = ExitCode.INTERRUPTED;
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
