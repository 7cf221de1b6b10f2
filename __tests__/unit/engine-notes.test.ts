// An adapter's notes and partial reads during discovery: named in the source's status and in
// every output built from it, the records of a partly read source kept, the run partial.
import { describe, expect, it } from '@jest/globals';
import { z } from 'zod';
import type { AdapterContext, AdapterFactory, BaseSourceConfig, SourceAdapter } from '../../src/adapters/types.js';
import type { LoadedConfig } from '../../src/core/config.js';
import { discover, exitCodeFor, outcomeOfSource, unsearched } from '../../src/core/engine.js';
import { buildExport } from '../../src/export/document.js';
import { buildPlan } from '../../src/core/plan.js';
import type { IdentityMatcher, SubjectIdentity } from '../../src/core/identity.js';
import type { PersonalRecord } from '../../src/core/record.js';

const FACTS = { categories: ['contact.email'], purpose: ['test'], legalBasis: 'consent' as const, recipients: [], retention: 'test', origin: 'test' };
const ANN: SubjectIdentity = { type: 'email', value: 'ann@example.org', provenance: { via: 'given', reason: 'test' } };

function adapter(behave: (ctx: AdapterContext) => void): SourceAdapter {
  return {
    kind: 'stub',
    name: 's',
    async check() {
      return { ok: true, detail: '' };
    },
    async *discover(m: IdentityMatcher, ctx: AdapterContext) {
      const hit = m.matchCell('email', 'ann@example.org');
      if (!hit) return;
      const r: PersonalRecord = {
        source: 's',
        type: 'row',
        locator: 's:1',
        matched: [{ type: 'email', value: hit, field: 'email' }],
        categories: ['contact.email'],
        data: { email: hit },
        disposition: 'erase',
        action: 'delete-row',
      };
      yield r;
      behave(ctx);
    },
  };
}

function configWith(a: SourceAdapter, optional = false): LoadedConfig {
  const factory: AdapterFactory<BaseSourceConfig> = { kind: 'stub', schema: z.any(), suggestedFacts: { ...FACTS, transfers: 'none' }, create: () => a };
  return {
    file: 'x.yaml',
    dir: '/tmp',
    stateDir: '/tmp/state',
    controller: { name: 'T', contact: 't@example.org', responseDays: 30 },
    sources: [{ index: 0, name: 's', kind: 'stub', optional, config: { name: 's', kind: 'stub' }, facts: FACTS, factory }],
  };
}

const opts = { expand: true, signal: new AbortController().signal, log: { info() {}, warn() {} } };

describe('notes and partial reads in discovery', () => {
  it('a note goes into the source status, the export, the plan and the outcome receipts copy; the run stays ok', async () => {
    const d = await discover(
      configWith(
        adapter((ctx) => {
          ctx.note!('pending invitations not read');
          ctx.note!('pending invitations not read'); // a repeat is dropped
        }),
      ),
      [ANN],
      opts,
    );
    expect(d.sources[0]).toMatchObject({ status: 'ok', records: 1, notes: ['pending invitations not read'] });
    expect(exitCodeFor(d.sources)).toBe(0);
    expect(outcomeOfSource(d.sources[0]!).notes).toEqual(['pending invitations not read']);
    const doc = buildExport(d, { controller: { name: 'T', contact: 't@example.org', responseDays: 30 }, version: 't' });
    expect(doc.sources[0]!.notes).toEqual(['pending invitations not read']);
    expect(buildPlan(d).sources[0]!.notes).toEqual(['pending invitations not read']);
  });

  it('partial(): the records stand, the status is failed with the reason, the run is partial (exit 3) unless optional', async () => {
    const a = adapter((ctx) => ctx.partial!('a handle has no account'));
    const d = await discover(configWith(a), [ANN], opts);
    expect(d.records).toHaveLength(1);
    expect(d.sources[0]).toMatchObject({ status: 'failed', failure: 'error', partial: true, reason: 'a handle has no account', records: 1 });
    expect(unsearched(d.sources)).toHaveLength(1);
    expect(exitCodeFor(d.sources)).toBe(3);
    expect(buildPlan(d).steps).toHaveLength(1);
    expect(buildPlan(d).sources[0]).toMatchObject({ status: 'failed', partial: true });
    const optional = await discover(configWith(a, true), [ANN], opts);
    expect(exitCodeFor(optional.sources)).toBe(0);
  });

  it('a source that throws after partial() is failed and keeps nothing', async () => {
    const d = await discover(
      configWith(
        adapter((ctx) => {
          ctx.partial!('partly');
          ctx.note!('a note');
          throw new Error('broken');
        }),
      ),
      [ANN],
      opts,
    );
    expect(d.records).toEqual([]);
    expect(d.sources[0]).toMatchObject({ status: 'failed', reason: 'broken' });
    expect(d.sources[0]!.partial).toBeUndefined();
    expect(d.sources[0]!.notes).toBeUndefined();
  });
});
