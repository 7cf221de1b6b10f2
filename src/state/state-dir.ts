// The state directory (ledger, journals, suppression list) and its secret salt. Identities
// are stored only as salted hashes, so the state directory never names a person.
import { createHmac, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Identity } from '../core/identity.js';

export class StateDir {
  private salt?: Buffer;
  constructor(readonly path: string) {}

  ensure(sub?: string): string {
    const dir = sub ? join(this.path, sub) : this.path;
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    return dir;
  }

  private getSalt(): Buffer {
    if (this.salt) return this.salt;
    const file = join(this.ensure(), 'salt');
    try {
      this.salt = Buffer.from(readFileSync(file, 'utf8').trim(), 'hex');
    } catch {
      const fresh = randomBytes(32).toString('hex');
      try {
        writeFileSync(file, `${fresh}\n`, { mode: 0o600, flag: 'wx' });
      } catch {
        // another run created it first: use theirs
      }
      this.salt = Buffer.from(readFileSync(file, 'utf8').trim(), 'hex');
    }
    return this.salt;
  }

  /** Salted hash of one identity. */
  hashIdentity(id: Identity): string {
    return createHmac('sha256', this.getSalt()).update(`${id.type}:${id.value}`).digest('hex');
  }

  /** Salted hash of a set of identities: names a subject's journal without naming the subject. */
  subjectKey(ids: Identity[]): string {
    const keys = ids.map((i) => `${i.type}:${i.value}`).sort();
    return createHmac('sha256', this.getSalt()).update(keys.join('\n')).digest('hex').slice(0, 32);
  }
}
