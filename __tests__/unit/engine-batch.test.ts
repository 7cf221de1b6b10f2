// discoverBatch: one pass per source for many subjects, each subject ending as its own run would.
import { describe, expect, it } from '@jest/globals';
import { z } from 'zod';
import type { AdapterFactory, BaseSourceConfig, SourceAdapter, TaggedItem } from '../../src/adapters/types.js';
import type { LoadedConfig } from '../../src/core/config.js';
import { discover, discoverBatch } from '../../src/core/engine.js';
import { SourceError } from '../../src/core/errors.js';
import type { IdentityMatcher, SubjectIdentity } from '../../src/core/identity.js';
import type { IdentityLink, PersonalRecord } from '../../src/core/record.js';

const FACTS = { categories: ['contact.email'], purpose: ['test'], legalBasis: 'consent' as const, recipients: [], retention: 'test', origin: 'test' };
const given = (type: string, value: string): SubjectIdentity => ({ type, value, provenance: { via: 'given', reason: 'test' } });

/** A table of (email, github) rows; email→github is a strong link. `broken` emails make a pass fail. */
function tableAdapter(rows: Array<[string, string]>, calls: { many: number; single: number }, broken = new Set<string>()): SourceAdapter {
  const recordsFor = (m: IdentityMatcher): Array<PersonalRecord | IdentityLink> => {
    for (const [e] of rows) if (broken.has(e) && m.matchCell('email', e)) throw new SourceError('a damaged row');
    const out: Array<PersonalRecord | IdentityLink> = [];
    rows.forEach(([e, g], i) => {
      const hitE = m.matchCell('email', e);
      const hitG = m.matchCell('github', g);
      if (!hitE && !hitG) return;
      out.push({
        source: 't',
        type: 'row',
        locator: `t:${i + 2}`,
        matched: [...(hitE ? [{ type: 'email', value: hitE, field: 'email' }] : []), ...(hitG ? [{ type: 'github', value: hitG, field: 'github' }] : [])],
        categories: ['contact.email'],
        data: { email: e, github: g },
        disposition: 'erase',
        action: 'delete-row',
      });
      if (hitE)
        out.push({
          kind: 'identity-link',
          from: { type: 'email', value: hitE },
          to: { type: 'github', value: g },
          strength: 'strong',
          source: 't',
          locator: `t:${i + 2}`,
          reason: 'same row',
        });
    });
    return out;
  };
  return {
    kind: 'table',
    name: 't',
    identityTypes: ['email', 'github'],
    async check() {
      return { ok: true, detail: '' };
    },
    async *discover(m) {
      calls.single++;
      yield* recordsFor(m);
    },
    async *discoverMany(ms) {
      calls.many++;
      const out: TaggedItem[] = [];
      ms.forEach((m, subject) => {
        for (const item of recordsFor(m)) out.push({ subject, item });
      });
      yield* out;
    },
  };
}

function configWith(adapter: SourceAdapter): LoadedConfig {
  const factory: AdapterFactory<BaseSourceConfig> = { kind: 'table', schema: z.any(), suggestedFacts: { ...FACTS, transfers: 'none' }, create: () => adapter };
  return {
    file: 'x.yaml',
    dir: '/tmp',
    stateDir: '/tmp/state',
    controller: { name: 'T', contact: 't@example.org', responseDays: 30 },
    sources: [{ index: 0, name: 't', kind: 'table', optional: false, config: { name: 't', kind: 'table' }, facts: FACTS, factory }],
  };
}

const opts = { expand: true, signal: new AbortController().signal, log: { info() {}, warn() {} } };

