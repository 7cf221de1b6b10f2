// The suppression list: salted hashes of erased identities, so imports can refuse them later
// without the list itself naming anybody.
import { appendFileSync, closeSync, existsSync, fsyncSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Identity } from '../core/identity.js';
import { withLock } from './lock.js';
import type { StateDir } from './state-dir.js';

interface Entry {
  hash: string;
  type: string;
  since: string;
}

export class SuppressionList {
  readonly file: string;
  constructor(private readonly state: StateDir) {
    this.file = join(state.path, 'suppression.ndjson');
  }

  private text(): string {
    return existsSync(this.file) ? readFileSync(this.file, 'utf8') : '';
  }

  private entries(text = this.text()): Entry[] {
    return text
      .split('\n')
      .filter((l) => l.trim() !== '')
      .flatMap((l) => {
        try {
          return [JSON.parse(l) as Entry];
        } catch {
          return [];
        }
      });
  }

  /** Add identities; those already listed keep their first date. Returns how many were new. */
  async add(ids: Identity[], now = new Date()): Promise<number> {
    this.state.ensure();
    return await withLock(`${this.file}.lock`, () => {
      const text = this.text();
      const have = new Set(this.entries(text).map((e) => e.hash));
      const fresh = ids.map((id) => ({ hash: this.state.hashIdentity(id), type: id.type, since: now.toISOString() })).filter((e) => !have.has(e.hash));
      if (fresh.length === 0) return 0;
      // after a line torn by a crash, the first new entry starts a line of its own (else both are lost)
      const torn = text !== '' && !text.endsWith('\n');
      const fd = openSync(this.file, 'a', 0o600);
      try {
        appendFileSync(fd, (torn ? '\n' : '') + fresh.map((e) => `${JSON.stringify(e)}\n`).join(''));
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      return fresh.length;
    });
  }

  /** When was this identity suppressed, if it was. */
  lookup(id: Identity): string | null {
    const hash = this.state.hashIdentity(id);
    return this.entries().find((e) => e.hash === hash)?.since ?? null;
  }
}
