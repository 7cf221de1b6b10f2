// export and find, end to end: what a privacy-team member or a pipeline gets from the demo data.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import type { ExportDocument, ExportFilesResult, FindResult } from '../../src/cli/results.js';
import { ANN, ANSI, cleanupWorkspaces, makeWorkspace, modeOf, run, runJson } from './helpers.js';

const SOURCES = ['survey-2024', 'booth-registrations', 'logo-contest'];
/** Values of other people in the demo data: none may appear in ann's export. */
const OTHERS = [
  'joann',
  'Joann',
  '.invalid',
  'Anneliese',
  'Mockingbird',
  'bo@lanternfish',
  'Tanaka',
  'dana',
  'Ruiz',
  'lindqvist',
  'chidi',
  'fan@example.com',
  'Ann Fan',
  'Ann-Example-Fan',
  'Quayside',
  'A fish made of gears',
];

let ws: string;
beforeEach(() => {
  ws = makeWorkspace();
});
afterEach(cleanupWorkspaces);

describe('export --email ann@example.org (JSON, the default)', () => {
  it('exits 0 and prints one JSON document with ann records from all three sources', () => {
    const r = runJson<ExportDocument>(ws, ['export', '--email', ANN]);
    expect(r.code).toBe(0);
    const doc = r.json;
    expect(doc.format).toBe('privacyctl/export@1');
    // the request, the controller and the identities used
    expect(doc.request).toEqual(expect.objectContaining({ type: expect.any(String), received: expect.any(String), deadline: expect.any(String) }));
    expect(doc.request).toHaveProperty('id');
    expect(Date.parse(doc.request.deadline)).toBeGreaterThan(Date.parse(doc.request.received));
    expect(doc.controller).toEqual(expect.objectContaining({ name: 'Lanternfish Project (demo)', contact: 'privacy@lanternfish.example' }));
    expect(doc.subject.identities).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'email', value: ANN, provenance: expect.any(Object) })]));
    // every source answered, with its Art. 15 facts
    expect(doc.sources.map((s) => s.name).sort()).toEqual([...SOURCES].sort());
    for (const s of doc.sources) {
      expect(s.status).toBe('ok');
      expect(s.facts).toEqual(
        expect.objectContaining({
          categories: expect.any(Array),
          purpose: expect.any(Array),
          legalBasis: expect.any(String),
          recipients: expect.any(Array),
          retention: expect.any(String),
          origin: expect.any(String),
        }),
      );
    }
    // one record from each source, and each is ann's row
    expect(doc.records).toHaveLength(3);
    expect(doc.records.map((x) => x.source).sort()).toEqual([...SOURCES].sort());
    const bySource = Object.fromEntries(doc.records.map((x) => [x.source, x]));
    expect(bySource['survey-2024']!.data.Email).toBe('Ann@Example.ORG');
    expect(bySource['booth-registrations']!.data['E-Mail']).toBe(ANN);
    expect(bySource['logo-contest']!.data.contact_email).toBe(ANN);
    for (const rec of doc.records) {
      expect(rec.matched).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'email', value: ANN })]));
      expect(['erase', 'retain', 'manual']).toContain(rec.disposition);
      expect(rec.locator).toEqual(expect.any(String));
    }
  });

  it('never contains the near misses (joann@, ann@example.org.invalid) or anyone else', () => {
    const r = run(ws, ['export', '--email', ANN]);
    expect(r.code).toBe(0);
    for (const other of OTHERS) expect(r.stdout).not.toContain(other);
    expect(r.stdout.toLowerCase()).not.toContain('joann@example.org');
    expect(r.stdout.toLowerCase()).not.toContain('ann@example.org.invalid');
  });

  it('puts progress on stderr (one line per source) and nothing but the JSON on stdout', () => {
    const r = run(ws, ['export', '--email', ANN]);
    expect(r.code).toBe(0);
    expect(() => JSON.parse(r.stdout)).not.toThrow();
    expect(r.stdout.trimStart().startsWith('{')).toBe(true);
    for (const s of SOURCES) expect(r.stderr).toContain(s);
    expect(r.stderr.split('\n').filter((l) => l.trim() !== '').length).toBeGreaterThanOrEqual(3);
    expect(r.stderr).not.toMatch(ANSI);
  });
});

