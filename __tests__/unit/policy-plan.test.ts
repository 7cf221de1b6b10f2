import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { csvFactory } from '../../src/adapters/csv/index.js';
import { atomicRewrite, writeFileAtomic } from '../../src/core/atomic-file.js';
import { exitCodeFor, fingerprintOf, type Discovery, type SourceStatus } from '../../src/core/engine.js';
import { UsageError } from '../../src/core/errors.js';
import { buildPlan, PLAN_FORMAT, readPlan } from '../../src/core/plan.js';
import { defaultRetentionFor, policyViolation } from '../../src/core/policy.js';
import type { PersonalRecord } from '../../src/core/record.js';

const base: PersonalRecord = {
  source: 'survey',
  type: 'csv-row',
  locator: 'survey.csv:2',
  matched: [{ type: 'email', value: 'ann@example.org', field: 'Email' }],
  categories: ['contact.email'],
  data: { Email: 'ann@example.org' },
  disposition: 'erase',
  action: 'delete-row',
  erasure: { digest: 'd1', line: 2 },
};

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'privacyctl-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('policyViolation', () => {
  it('an erase record needs its action', () => {
    expect(policyViolation(base)).toBeNull();
    expect(policyViolation({ ...base, action: undefined })).toEqual(expect.any(String));
  });

  it('a retained record needs both a reason and a ground', () => {
    const r: PersonalRecord = { ...base, disposition: 'retain', action: undefined, retention: { reason: 'proof', ground: 'Art. 17(3)(d)' } };
    expect(policyViolation(r)).toBeNull();
    expect(policyViolation({ ...r, retention: undefined })).toEqual(expect.any(String));
    expect(policyViolation({ ...r, retention: { reason: '', ground: 'Art. 17(3)(d)' } })).toEqual(expect.any(String));
    expect(policyViolation({ ...r, retention: { reason: 'proof', ground: '' } })).toEqual(expect.any(String));
  });

  it('a manual record needs the step to take', () => {
    const r: PersonalRecord = { ...base, disposition: 'manual', action: undefined, manual: 'edit OWNERS in cri-o/cri-o' };
    expect(policyViolation(r)).toBeNull();
    expect(policyViolation({ ...r, manual: undefined })).toEqual(expect.any(String));
    expect(policyViolation({ ...r, manual: '' })).toEqual(expect.any(String));
  });

  it('an unknown disposition is a violation', () => {
    expect(policyViolation({ ...base, disposition: 'drop' as never })).toEqual(expect.any(String));
  });
});

describe('defaultRetentionFor', () => {
  it('retains contribution records as proof of contribution, citing Art. 17(3)(d) and 6(1)(f)', () => {
    for (const type of ['commit', 'co-author', 'pull-request', 'issue', 'review', 'comment']) {
      const r = defaultRetentionFor(type);
      expect([type, r?.reason]).toEqual([type, expect.stringMatching(/proof of contribution/)]);
      expect([type, r?.ground]).toEqual([type, expect.stringMatching(/Art\. 17\(3\)\(d\).*Art\. 6\(1\)\(f\)/)]);
    }
  });

  it('sign-offs are retained under the DCO as well', () => {
    expect(defaultRetentionFor('signoff')?.ground).toMatch(/Developer Certificate of Origin|DCO/);
    expect(defaultRetentionFor('commit')?.ground).not.toMatch(/DCO/);
  });

  it('a CSV row has no default retention: it is erased', () => {
    expect(defaultRetentionFor('csv-row')).toBeUndefined();
  });
});

function status(name: string, s: Partial<SourceStatus> = {}): SourceStatus {
  return { name, kind: 'csv', status: 'ok', records: 0, durationMs: 0, fingerprint: 'fp', facts: csvFactory.suggestedFacts, ...s };
}

