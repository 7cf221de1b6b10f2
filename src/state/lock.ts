// A lock file for state shared by processes that may run at once (a cron job and a person):
// created with O_EXCL, holding the owner's pid; a lock whose owner is gone is taken over.
import { openSync, closeSync, writeSync, readFileSync, statSync, unlinkSync } from 'node:fs';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function ageMs(path: string): number {
  try {
    return Date.now() - statSync(path).mtimeMs;
  } catch {
    return 0; // gone: the next attempt takes it
  }
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

export function withLock<T>(lockPath: string, fn: () => T, timeoutMs = 10_000): T {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const fd = openSync(lockPath, 'wx', 0o600);
      try {
        writeSync(fd, String(process.pid));
      } catch (err) {
        // a full disk: an empty lock left behind would hold every later run off for good
        closeSync(fd);
        try {
          unlinkSync(lockPath);
        } catch {
          // already gone
        }
        throw err;
      }
      closeSync(fd);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      let owner = NaN;
      try {
        owner = Number(readFileSync(lockPath, 'utf8'));
      } catch {
        continue; // released meanwhile
      }
      // no owner: its writer died between creating it and writing its pid (an instant)
      const orphan = !(Number.isInteger(owner) && owner > 0) && ageMs(lockPath) > 1000;
      if (orphan || (Number.isInteger(owner) && owner > 0 && !alive(owner))) {
        try {
          unlinkSync(lockPath);
        } catch {
          // someone else took it over first
        }
        continue;
      }
      if (Date.now() > deadline) throw new Error(`${lockPath} is held by process ${owner}`);
      sleepSync(20);
    }
  }
  try {
    return fn();
  } finally {
    try {
      unlinkSync(lockPath);
    } catch {
      // already gone
    }
  }
}
