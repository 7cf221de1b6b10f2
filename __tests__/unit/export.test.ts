import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { csvFactory } from '../../src/adapters/csv/index.js';
import type { Art15Facts } from '../../src/adapters/types.js';
import type { Discovery, SourceStatus } from '../../src/core/engine.js';
import type { SubjectIdentity } from '../../src/core/identity.js';
import type { PersonalRecord } from '../../src/core/record.js';
import { writeBundle } from '../../src/export/bundle.js';
import { CSV_COLUMNS, neutralizeCell, toCsv } from '../../src/export/csv.js';
import { buildExport, type ExportDocument } from '../../src/export/document.js';
import { toJson } from '../../src/export/json.js';
import { toNdjson } from '../../src/export/ndjson.js';

const facts: Art15Facts = { ...csvFactory.suggestedFacts, categories: ['name'] };

function status(name: string, s: Partial<SourceStatus> = {}): SourceStatus {
  return { name, kind: 'csv', status: 'ok', records: 0, durationMs: 1, fingerprint: 'f', facts, ...s };
}

const identities: SubjectIdentity[] = [
  { type: 'email', value: '42+ann-example@users.noreply.github.com', provenance: { via: 'given', reason: 'given on the command line' } },
  {
    type: 'github',
    value: 'ann-example',
    provenance: { via: 'link', reason: 'GitHub noreply address names its login', from: { type: 'email', value: '42+ann-example@users.noreply.github.com' } },
  },
];

const surveyRow: PersonalRecord = {
  source: 'survey',
  type: 'csv-row',
  locator: 'survey.csv:2',
  matched: [{ type: 'email', value: 'ann@example.org', field: 'Email' }],
  categories: ['contact.email', 'response'],
  data: { Email: 'ann@example.org', Comment: 'line one\nline "two", end', Formula: '=HYPERLINK("http://evil.example")', Score: '-3' },
  disposition: 'erase',
  action: 'delete-row',
  erasure: { digest: 'abc123', line: 2 },
};

const commit: PersonalRecord = {
  source: 'repos',
  type: 'commit',
  locator: '0123abcd',
  matched: [{ type: 'email', value: 'ann@example.org', field: 'author' }],
  categories: ['name', 'contact.email'],
  data: { author: 'Ann Example <ann@example.org>' },
  disposition: 'retain',
  retention: { reason: 'proof of contribution; integrity of historical project data', ground: 'Art. 17(3)(d)' },
};

function discovery(): Discovery {
  return {
    identities,
    candidates: [],
    records: [surveyRow, commit],
    sources: [
      status('survey', { records: 1 }),
      status('repos', { kind: 'git', records: 1 }),
      status('broken', { status: 'failed', failure: 'error', reason: 'broken.csv: cannot read the file (no such file)' }),
    ],
  };
}

const controller = { name: 'Example Project', contact: 'privacy@example.org', responseDays: 30 };
const NOW = new Date('2025-03-10T12:00:00.000Z');

function doc(): ExportDocument {
  return buildExport(discovery(), { controller, version: '0.1.0', now: NOW });
}

describe('neutralizeCell', () => {
  it('prefixes cells starting with = + - @ tab or CR with a quote', () => {
    const risky = ['=1+2', '+1', '-1', '@SUM(A1)', '\tx', '\rx'];
    expect(risky.map(neutralizeCell)).toEqual(risky.map((v) => `'${v}`));
  });

  it('leaves other cells alone', () => {
    const plain = ['plain', 'ann@example.org', '', "'already", '1-2', 'a=b'];
    expect(plain.map(neutralizeCell)).toEqual(plain);
  });
});

describe('toCsv', () => {
  it('has the documented header', () => {
    const first = toCsv(doc()).split('\n')[0];
    expect(first).toBe('source,type,locator,field,value,categories,disposition,retention_reason');
    expect(CSV_COLUMNS.join(',')).toBe(first);
  });

  it('writes one row per field that reads back intact, formulas neutralised', () => {
    const rows = parse<Record<string, string>>(toCsv(doc()), { columns: true });
    expect(rows).toHaveLength(Object.keys(surveyRow.data).length + Object.keys(commit.data).length);
    const survey = rows.filter((r) => r['source'] === 'survey');
    expect(survey.map((r) => r['field'])).toEqual(['Email', 'Comment', 'Formula', 'Score']);
    expect(survey.map((r) => r['value'])).toEqual(['ann@example.org', 'line one\nline "two", end', `'=HYPERLINK("http://evil.example")`, "'-3"]);
    for (const r of survey) {
      expect(r).toMatchObject({ type: 'csv-row', locator: 'survey.csv:2', categories: 'contact.email;response', disposition: 'erase', retention_reason: '' });
    }
    const repo = rows.filter((r) => r['source'] === 'repos');
    expect(repo).toEqual([
      {
        source: 'repos',
        type: 'commit',
        locator: '0123abcd',
        field: 'author',
        value: 'Ann Example <ann@example.org>',
        categories: 'name;contact.email',
        disposition: 'retain',
        retention_reason: 'proof of contribution; integrity of historical project data',
      },
    ]);
  });

  it('no cell of the output starts a formula, whatever the data', () => {
    const evil: PersonalRecord = { ...surveyRow, locator: '=cmd|x', data: { '@field': '+1', plain: '\tx' } };
    const rows: string[][] = parse(toCsv({ records: [evil] }), { relax_quotes: true });
    for (const cell of rows.slice(1).flat()) expect(cell).not.toMatch(/^[=+\-@\t\r]/);
  });

  it('a record without data fields still gets a row', () => {
    const rows = parse<Record<string, string>>(toCsv({ records: [{ ...commit, data: {} }] }), { columns: true });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ source: 'repos', locator: '0123abcd', field: '', value: '' });
  });
});

