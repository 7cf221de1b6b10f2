// Stored receipts: what an erasure did, kept under stateDir as the record of the reply — with
// the subject's identities as salted hashes only.
import { basename, join } from 'node:path';
import { writeFileAtomic } from '../core/atomic-file.js';
import type { Receipt } from '../core/apply.js';
import type { Identity } from '../core/identity.js';
import { scrubberFor, scrubDeep } from './scrub.js';
import type { StateDir } from './state-dir.js';

/** The name a receipt is stored under: when it was applied, and its plan. */
export function receiptFileName(receipt: Receipt): string {
  return `${receipt.appliedAt.replace(/[:.]/g, '-')}-${receipt.planId}.json`;
}

/** `name`: the file an interrupted run of the same erasure chose, to be replaced. */
export async function storeReceipt(state: StateDir, receipt: Receipt, identities: Identity[], name = receiptFileName(receipt)): Promise<string> {
  const dir = state.ensure('receipts');
  const file = join(dir, basename(name)); // a name read from the journal stays in receipts/
  const stored = { ...scrubDeep(receipt, scrubberFor(state, identities)), subject: { identityHashes: identities.map((i) => ({ type: i.type, hash: state.hashIdentity(i) })) } };
  await writeFileAtomic(file, `${JSON.stringify(stored, null, 2)}\n`, 0o600);
  return file;
}