describe('export formats and destinations', () => {
  it('--format ndjson: one JSON record a line', () => {
    const r = run(ws, ['export', '--email', ANN, '--format', 'ndjson']);
    expect(r.code).toBe(0);
    expect(r.stdout.endsWith('\n')).toBe(true);
    const lines = r.stdout.split('\n').filter((l) => l !== '');
    expect(lines).toHaveLength(3);
    const records = lines.map((l) => JSON.parse(l));
    expect(records.map((x) => x.source).sort()).toEqual([...SOURCES].sort());
    for (const rec of records)
      expect(rec).toEqual(expect.objectContaining({ type: expect.any(String), locator: expect.any(String), data: expect.any(Object) }));
    for (const other of OTHERS) expect(r.stdout).not.toContain(other);
  });

  it('--format csv: long form with the documented header, and spreadsheet formulas neutralised', () => {
    const r = run(ws, ['export', '--email', ANN, '--format', 'csv']);
    expect(r.code).toBe(0);
    expect(r.stdout.split(/\r?\n/)[0]).toBe('source,type,locator,field,value,categories,disposition,retention_reason');
    const rows = parse<Record<string, string>>(r.stdout, { columns: true });
    expect(new Set(rows.map((x) => x['source']))).toEqual(new Set(SOURCES));
    const title = rows.find((x) => x['source'] === 'logo-contest' && x['field'] === 'entry_title');
    expect(title?.['value']).toBe(`'=HYPERLINK("http://lanternfish.example/vote";"Vote for my lantern")`);
    // no cell a spreadsheet would run as a formula
    for (const row of rows) for (const cell of Object.values(row)) expect(cell).not.toMatch(/^[=+\-@\t\r]/);
    for (const other of OTHERS) expect(r.stdout).not.toContain(other);
  });

  it('-o out.json writes a 0600 file and prints no export on stdout', () => {
    const r = run(ws, ['export', '--email', ANN, '-o', 'out.json']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    const file = join(ws, 'out.json');
    expect(modeOf(file)).toBe(0o600);
    const doc = JSON.parse(readFileSync(file, 'utf8'));
    expect(doc.format).toBe('privacyctl/export@1');
    expect(doc.records).toHaveLength(3);
    expect(r.stderr).toContain('out.json');
  });

  it('-o bundle/ writes every format, one CSV per source, report.html and README.txt', () => {
    const r = run(ws, ['export', '--email', ANN, '-o', 'bundle/']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    const dir = join(ws, 'bundle');
    expect(modeOf(dir)).toBe(0o700);
    for (const f of ['export.json', 'export.ndjson', 'export.csv', 'report.html', 'README.txt', ...SOURCES.map((s) => `sources/${s}.csv`)]) {
      expect(existsSync(join(dir, f))).toBe(true);
      expect(modeOf(join(dir, f))).toBe(0o600);
    }
    expect(JSON.parse(readFileSync(join(dir, 'export.json'), 'utf8')).records).toHaveLength(3);
    expect(readFileSync(join(dir, 'export.ndjson'), 'utf8').trim().split('\n')).toHaveLength(3);
    expect(readFileSync(join(dir, 'export.csv'), 'utf8').split(/\r?\n/)[0]).toBe('source,type,locator,field,value,categories,disposition,retention_reason');
    const contest = parse<Record<string, string>>(readFileSync(join(dir, 'sources/logo-contest.csv'), 'utf8'), { columns: true });
    expect(contest.length).toBeGreaterThan(0);
    expect(contest.every((x) => x['source'] === 'logo-contest')).toBe(true);
    const readme = readFileSync(join(dir, 'README.txt'), 'utf8');
    for (const f of ['report.html', 'export.json', 'export.csv', 'sources/logo-contest.csv']) expect(readme).toContain(f);
    expect(readFileSync(join(dir, 'report.html'), 'utf8')).toContain('Your personal data held by Lanternfish Project (demo)');
  });

  it('--json with -o prints where the files went (not the export) on stdout', () => {
    const r = runJson<ExportFilesResult>(ws, ['--json', 'export', '--email', ANN, '-o', 'out.json']);
    expect(r.code).toBe(0);
    expect(r.json.files).toEqual([join(ws, 'out.json')]);
    expect(r.json).not.toHaveProperty('records');
  });
});

describe('identity matching', () => {
  const locators = (doc: ExportDocument) => doc.records.map((x) => `${x.source} ${x.locator}`).sort();

  it('is case-insensitive: --email ANN@example.org finds the same records', () => {
    const lower = runJson<ExportDocument>(ws, ['export', '--email', ANN]);
    const upper = runJson<ExportDocument>(ws, ['export', '--email', 'ANN@example.org']);
    expect(upper.code).toBe(0);
    expect(locators(upper.json)).toEqual(locators(lower.json));
    expect(upper.json.records).toHaveLength(3);
  });

  it.each([
    ['NFC', 'zo\u00eb.lindqvist@example.net'],
    ['NFD', 'zoe\u0308.lindqvist@example.net'],
  ])('compares Unicode-normalised: an %s zoë finds the survey row stored NFD', (_form, email) => {
    const r = runJson<ExportDocument>(ws, ['export', '--email', email]);
    expect(r.code).toBe(0);
    expect(r.json.records).toHaveLength(1);
    expect(r.json.records[0]!.source).toBe('survey-2024');
    expect(r.json.records[0]!.data.Country).toBe('Sweden');
  });

  it('an address in an unmapped column (a comment) does not make the row hers', () => {
    const file = join(ws, 'fixtures/demo/surveys/contributor-survey-2024.csv');
    writeFileSync(file, readFileSync(file, 'utf8').replace('Keep the release notes short', 'Ask ann@example.org about the notes'));
    const r = runJson<ExportDocument>(ws, ['export', '--email', ANN]);
    expect(r.code).toBe(0);
    expect(r.json.records).toHaveLength(3);
    expect(r.stdout).not.toContain('Tanaka');
  });

  it('a cell shared with another person: her export never shows the other address', () => {
    // a record's data is "only the subject's, never others'" (core/record.ts)
    const file = join(ws, 'fixtures/demo/events/booth-registrations-2024.csv');
    writeFileSync(file, `${readFileSync(file, 'utf8')}Team;Lantern;"ann@example.org, joann@example.org";Lanternfish Labs;M;;2024-10-09\n`);
    const r = run(ws, ['export', '--email', ANN]);
    expect([0, 3]).toContain(r.code);
    expect(r.stdout.toLowerCase()).not.toContain('joann@example.org');
  });

  it('does not match by substring: joann@ finds only joann', () => {
    const r = runJson<ExportDocument>(ws, ['export', '--email', 'joann@example.org']);
    expect(r.code).toBe(0);
    expect(r.json.records.length).toBeGreaterThan(0);
    expect(JSON.stringify(r.json.records)).not.toContain('Ann Example');
  });
});

describe('export --github', () => {
  it('finds the survey (@Ann-Example) and contest rows, not Ann-Example-Fan', () => {
    const r = runJson<ExportDocument>(ws, ['export', '--github', 'ann-example']);
    expect(r.code).toBe(0);
    expect(r.json.records.map((x) => x.source).sort()).toEqual(['logo-contest', 'survey-2024']);
    expect(r.json.sources.find((s) => s.name === 'booth-registrations')!.status).toBe('skipped');
    expect(r.stdout).not.toMatch(/Ann-Example-Fan|fan@example\.com/i);
  });
});

describe('find --json', () => {
  it('reports identities, candidates, per-source counts and a summary', () => {
    const r = runJson<FindResult>(ws, ['--json', 'find', '--email', ANN]);
    expect(r.code).toBe(0);
    const f = r.json;
    expect(f.identities).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'email', value: ANN })]));
    expect(Array.isArray(f.candidates)).toBe(true);
    expect(f.sources.map((s) => s.name).sort()).toEqual([...SOURCES].sort());
    for (const s of f.sources) {
      expect(s).toEqual(expect.objectContaining({ kind: 'csv', status: 'ok', records: 1, byType: expect.any(Object) }));
    }
    expect(f.summary).toEqual(expect.objectContaining({ records: 3 }));
    expect(r.stderr).not.toMatch(ANSI);
  });
});
