// Atomic file writes: a temporary file in the same directory, fsync, rename, fsync of the
// directory. A reader (or a crash, or kill -9) sees the old file or the new one, never half of
// either — so no other person's data is lost or half-written.
import { constants, promises as fsp } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { redactSecrets } from './secrets.js';

export interface AtomicWriter {
  write(chunk: Buffer | string): Promise<void>;
}

function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.privacyctl-${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
}

async function fsyncDir(dir: string): Promise<void> {
  let fh: fsp.FileHandle | undefined;
  try {
    fh = await fsp.open(dir, constants.O_RDONLY);
    await fh.sync();
  } catch {
    // Some filesystems refuse fsync on a directory; the rename is still atomic.
  } finally {
    await fh?.close();
  }
}

/**
 * Remove temporary files that an earlier run killed mid-rewrite (kill -9, power loss) left
 * beside `path`: each is a stale copy of other people's data. Only files whose writer is gone.
 */
async function removeStaleTemps(path: string): Promise<void> {
  const prefix = `.${basename(path)}.privacyctl-`;
  let names: string[];
  try {
    names = await fsp.readdir(dirname(path));
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith('.tmp')) continue;
    const pid = Number(name.slice(prefix.length).split('-')[0]);
    if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid || isAlive(pid)) continue;
    await fsp.unlink(join(dirname(path), name)).catch(() => undefined);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Replace `path` with what `produce` writes, keeping the original's mode and owner.
 * `produce` returns false to leave the file untouched (nothing needed changing).
 */
export async function atomicRewrite(path: string, produce: (out: AtomicWriter) => Promise<boolean>): Promise<boolean> {
  const st = await fsp.stat(path);
  await removeStaleTemps(path);
  const tmp = tempPathFor(path);
  const fh = await fsp.open(tmp, 'wx', st.mode & 0o7777);
  let committed = false;
  try {
    // Pending writes are batched so that a stream of small slices costs few syscalls.
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    const flush = async () => {
      if (pending.length === 0) return;
      const bufs = pending;
      pending = [];
      pendingBytes = 0;
      await fh.writev(bufs);
    };
    const writer: AtomicWriter = {
      async write(chunk) {
        const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
        if (b.length === 0) return;
        pending.push(b);
        pendingBytes += b.length;
        if (pendingBytes >= 1 << 20 || pending.length >= 512) await flush();
      },
    };
    const changed = await produce(writer);
    await flush();
    if (!changed) return false;
    await fh.chmod(st.mode & 0o7777);
    if (process.getuid?.() === 0) await fh.chown(st.uid, st.gid).catch(() => undefined);
    await fh.sync();
    await fh.close();
    await fsp.rename(tmp, path);
    committed = true;
    await fsyncDir(dirname(path));
    return true;
  } finally {
    if (!committed) {
      await fh.close().catch(() => undefined);
      await fsp.unlink(tmp).catch(() => undefined);
    }
  }
}

/**
 * Write a whole new file atomically (exports, plans, receipts): created with `mode` (0600 by
 * default). Text never carries a secret the tool holds (a server may have echoed one).
 */
export async function writeFileAtomic(path: string, data: string | Buffer, mode = 0o600): Promise<void> {
  const tmp = tempPathFor(path);
  const fh = await fsp.open(tmp, 'wx', mode);
  let committed = false;
  try {
    await fh.writeFile(typeof data === 'string' ? redactSecrets(data) : data);
    await fh.chmod(mode);
    await fh.sync();
    await fh.close();
    await fsp.rename(tmp, path);
    committed = true;
    await fsyncDir(dirname(path));
  } finally {
    if (!committed) {
      await fh.close().catch(() => undefined);
      await fsp.unlink(tmp).catch(() => undefined);
    }
  }
}