describe('toNdjson', () => {
  it('writes one JSON record per line, without the erasure parameters', () => {
    const text = toNdjson(doc());
    expect(text.endsWith('\n')).toBe(true);
    const lines = text.slice(0, -1).split('\n');
    expect(lines).toHaveLength(2);
    const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(parsed.map((r) => r['locator'])).toEqual(['survey.csv:2', '0123abcd']);
    for (const r of parsed) expect(r).not.toHaveProperty('erasure');
    expect((parsed[0]!['data'] as Record<string, string>)['Comment']).toBe('line one\nline "two", end');
  });
});

describe('buildExport', () => {
  it('carries the request with deadline = the end of the day responseDays after receipt', () => {
    const d = doc();
    expect(d.request.received).toBe('2025-03-10T12:00:00.000Z');
    // a period ends with the last hour of its last day (Regulation 1182/71, Art. 3(2)(c))
    expect(d.request.deadline).toBe('2025-04-09T23:59:59.999Z');
    expect(d.request.type).toBe('access');
    const short = buildExport(discovery(), { controller: { ...controller, responseDays: 1 }, version: 'x', now: NOW, requestType: 'portability' });
    expect(short.request.deadline).toBe('2025-03-11T23:59:59.999Z');
    expect(short.request.type).toBe('portability');
  });

  it('carries the controller and the identities with their provenance', () => {
    const d = doc();
    expect(d.controller).toEqual(controller);
    expect(d.subject.identities).toEqual(identities);
    expect(d.subject.identities[1]!.provenance.from).toEqual({ type: 'email', value: '42+ann-example@users.noreply.github.com' });
  });

  it('keeps a failed source, with its reason, and lists it as failed', () => {
    const d = doc();
    const broken = d.sources.find((s) => s.name === 'broken');
    expect(broken).toMatchObject({ status: 'failed', reason: 'broken.csv: cannot read the file (no such file)' });
    expect(d.summary.sourcesFailed).toEqual(['broken']);
    expect(d.summary.sources).toBe(3);
  });

  it("gives each source's Art. 15 facts, categories found included", () => {
    const d = doc();
    const survey = d.sources.find((s) => s.name === 'survey')!;
    expect(survey.facts.categories).toEqual(['contact.email', 'name', 'response']);
    expect(survey.facts.purpose).toEqual(facts.purpose);
    expect(survey.facts.legalBasis).toBe(facts.legalBasis);
    expect(survey.facts.retention).toBe(facts.retention);
    expect(survey.facts.origin).toBe(facts.origin);
    expect(survey.facts.recipients).toEqual(facts.recipients);
    // categories found elsewhere do not leak into this source
    expect(d.sources.find((s) => s.name === 'broken')!.facts.categories).toEqual(['name']);
  });

  it('exports every record, without the erasure parameters', () => {
    const d = doc();
    expect(d.records).toHaveLength(2);
    for (const r of d.records) expect(r).not.toHaveProperty('erasure');
    expect(d.summary).toMatchObject({ records: 2, erase: 1, retain: 1, manual: 0 });
    expect(JSON.parse(toJson(d))).toEqual(JSON.parse(JSON.stringify(d)));
  });
});

describe('writeBundle', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'privacyctl-'));
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('writes every format, one CSV per source, report.html and README.txt, each 0600', async () => {
    const out = path.join(dir, 'bundle');
    const d = doc();
    const files = await writeBundle(out, d);
    expect(files.sort()).toEqual(
      ['README.txt', 'export.csv', 'export.json', 'export.ndjson', 'report.html', 'sources/broken.csv', 'sources/repos.csv', 'sources/survey.csv'].sort(),
    );
    for (const f of files) expect(fs.statSync(path.join(out, f)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(fs.readFileSync(path.join(out, 'export.json'), 'utf8'))).toEqual(JSON.parse(JSON.stringify(d)));
    expect(fs.readFileSync(path.join(out, 'export.ndjson'), 'utf8')).toBe(toNdjson(d));
    expect(fs.readFileSync(path.join(out, 'export.csv'), 'utf8')).toBe(toCsv(d));
    const survey = parse<Record<string, string>>(fs.readFileSync(path.join(out, 'sources/survey.csv')), { columns: true });
    expect(new Set(survey.map((r) => r['source']))).toEqual(new Set(['survey']));
    expect(survey).toHaveLength(4);
    // a source with no records still gets a file with the header, for spreadsheets
    expect(fs.readFileSync(path.join(out, 'sources/broken.csv'), 'utf8')).toBe(`${CSV_COLUMNS.join(',')}\n`);
    expect(fs.readdirSync(out).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});
