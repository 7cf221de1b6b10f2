// `replay`: after a backup restore, find the people whose erasure the restore undid. The stored
// receipts name each erased person only by salted hashes of their identities, so the sources are
// asked for every identity they hold, each is hashed with the same salt, and a hash that matches
// a receipt recovers that identity — and only that one — for a fresh discovery and plan.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AdapterContext, AdapterLog } from '../adapters/types.js';
import type { StateDir } from '../state/state-dir.js';
import type { LoadedConfig } from './config.js';
import { createAdapter } from './engine.js';
import { SourceSkipped, errorMessage } from './errors.js';
import { identityKey, type Identity, type SubjectIdentity } from './identity.js';

/** One erased person, as the stored receipts know them: hashes, never identities. */
export interface ErasedSubject {
  /** A short digest of the person's identity hashes: stable, and names nobody. */
  ref: string;
  hashes: Set<string>;
  /** hash → identity type (`email`, `github`, …), as the receipts record it. */
  types?: Map<string, string>;
  /** Plans whose receipts name this person, oldest first. */
  planIds: string[];
  lastErasedAt: string;
}

interface StoredReceipt {
  planId?: string;
  appliedAt?: string;
  subject?: { identityHashes?: Array<{ type: string; hash: string }> };
}

/**
 * Every person the stored receipts record. Receipts that share an identity hash are one person
 * (a replay's receipt names only the identities it recovered, a subset of the first one's).
 */
export function erasedSubjects(state: StateDir): ErasedSubject[] {
  const dir = join(state.path, 'receipts');
  let names: string[];
  try {
    names = readdirSync(dir)
      .filter((n) => n.endsWith('.json'))
      .sort();
  } catch {
    return [];
  }
  const groups: Array<{ hashes: Set<string>; planIds: string[]; last: string }> = [];
  const types = new Map<string, string>();
  for (const name of names) {
    let r: StoredReceipt;
    try {
      r = JSON.parse(readFileSync(join(dir, name), 'utf8')) as StoredReceipt;
    } catch {
      continue; // not ours: a receipt is written atomically, so it is never torn
    }
    const listed = (r.subject?.identityHashes ?? []).filter((h) => typeof h.hash === 'string' && h.hash.length > 0);
    for (const h of listed) types.set(h.hash, String(h.type));
    const hashes = listed.map((h) => h.hash);
    if (hashes.length === 0) continue;
    const merged = { hashes: new Set(hashes), planIds: r.planId ? [r.planId] : [], last: r.appliedAt ?? '' };
    for (let i = groups.length - 1; i >= 0; i--) {
      const g = groups[i]!;
      if (![...g.hashes].some((h) => merged.hashes.has(h))) continue;
      for (const h of g.hashes) merged.hashes.add(h);
      merged.planIds = [...g.planIds, ...merged.planIds.filter((p) => !g.planIds.includes(p))];
      if (g.last > merged.last) merged.last = g.last;
      groups.splice(i, 1);
    }
    groups.push(merged);
  }
  return groups.map((g) => ({
    ref: createHash('sha256')
      .update([...g.hashes].sort().join('\n'))
      .digest('hex')
      .slice(0, 16),
    hashes: g.hashes,
    types: new Map([...g.hashes].map((h) => [h, types.get(h) ?? 'unknown'])),
    planIds: g.planIds,
    lastErasedAt: g.last,
  }));
}

export interface ListedSource {
  name: string;
  /** unlisted: the source cannot list its identities (an API), so replay could not check it. */
  status: 'ok' | 'failed' | 'skipped' | 'unlisted';
  reason?: string;
  /** Distinct identities the source listed. */
  identities: number;
}

export interface Restored {
  subject: ErasedSubject;
  identities: SubjectIdentity[];
}

/** Lists every source's identities once and returns the erased people found among them. */
export async function findRestored(
  config: LoadedConfig,
  state: StateDir,
  subjects: ErasedSubject[],
  opts: { signal: AbortSignal; log: AdapterLog },
): Promise<{ restored: Restored[]; sources: ListedSource[] }> {
  const owner = new Map<string, number>();
  subjects.forEach((s, i) => {
    for (const h of s.hashes) owner.set(h, i);
  });
  const found = subjects.map(() => new Map<string, SubjectIdentity>());
  const hashed = new Set<string>(); // identity keys already hashed: a popular address is hashed once
  const sources = await Promise.all(
    config.sources.map(async (source): Promise<ListedSource> => {
      const adapter = createAdapter(config, source);
      if (!adapter.identities)
        return { name: source.name, status: 'unlisted', reason: `a ${source.kind} source cannot list the identities it holds`, identities: 0 };
      const ctx: AdapterContext = { signal: opts.signal, log: opts.log, stats: {} };
      const seen = new Set<string>();
      try {
        for await (const id of adapter.identities(ctx)) {
          const key = identityKey(id);
          if (seen.has(key)) continue;
          seen.add(key);
          if (hashed.has(key)) continue;
          hashed.add(key);
          const i = owner.get(state.hashIdentity(id));
          if (i !== undefined) found[i]!.set(key, recovered(id, source.name, subjects[i]!));
        }
        return { name: source.name, status: 'ok', identities: seen.size };
      } catch (err) {
        if (err instanceof SourceSkipped) return { name: source.name, status: 'skipped', reason: err.message, identities: 0 };
        return { name: source.name, status: 'failed', reason: errorMessage(err), identities: 0 };
      }
    }),
  );
  const restored = subjects.flatMap((subject, i) => (found[i]!.size > 0 ? [{ subject, identities: [...found[i]!.values()] }] : []));
  return { restored, sources };
}

function recovered(id: Identity, source: string, s: ErasedSubject): SubjectIdentity {
  return {
    type: id.type,
    value: id.value,
    provenance: { via: 'given', reason: `found in ${source}; its salted hash is in the receipt of erasure ${s.planIds.at(-1) ?? '(unknown plan)'}` },
  };
}