function discovery(fp = 'fp-survey'): Discovery {
  const second: PersonalRecord = { ...base, locator: 'survey.csv:7', erasure: { digest: 'd2', line: 7 } };
  const retained: PersonalRecord = {
    ...base,
    source: 'repos',
    type: 'commit',
    locator: 'abc123',
    disposition: 'retain',
    action: undefined,
    erasure: undefined,
    retention: defaultRetentionFor('commit'),
  };
  const manual: PersonalRecord = {
    ...base,
    source: 'repos',
    type: 'people-file-entry',
    locator: 'OWNERS:3',
    disposition: 'manual',
    action: undefined,
    manual: 'edit OWNERS',
  };
  const other: PersonalRecord = {
    ...base,
    source: 'leads',
    locator: 'leads.csv:4',
    action: 'redact-fields',
    erasure: { digest: 'd3', line: 4, fields: ['Email'] },
  };
  return {
    identities: [{ type: 'email', value: 'ann@example.org', provenance: { via: 'given', reason: 'given on the command line' } }],
    candidates: [],
    records: [base, retained, second, manual, other],
    sources: [status('survey', { fingerprint: fp, records: 2 }), status('repos', { kind: 'git', records: 2 }), status('leads', { records: 1 })],
  };
}

describe('buildPlan', () => {
  it('has steps only for erase records, numbered per source, with their erasure parameters', () => {
    const plan = buildPlan(discovery());
    expect(plan.format).toBe(PLAN_FORMAT);
    expect(plan.steps).toEqual([
      { id: 'survey#1', source: 'survey', type: 'csv-row', locator: 'survey.csv:2', action: 'delete-row', params: { digest: 'd1', line: 2 } },
      { id: 'survey#2', source: 'survey', type: 'csv-row', locator: 'survey.csv:7', action: 'delete-row', params: { digest: 'd2', line: 7 } },
      {
        id: 'leads#1',
        source: 'leads',
        type: 'csv-row',
        locator: 'leads.csv:4',
        action: 'redact-fields',
        params: { digest: 'd3', line: 4, fields: ['Email'] },
      },
    ]);
    expect(plan.records).toHaveLength(5);
    for (const r of plan.records) expect(r).not.toHaveProperty('erasure');
    expect(plan.summary).toMatchObject({ records: 5, erase: 3, retain: 1, manual: 1, steps: 3, sourcesFailed: [] });
  });

  it('planId is stable for the same data and changes when a source fingerprint changes', () => {
    const a = buildPlan(discovery(), new Date('2025-01-01T00:00:00Z'));
    const b = buildPlan(discovery(), new Date('2025-06-01T00:00:00Z'));
    expect(a.planId).toBe(b.planId);
    expect(a.createdAt).not.toBe(b.createdAt);
    expect(buildPlan(discovery('fp-changed')).planId).not.toBe(a.planId);
  });

  it('lists failed sources in the summary', () => {
    const d = discovery();
    d.sources[2] = status('leads', { status: 'failed', failure: 'error', reason: 'leads.csv: cannot read the file (no such file)' });
    const plan = buildPlan(d);
    expect(plan.summary.sourcesFailed).toEqual(['leads']);
    expect(plan.sources[2]).toMatchObject({ status: 'failed', reason: 'leads.csv: cannot read the file (no such file)' });
  });
});

describe('readPlan', () => {
  function usageError(fn: () => unknown): UsageError {
    try {
      fn();
    } catch (err) {
      expect(err).toBeInstanceOf(UsageError);
      expect((err as UsageError).exitCode).toBe(2);
      return err as UsageError;
    }
    throw new Error('expected a UsageError');
  }

  it('reads back a written plan', () => {
    const plan = buildPlan(discovery());
    const file = path.join(dir, 'plan.json');
    fs.writeFileSync(file, JSON.stringify(plan));
    expect(readPlan(file)).toEqual(JSON.parse(JSON.stringify(plan)));
  });

  it('rejects a file that is not JSON', () => {
    const file = path.join(dir, 'plan.json');
    fs.writeFileSync(file, 'format: privacyctl/plan@1\n');
    expect(usageError(() => readPlan(file)).message).toMatch(/not JSON/);
  });

  it('rejects JSON of the wrong format', () => {
    const file = path.join(dir, 'plan.json');
    fs.writeFileSync(file, JSON.stringify({ ...buildPlan(discovery()), format: 'privacyctl/export@1' }));
    expect(usageError(() => readPlan(file)).message).toMatch(/not a privacyctl plan/);
    fs.writeFileSync(file, JSON.stringify({ format: PLAN_FORMAT }));
    usageError(() => readPlan(file));
  });

  it('rejects a missing file', () => {
    usageError(() => readPlan(path.join(dir, 'missing.json')));
  });
});

