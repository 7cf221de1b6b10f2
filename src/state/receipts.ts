// Stored receipts: what an erasure did, kept under stateDir as the record of the reply — with
// the subject's identities as salted hashes only, and the audit trail's head when the erasure
// began (an anchor of the trail kept outside it: see audit.ts).
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { writeFileAtomic } from '../core/atomic-file.js';
import type { Receipt } from '../core/apply.js';
import type { Identity } from '../core/identity.js';
import type { AuditHead } from './audit.js';
import { scrubberFor, scrubDeep } from './scrub.js';
import type { StateDir } from './state-dir.js';

/** The name a receipt is stored under: when it was applied, and its plan. */
export function receiptFileName(receipt: Receipt): string {
  return `${receipt.appliedAt.replace(/[:.]/g, '-')}-${receipt.planId}.json`;
}

/** `name`: the file an interrupted run of the same erasure chose, to be replaced. */
export async function storeReceipt(
  state: StateDir,
  receipt: Receipt,
  identities: Identity[],
  auditHead: AuditHead,
  name = receiptFileName(receipt),
): Promise<string> {
  const dir = state.ensure('receipts');
  const file = join(dir, basename(name)); // a name read from the journal stays in receipts/
  const stored = {
    ...scrubDeep(receipt, scrubberFor(state, identities)),
    subject: { identityHashes: identities.map((i) => ({ type: i.type, hash: state.hashIdentity(i) })) },
    auditHead: { seq: auditHead.seq, hash: auditHead.hash },
  };
  await writeFileAtomic(file, `${JSON.stringify(stored, null, 2)}\n`, 0o600);
  return file;
}

/** The audit head each stored receipt recorded (null: none, or not readable as one). */
export function storedAuditHeads(state: StateDir): Array<{ file: string; head: AuditHead | null }> {
  const dir = join(state.path, 'receipts');
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.json'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return names.sort().map((name) => {
    const file = join(dir, name);
    try {
      const head = (JSON.parse(readFileSync(file, 'utf8')) as { auditHead?: unknown }).auditHead as AuditHead | undefined;
      return { file, head: head && Number.isInteger(head.seq) && typeof head.hash === 'string' ? head : null };
    } catch {
      return { file, head: null };
    }
  });
}
