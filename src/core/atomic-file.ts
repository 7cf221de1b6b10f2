// Atomic file writes: a temporary file in the same directory, fsync, rename, fsync of the
// directory. A reader (or a crash, or kill -9) sees the old file or the new one, never half of
// either — so no other person's data is lost or half-written.
//
// A rewrite of a source file (atomicRewrite) also never reports a false "erased":
// - a path that is a symbolic link has the file it points to rewritten, in that file's directory;
//   the link stays a link;
// - privacyctl processes take turns on a file (a lock beside the real file, whatever their
//   config or state directory);
// - just before the rename, the file must still be the one that was read: appended to meanwhile,
//   the appended bytes are carried over; replaced or edited, the rewrite starts again on the new
//   content (TRIES in all, then it fails);
// - an appender that opened the file before the rename and writes after it: its bytes are
//   carried over too, while it is still at it;
// - a read-only file (no write bit) is left alone unless its source sets rewriteReadOnly.
import { constants, promises as fsp, readSync, createReadStream } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { withLock } from '../state/lock.js';
import { SourceError } from './errors.js';
import { redactSecrets } from './secrets.js';

export interface AtomicWriter {
  write(chunk: Buffer | string): Promise<void>;
}

export interface RewriteOptions {
  /** The source's `rewriteReadOnly`: rewrite the file even when its mode makes it read-only. */
  rewriteReadOnly?: boolean;
  /** The file as messages name it (the path as configured); the path given by default. */
  label?: string;
}

/** Tries of a rewrite on a file that keeps being replaced or edited under it. */
const TRIES = 5;
/** A file written this recently may have a writer in the middle of an append. */
const RECENT_MS = 5_000;
/** After the rename, the old file is watched until it has not grown for this long (recent files only). */
const QUIET_MS = 100;
const WATCH_MAX_MS = 2_000;

/**
 * The file being rewritten as it was when this try began: the first `size` bytes of the file
 * opened then. A producer reads it only through this — never by path, which may name a newer
 * file by now. What is read in order is hashed, so that bytes added at the end later can be told
 * from an edit of the bytes read.
 */
export class RewriteInput {
  private readonly hash = createHash('sha256');
  private hashed = 0;

  constructor(
    private readonly fh: fsp.FileHandle,
    readonly size: number,
  ) {}

  /** Like fs.readSync on the file, never past `size`. */
  readSync(buf: Buffer, offset: number, length: number, position: number): number {
    const n = position >= this.size ? 0 : readSync(this.fh.fd, buf, offset, Math.min(length, this.size - position), position);
    this.saw(buf.subarray(offset, offset + n), position);
    return n;
  }

  /** The bytes in chunks of up to `chunkSize`. */
  async *chunks(chunkSize: number): AsyncGenerator<Buffer> {
    for (let pos = 0; pos < this.size;) {
      const buf = Buffer.allocUnsafe(Math.min(chunkSize, this.size - pos));
      const { bytesRead } = await this.fh.read(buf, 0, buf.length, pos);
      if (bytesRead === 0) return; // cut short meanwhile: the check before the rename sees it
      const chunk = buf.subarray(0, bytesRead);
      this.saw(chunk, pos);
      pos += bytesRead;
      yield chunk;
    }
  }

  /** All the bytes at once. */
  async read(): Promise<Buffer> {
    const parts: Buffer[] = [];
    for await (const c of this.chunks(1 << 20)) parts.push(c);
    return Buffer.concat(parts);
  }

  /** The SHA-256 of the `size` bytes, when they were all read in order (else null: unknown). */
  digest(): string | null {
    return this.hashed === this.size ? this.hash.copy().digest('hex') : null;
  }

  /** Hash what extends the bytes hashed so far (a look at the first bytes, then all of them: fine). */
  private saw(bytes: Buffer, position: number): void {
    const end = position + bytes.length;
    if (position > this.hashed || end <= this.hashed) return;
    this.hash.update(bytes.subarray(this.hashed - position));
    this.hashed = end;
  }
}

/** The chunks of a file: by path, or the input of a rewrite. */
export function fileChunks(file: string | RewriteInput, chunkSize: number): AsyncIterable<Buffer> {
  return typeof file === 'string' ? createReadStream(file, { highWaterMark: chunkSize }) : file.chunks(chunkSize);
}

function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.privacyctl-${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
}