describe('exitCodeFor', () => {
  it('0 when every source answered (skipped ones included)', () => {
    expect(exitCodeFor([status('a'), status('b', { status: 'skipped', reason: 'no github identity' })])).toBe(0);
  });

  it('3 when some sources failed', () => {
    expect(exitCodeFor([status('a'), status('b', { status: 'failed', failure: 'error', reason: 'x' })])).toBe(3);
  });

  it('4 when a source refused our credentials', () => {
    expect(exitCodeFor([status('a'), status('b', { status: 'failed', failure: 'auth', reason: 'x' })])).toBe(4);
  });

  it('1 when every source failed', () => {
    expect(
      exitCodeFor([status('a', { status: 'failed', failure: 'error', reason: 'x' }), status('b', { status: 'failed', failure: 'error', reason: 'y' })]),
    ).toBe(1);
  });
});

describe('fingerprintOf', () => {
  const r2: PersonalRecord = { ...base, locator: 'survey.csv:9', data: { Email: 'ANN@example.org' }, erasure: { digest: 'd9', line: 9 } };

  it('does not depend on record order', () => {
    expect(fingerprintOf([base, r2])).toBe(fingerprintOf([r2, base]));
  });

  it('changes when a record, its data or its erasure parameters change', () => {
    const fp = fingerprintOf([base, r2]);
    expect(fingerprintOf([base])).not.toBe(fp);
    expect(fingerprintOf([base, { ...r2, data: { Email: 'ann@example.org' } }])).not.toBe(fp);
    expect(fingerprintOf([base, { ...r2, erasure: { digest: 'other', line: 9 } }])).not.toBe(fp);
    expect(fingerprintOf([base, { ...r2, locator: 'survey.csv:10' }])).not.toBe(fp);
  });
});

describe('writeFileAtomic', () => {
  it('writes the file with mode 0600, replacing an existing one, leaving no temp file', async () => {
    const file = path.join(dir, 'export.json');
    fs.writeFileSync(file, 'old');
    fs.chmodSync(file, 0o644);
    await writeFileAtomic(file, '{"ok":true}\n');
    expect(fs.readFileSync(file, 'utf8')).toBe('{"ok":true}\n');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.readdirSync(dir)).toEqual(['export.json']);
  });

  it('honours an explicit mode', async () => {
    const file = path.join(dir, 'plan.json');
    await writeFileAtomic(file, Buffer.from('x'), 0o640);
    expect(fs.statSync(file).mode & 0o777).toBe(0o640);
  });
});

describe('atomicRewrite', () => {
  function original(): string {
    const file = path.join(dir, 'data.csv');
    fs.writeFileSync(file, 'Email\nann@example.org\nbob@example.com\n');
    fs.chmodSync(file, 0o640);
    return file;
  }

  it('replaces the file with what the producer wrote, keeping its mode', async () => {
    const file = original();
    const changed = await atomicRewrite(file, async (out) => {
      await out.write('Email\n');
      await out.write(Buffer.from('bob@example.com\n'));
      return true;
    });
    expect(changed).toBe(true);
    expect(fs.readFileSync(file, 'utf8')).toBe('Email\nbob@example.com\n');
    expect(fs.statSync(file).mode & 0o777).toBe(0o640);
    expect(fs.readdirSync(dir)).toEqual(['data.csv']);
  });

  it('leaves the original untouched, and no temp file, when the producer throws', async () => {
    const file = original();
    const before = fs.readFileSync(file);
    const ino = fs.statSync(file).ino;
    await expect(
      atomicRewrite(file, async (out) => {
        await out.write('Email\n');
        throw new Error('disk on fire');
      }),
    ).rejects.toThrow('disk on fire');
    expect(fs.readFileSync(file).equals(before)).toBe(true);
    expect(fs.statSync(file).ino).toBe(ino);
    expect(fs.readdirSync(dir)).toEqual(['data.csv']);
  });

  it('leaves the file untouched when the producer reports no change', async () => {
    const file = original();
    const before = fs.readFileSync(file);
    const ino = fs.statSync(file).ino;
    const changed = await atomicRewrite(file, async (out) => {
      await out.write('something else');
      return false;
    });
    expect(changed).toBe(false);
    expect(fs.readFileSync(file).equals(before)).toBe(true);
    expect(fs.statSync(file).ino).toBe(ino);
    expect(fs.readdirSync(dir)).toEqual(['data.csv']);
  });
});
