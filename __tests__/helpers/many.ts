// The contract of SourceAdapter.discoverMany, checked against discover: one pass over a source
// for several subjects must give each subject exactly what a run for that subject alone gives.
import { expect } from '@jest/globals';
import type { AdapterContext, SourceAdapter } from '../../src/adapters/types.js';
import { IdentityMatcher, type Identity } from '../../src/core/identity.js';
import { isIdentityLink, type IdentityLink, type PersonalRecord } from '../../src/core/record.js';

export function testContext(): AdapterContext {
  return { signal: new AbortController().signal, log: { info() {}, warn() {} }, stats: {} };
}

function canonical(items: Array<PersonalRecord | IdentityLink>): string[] {
  return items.map((x) => JSON.stringify(x, Object.keys(flatKeys(x)).sort())).sort();
}

// JSON.stringify with a sorted key list needs every nested key name too.
function flatKeys(x: unknown, out: Record<string, true> = {}): Record<string, true> {
  if (Array.isArray(x)) for (const v of x) flatKeys(v, out);
  else if (x && typeof x === 'object')
    for (const [k, v] of Object.entries(x)) {
      out[k] = true;
      flatKeys(v, out);
    }
  return out;
}

/** Runs discover once per subject and discoverMany once, and expects the same items per subject. */
export async function expectManyMatchesSingle(adapter: SourceAdapter, subjects: IdentityMatcher[]): Promise<Array<Array<PersonalRecord | IdentityLink>>> {
  if (!adapter.discoverMany) throw new Error(`${adapter.kind} has no discoverMany`);
  const single: Array<Array<PersonalRecord | IdentityLink>> = [];
  for (const s of subjects) {
    const items: Array<PersonalRecord | IdentityLink> = [];
    for await (const x of adapter.discover(s, testContext())) items.push(x);
    single.push(items);
  }
  const many: Array<Array<PersonalRecord | IdentityLink>> = subjects.map(() => []);
  for await (const t of adapter.discoverMany(subjects, testContext())) {
    expect(t.subject).toBeGreaterThanOrEqual(0);
    expect(t.subject).toBeLessThan(subjects.length);
    many[t.subject]!.push(t.item);
  }
  for (let i = 0; i < subjects.length; i++) expect(canonical(many[i]!)).toEqual(canonical(single[i]!));
  return many;
}

/** Everything discover yields for these identities, records and links apart. */
export async function discoverAll(a: SourceAdapter, ids: Identity[]): Promise<{ records: PersonalRecord[]; links: IdentityLink[] }> {
  const records: PersonalRecord[] = [];
  const links: IdentityLink[] = [];
  for await (const item of a.discover(new IdentityMatcher(ids), testContext())) {
    if (isIdentityLink(item)) links.push(item);
    else records.push(item);
  }
  return { records, links };
}
