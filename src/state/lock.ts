// The one lock for whatever several privacyctl processes may write at once (a cron job and a
// person, two erasures): the state files, and each source file that a rewrite replaces.
// proper-lockfile makes the lock a directory with mkdir (atomic, on network file systems too) and
// keeps its mtime fresh while it is held; a lock nobody refreshes — its holder was killed, or it
// was left by a crash — is stale after STALE_MS and taken over. No pid is read, so no holder
// check that an empty or foreign lock file can defeat.
import fs from 'node:fs';
import { dirname } from 'node:path';
import lockfile from 'proper-lockfile';

/** A lock not refreshed for this long is stale (refreshed every second while held). */
const STALE_MS = 5_000;
/** How long to wait for a live holder (one erasure rewriting a large file while another waits). */
const WAIT_MS = 30 * 60_000;

// A lock left as a regular file (by privacyctl before proper-lockfile, or by hand) goes the way
// of a stale lock directory instead of failing the rmdir, and with it every later run.
const lockFs = {
  ...fs,
  rmdir(path: string, cb: (err: NodeJS.ErrnoException | null) => void) {
    fs.rmdir(path, (err) => (err?.code === 'ENOTDIR' ? fs.unlink(path, cb) : cb(err)));
  },
};

/**
 * Run `fn` holding the lock `lockPath`, waiting while another process holds it (and keeps it
 * fresh). The lock is removed afterwards, whatever `fn` does.
 */
export async function withLock<T>(lockPath: string, fn: () => T | Promise<T>): Promise<T> {
  // proper-lockfile retries whatever failed: where no lock can be made, fail now, not after WAIT_MS.
  await fs.promises.access(dirname(lockPath), fs.constants.W_OK);
  const release = await lockfile
    .lock(lockPath, {
      lockfilePath: lockPath,
      realpath: false,
      stale: STALE_MS,
      update: 1_000,
      retries: { forever: true, maxRetryTime: WAIT_MS, minTimeout: 10, maxTimeout: 250, factor: 1.5, randomize: true },
      fs: lockFs,
      // Held past STALE_MS without a refresh (a stalled event loop), the lock may have been taken
      // over. Nothing to stop here: a source rewrite still checks, before its rename, that the file
      // is the one it read.
      onCompromised: () => undefined,
    })
    .catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ELOCKED') throw err;
      throw new Error(`${lockPath} has been held by another privacyctl process for ${WAIT_MS / 60_000} minutes; try again when it is done`);
    });
  try {
    return await fn();
  } finally {
    await release().catch(() => undefined); // compromised: not ours to remove any more
  }
}
