// The state directory (ledger, journals, receipts, suppression list, audit trail) and its secrets. Identities are stored
// only as salted hashes, so the state directory never names a person — which holds only while the
// salt is secret and whole: it is created atomically and refused when it is not 32 random bytes.
import { createHmac, randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { StateError } from '../core/errors.js';
import { tighten } from '../core/file-modes.js';
import type { Identity } from '../core/identity.js';

const SECRET_BYTES = 32;
const SECRET_TEXT = /^[0-9a-f]{64}\n?$/;

export class StateDir {
  private salt?: Buffer;
  constructor(readonly path: string) {}

  /** The state directory (or a directory in it), created 0700; an existing one is made 0700. */
  ensure(sub?: string): string {
    const dir = sub ? join(this.path, sub) : this.path;
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    tighten(dir, 0o700);
    return dir;
  }

  /**
   * A 32-byte secret kept in the state directory (`salt`, the audit key), created on first use.
   * Written whole to a temporary file, fsync'd, then linked into place only if absent: a full
   * disk or a concurrent first run can never leave an empty or partial secret behind, and two
   * first runs end up with the same one. A secret of the wrong form is refused, never used.
   */
  secret(name: string): Buffer {
    const file = join(this.ensure(), name);
    for (let attempt = 0; ; attempt++) {
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || attempt > 0) throw cannotRead(file, err);
        createSecret(file, name);
        continue;
      }
      this.refuseDamaged(file, text);
      return Buffer.from(text.trim(), 'hex');
    }
  }

  /**
   * Refuse a secret that exists but is damaged (an old version left an empty one on a full
   * disk), without creating one: a command checks before it reads or writes anything.
   */
  checkSecret(name: string): void {
    const file = join(this.path, name);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return; // created on first use
      throw cannotRead(file, err);
    }
    this.refuseDamaged(file, text);
  }

  private refuseDamaged(file: string, text: string): void {
    if (SECRET_TEXT.test(text)) return;
    throw new StateError(
      `the state secret ${file} is damaged (${Buffer.byteLength(text)} bytes where 64 hex digits are expected); hashes made with it would not protect anyone, so nothing was done`,
      `if the state directory holds no receipts, suppression list or ledger yet, delete ${file} and re-run; otherwise restore it from a backup of ${this.path}`,
    );
  }

  private getSalt(): Buffer {
    this.salt ??= this.secret('salt');
    return this.salt;
  }

  /** Salted hash of one identity. */
  hashIdentity(id: Identity): string {
    return createHmac('sha256', this.getSalt()).update(`${id.type}:${id.value}`).digest('hex');
  }
}

function cannotRead(file: string, err: unknown): StateError {
  const code = (err as NodeJS.ErrnoException).code ?? String(err);
  return new StateError(`cannot read the state secret ${file} (${code})`, 'check the state directory and its permissions');
}

function createSecret(file: string, name: string): void {
  const tmp = `${file}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
  try {
    const fd = openSync(tmp, 'wx', 0o600);
    try {
      const text = Buffer.from(`${randomBytes(SECRET_BYTES).toString('hex')}\n`);
      let written = 0;
      while (written < text.length) written += writeSync(fd, text, written);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    try {
      linkSync(tmp, file); // fails with EEXIST when another run was first: theirs is used
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new StateError(
      `cannot create the state secret ${name} in ${file.slice(0, -name.length - 1)} (${code}); nothing was done`,
      code === 'ENOSPC' ? 'free space on that disk and re-run' : 'check that the state directory is writable',
    );
  } finally {
    try {
      unlinkSync(tmp);
    } catch {
      // never created, or already gone
    }
  }
}