describe('discoverBatch', () => {
  const rows: Array<[string, string]> = [
    ['ann@example.org', 'ann-example'],
    ['bo@lanternfish.example', 'botr'],
    ['cy@example.net', 'cy-n'],
  ];

  it('reads the source once per round for all subjects, and gives each what discover gives', async () => {
    const calls = { many: 0, single: 0 };
    const cfg = configWith(tableAdapter(rows, calls));
    const subjects = [[given('email', 'ann@example.org')], [given('github', 'botr')], [given('email', 'nobody@example.org')]];
    const batch = await discoverBatch(cfg, subjects, opts);
    // round 1 for all three; round 2 only for ann, whose email linked a new login
    expect(calls).toEqual({ many: 1, single: 1 });
    for (let i = 0; i < subjects.length; i++) {
      const alone = await discover(configWith(tableAdapter(rows, { many: 0, single: 0 })), subjects[i]!, opts);
      expect(batch[i]!.records).toEqual(alone.records);
      expect(batch[i]!.identities.map((x) => `${x.type}:${x.value}`)).toEqual(alone.identities.map((x) => `${x.type}:${x.value}`));
      expect(batch[i]!.sources.map((s) => [s.status, s.fingerprint])).toEqual(alone.sources.map((s) => [s.status, s.fingerprint]));
    }
    expect(batch[0]!.identities.map((x) => x.value)).toEqual(['ann@example.org', 'ann-example']);
    expect(batch[2]!.records).toEqual([]);
  });

  it('a pass that fails asks each subject alone: only the subject the failure concerns fails', async () => {
    const calls = { many: 0, single: 0 };
    const cfg = configWith(tableAdapter(rows, calls, new Set(['bo@lanternfish.example'])));
    const [ann, bo] = await discoverBatch(cfg, [[given('email', 'ann@example.org')], [given('email', 'bo@lanternfish.example')]], { ...opts, expand: false });
    expect(calls.many).toBe(1);
    expect(ann!.sources[0]).toMatchObject({ status: 'ok', records: 1 });
    expect(bo!.sources[0]).toMatchObject({ status: 'failed', reason: 'a damaged row', records: 0 });
    expect(bo!.records).toEqual([]);
  });
});

describe('later rounds read again only the sources the new identities concern', () => {
  /** A list of addresses: compares emails only, so a GitHub login linked elsewhere cannot change what it finds. */
  function mailOnly(calls: { single: number }): SourceAdapter {
    return {
      kind: 'mail',
      name: 'm',
      identityTypes: ['email'],
      async check() {
        return { ok: true, detail: '' };
      },
      async *discover(m) {
        calls.single++;
        if (m.matchCell('email', 'ann@example.org')) {
          yield {
            source: 'm',
            type: 'post',
            locator: 'm:1',
            matched: [{ type: 'email', value: 'ann@example.org', field: 'from' }],
            categories: ['contact.email'],
            data: { from: 'ann@example.org' },
            disposition: 'retain',
            retention: { reason: 'r', ground: 'g' },
          };
        }
      },
    };
  }

  it('carries the email-only source over when round 2 adds a github identity, with the same records and its time counted once', async () => {
    const table = { many: 0, single: 0 };
    const mail = { single: 0 };
    const base = configWith(tableAdapter([['ann@example.org', 'ann-example']], table));
    const mailFactory: AdapterFactory<BaseSourceConfig> = {
      kind: 'mail',
      schema: z.any(),
      suggestedFacts: { ...FACTS, transfers: 'none' },
      create: () => mailOnly(mail),
    };
    const cfg: LoadedConfig = {
      ...base,
      sources: [
        ...base.sources,
        { index: 1, name: 'm', kind: 'mail', optional: false, config: { name: 'm', kind: 'mail' }, facts: FACTS, factory: mailFactory },
      ],
    };
    const d = await discover(cfg, [given('email', 'ann@example.org')], opts);
    expect(d.identities.map((x) => x.value)).toEqual(['ann@example.org', 'ann-example']);
    expect(table.single).toBe(2); // round 2: the table compares github logins
    expect(mail.single).toBe(1); // never again: it compares only emails, and none was linked
    expect(d.records.filter((r) => r.source === 'm').map((r) => r.locator)).toEqual(['m:1']);
    const m = d.sources.find((s) => s.name === 'm')!;
    expect(m.status).toBe('ok');
    expect(m.records).toBe(1);
  });
});
