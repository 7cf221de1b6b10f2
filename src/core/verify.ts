// `verify`: after an erasure, is anything of this person left that the tool could erase or that
// a manual step must remove? It checks every identity the erasure used, not only those given:
// once the account row or profile that linked a GitHub handle is erased, a fresh discovery from
// the address alone no longer finds the handle — but the handle may still stand in a CODEOWNERS
// file. The identities come from a reviewed plan (--from-plan), the ledger request (--request),
// an unfinished erasure's journal, and the stored receipts: a receipt names the person only by
// salted hashes, so each source that can list its identities is asked for them, and those whose
// hash the receipt holds are recovered (as `replay` does).
import type { AdapterLog } from '../adapters/types.js';
import { StateDir } from '../state/state-dir.js';
import type { LoadedConfig } from './config.js';
import { unfinishedErasure } from './erasure.js';
import { identityKey, type SubjectIdentity } from './identity.js';
import { erasedSubjects, findRestored, type ListedSource } from './replay.js';

export interface VerifyIdentities {
  identities: SubjectIdentity[];
  /** Stored receipts (plan ids) that name this person. */
  erasures: string[];
  /** Identity hashes of those receipts that no source listed (the records are gone, or unlisted). */
  unrecovered: Array<{ type: string; count: number }>;
  /** Sources that could not be asked for their identities (an API), or failed to list them. */
  unlisted: ListedSource[];
}

export async function identitiesToVerify(
  config: LoadedConfig,
  given: SubjectIdentity[],
  opts: { signal: AbortSignal; log: AdapterLog; fromPlan?: SubjectIdentity[] },
): Promise<VerifyIdentities> {
  const all = new Map(given.map((i) => [identityKey(i), i]));
  const add = (ids: SubjectIdentity[]) => {
    for (const i of ids) if (!all.has(identityKey(i))) all.set(identityKey(i), i);
  };
  add(opts.fromPlan ?? []);
  const pending = unfinishedErasure(config, { identities: [...all.values()] });
  if (pending)
    add(pending.subject.identities.map((i) => ({ ...i, provenance: { via: 'link', reason: `used by the unfinished erasure of plan ${pending.planId}` } })));

  const state = new StateDir(config.stateDir);
  const mine = new Set([...all.values()].map((i) => state.hashIdentity(i)));
  const subjects = erasedSubjects(state).filter((s) => [...s.hashes].some((h) => mine.has(h)));
  if (subjects.length === 0) return { identities: [...all.values()], erasures: [], unrecovered: [], unlisted: [] };
  const { restored, sources } = await findRestored(config, state, subjects, opts);
  for (const r of restored) add(r.identities.map((i) => ({ ...i, provenance: { ...i.provenance, via: 'link' as const } })));
  const known = new Set([...all.values()].map((i) => state.hashIdentity(i)));
  const types = new Map<string, number>();
  for (const s of subjects) {
    for (const [hash, type] of s.types ?? []) if (!known.has(hash)) types.set(type, (types.get(type) ?? 0) + 1);
  }
  return {
    identities: [...all.values()],
    erasures: subjects.flatMap((s) => s.planIds),
    unrecovered: [...types].map(([type, count]) => ({ type, count })),
    unlisted: sources.filter((s) => s.status !== 'ok'),
  };
}
