// Stored receipts: what an erasure did, kept under stateDir as the record of the reply — with
// the subject's identities as salted hashes only.
import { join } from 'node:path';
import { writeFileAtomic } from '../core/atomic-file.js';
import type { Receipt } from '../core/apply.js';
import type { Identity } from '../core/identity.js';
import { scrubberFor, scrubDeep } from './scrub.js';
import type { StateDir } from './state-dir.js';

/** `name`: the file an interrupted run of the same erasure stored, to be replaced. */
export async function storeReceipt(state: StateDir, receipt: Receipt, identities: Identity[], name?: string): Promise<string> {
  const dir = state.ensure('receipts');
  const file = join(dir, name ?? `${receipt.appliedAt.replace(/[:.]/g, '-')}-${receipt.planId}.json`);
  const stored = { ...scrubDeep(receipt, scrubberFor(state, identities)), subject: { identityHashes: identities.map((i) => ({ type: i.type, hash: state.hashIdentity(i) })) } };
  await writeFileAtomic(file, `${JSON.stringify(stored, null, 2)}\n`, 0o600);
  return file;
}
