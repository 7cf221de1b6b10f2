// Modes of what the tool keeps for itself (the state directory, exports): its owner's only. The
// CLI runs with umask 077, so whatever it and its child processes (git) create is private; these
// set the mode explicitly where a file may already exist with a looser one (made by an earlier
// version, or by another program).
import { chmodSync, closeSync, openSync, statSync } from 'node:fs';

/** Take group and other access away from `path` (set `mode`) if it has any. */
export function tighten(path: string, mode: number): void {
  try {
    if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, mode);
  } catch {
    // absent, or not ours to change (another owner)
  }
}

/**
 * An SQLite database of the tool's own: created empty and 0600 if absent (SQLite then gives its
 * -wal, -shm and -journal the database's mode), and made 0600 with those files if it exists.
 */
export function privateSqliteFile(file: string): void {
  closeSync(openSync(file, 'a', 0o600));
  for (const f of [file, `${file}-wal`, `${file}-shm`, `${file}-journal`]) tighten(f, 0o600);
}
