// The contract of SourceAdapter.identities (what `replay` hashes), checked the same way for every
// adapter: canonical values, each once, nothing discover could match left out.
import { expect } from '@jest/globals';
import type { AdapterContext, SourceAdapter } from '../../src/adapters/types.js';
import { identityKey, normalizeIdentity, type Identity } from '../../src/core/identity.js';
import { discoverAll, testContext } from './many.js';

export async function listIdentities(a: SourceAdapter, c: AdapterContext = testContext()): Promise<Identity[]> {
  const out: Identity[] = [];
  for await (const id of a.identities!(c)) out.push(id);
  return out;
}

export const keys = (ids: Identity[]) => new Set(ids.map(identityKey));

/** Every identity yielded is canonical, and each is yielded once. */
export function expectCanonical(ids: Identity[]): void {
  for (const id of ids) expect({ id, canonical: normalizeIdentity(id.type, id.value) }).toEqual({ id, canonical: id.value });
  expect(keys(ids).size).toBe(ids.length);
}

/**
 * Every identity in a record's `matched` list of discover over `subjects` is listed (with `links`,
 * every link's ends too). Returns how many matches were checked.
 */
export async function expectMatchedListed(a: SourceAdapter, listed: Set<string>, subjects: Identity[][], opts: { links?: boolean } = {}): Promise<number> {
  let n = 0;
  for (const s of subjects) {
    const { records, links } = await discoverAll(a, s);
    for (const r of records) {
      for (const m of r.matched) {
        n++;
        expect({ locator: r.locator, m, listed: listed.has(identityKey(m)) }).toEqual({ locator: r.locator, m, listed: true });
      }
    }
    if (opts.links)
      for (const l of links)
        for (const end of [l.from, l.to])
          expect({ locator: l.locator, end, listed: listed.has(identityKey(end)) }).toEqual({ locator: l.locator, end, listed: true });
  }
  return n;
}

/** Discover with each listed identity alone finds a record or a link (the values are ones discover matches). */
export async function expectEachFinds(a: SourceAdapter, ids: Identity[]): Promise<void> {
  for (const id of ids) {
    const { records, links } = await discoverAll(a, [id]);
    expect({ id, found: records.length + links.length > 0 }).toEqual({ id, found: true });
  }
}