/** The lock every privacyctl process takes to rewrite `real`: hidden beside it, removed afterwards. */
function lockPathFor(real: string): string {
  return join(dirname(real), `.${basename(real)}.privacyctl.lock`);
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

/** Writes batched so that a stream of small slices costs few syscalls. */
function batchedWriter(fh: fsp.FileHandle): AtomicWriter & { flush(): Promise<void> } {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  const flush = async () => {
    if (pending.length === 0) return;
    const bufs = pending;
    pending = [];
    pendingBytes = 0;
    await fh.writev(bufs);
  };
  return {
    flush,
    async write(chunk) {
      const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      if (b.length === 0) return;
      pending.push(b);
      pendingBytes += b.length;
      if (pendingBytes >= 1 << 20 || pending.length >= 512) await flush();
    },
  };
}

/** Root may write anything, so the mode decides: a file nobody may write (0444) is read-only. */
async function isReadOnly(path: string, mode: number): Promise<boolean> {
  if ((mode & 0o222) === 0) return true;
  return fsp.access(path, constants.W_OK).then(
    () => false,
    () => true,
  );
}

/** Append what `from` holds past `at` to `to`; returns the new end. */
async function carryOver(from: fsp.FileHandle, at: number, to: fsp.FileHandle): Promise<number> {
  const size = Number((await from.stat()).size);
  const buf = Buffer.allocUnsafe(1 << 20);
  while (at < size) {
    const { bytesRead } = await from.read(buf, 0, Math.min(buf.length, size - at), at);
    if (bytesRead === 0) break;
    await to.write(buf.subarray(0, bytesRead)); // O_APPEND: after whatever others appended
    at += bytesRead;
  }
  return Math.max(at, size);
}

/** Whether `fh` still starts with the bytes `input` read (all of them, in order). */
async function startsAsRead(fh: fsp.FileHandle, input: RewriteInput): Promise<boolean> {
  const read = input.digest();
  if (read === null) return false;
  const again = new RewriteInput(fh, input.size);
  for await (const chunk of again.chunks(1 << 20)) void chunk; // hashed as it is read
  return again.digest() === read;
}

/**
 * After the rename: a writer that opened the file before it writes to the old file. What it
 * adds is carried over while it keeps at it, until the old file has been quiet for QUIET_MS.
 */
async function followOldFile(orig: fsp.FileHandle, end: number, out: fsp.FileHandle): Promise<number> {
  const until = Date.now() + WATCH_MAX_MS;
  for (let quietSince = Date.now(); Date.now() - quietSince < QUIET_MS && Date.now() < until;) {
    await sleep(10);
    const grown = await carryOver(orig, end, out);
    if (grown > end) quietSince = Date.now();
    end = grown;
  }
  return end;
}

type Produce = (out: AtomicWriter, input: RewriteInput) => Promise<boolean>;

/**
 * Replace the file at `path` (the file a link points to) with what `produce` writes, reading it
 * through `input`; keeps the original's mode and owner. `produce` returns false to leave the file
 * untouched (nothing needed changing). It may be called again, on the new content, when the file
 * changed under the first call: it must start afresh each time.
 */
export async function atomicRewrite(path: string, produce: Produce, opts: RewriteOptions = {}): Promise<boolean> {
  const label = opts.label ?? path;
  const real = await fsp.realpath(path);
  return withLock(lockPathFor(real), async () => {
    await removeStaleTemps(real);
    for (let attempt = 1; attempt <= TRIES; attempt++) {
      const outcome = await rewriteOnce(real, label, produce, opts);
      if (outcome !== 'changed') return outcome;
    }
    throw new SourceError(
      `${label}: the file kept changing while it was being rewritten (${TRIES} tries); it was not changed`,
      'stop what writes to it, or run again when it is done',
    );
  });
}

async function rewriteOnce(real: string, label: string, produce: Produce, opts: RewriteOptions): Promise<boolean | 'changed'> {
  const orig = await fsp.open(real, 'r'); // kept open: an appender may still write to it after the rename
  try {
    const before = await orig.stat({ bigint: true });
    if (!before.isFile()) throw new SourceError(`${label}: not a regular file; it was not changed`);
    const mode = Number(before.mode & 0o7777n);
    if (!opts.rewriteReadOnly && (await isReadOnly(real, mode))) {
      throw new SourceError(
        `${label}: the file is read-only (mode ${mode.toString(8).padStart(4, '0')}); it was not changed — make it writable, or set rewriteReadOnly: true on its source to allow the rewrite`,
      );
    }
    const input = new RewriteInput(orig, Number(before.size));
    const tmp = tempPathFor(real);
    // O_APPEND: bytes carried over after the rename land after whatever an appender put there meanwhile.
    const out = await fsp.open(tmp, 'ax', mode);
    let renamed = false;
    try {
      const writer = batchedWriter(out);
      const changed = await produce(writer, input);
      await writer.flush();
      if (!changed) return false;

      // Is the file at the path still the one read? Longer, with the bytes read unchanged:
      // appended to, and the rest is carried over. Replaced, shorter or edited: start again.
      const now = await fsp.stat(real, { bigint: true }).catch(() => null);
      if (!now || now.ino !== before.ino || now.dev !== before.dev || now.size < before.size) return 'changed';
      if (now.size === before.size ? now.mtimeNs !== before.mtimeNs : !(await startsAsRead(orig, input))) return 'changed';
      let end = await carryOver(orig, input.size, out);

      await out.chmod(mode);
      if (process.getuid?.() === 0) await out.chown(Number(before.uid), Number(before.gid)).catch(() => undefined);
      await out.sync();
      await fsp.rename(tmp, real);
      renamed = true;
      await fsyncDir(dirname(real));

      // A writer that opened the file before the rename writes to the old one: carry that over
      // too — watched for a while when a writer is at work (the file grew, or was written just
      // before); a writer that keeps the file open for good, as a web server does its log, must
      // be told to reopen it, as after a log rotation.
      const atRename = end;
      const busy = end > input.size || Date.now() - Number(before.mtimeMs) < RECENT_MS;
      end = busy ? await followOldFile(orig, end, out) : await carryOver(orig, end, out);
      if (end > atRename) await out.sync();
      return true;
    } finally {
      await out.close().catch(() => undefined);
      if (!renamed) await fsp.unlink(tmp).catch(() => undefined);
    }
  } finally {
    await orig.close();
  }
}

/**
 * Write a whole new file atomically (exports, plans, receipts): created with `mode` (0600 by
 * default), in a directory created 0700 if it is missing. Text never carries a secret the tool holds (a server may have echoed one).
 */
export async function writeFileAtomic(path: string, data: string | Buffer, mode = 0o600): Promise<void> {
  await fsp.mkdir(dirname(path), { recursive: true, mode: 0o700 }); // `-o out/x.json` with no out/ yet
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
