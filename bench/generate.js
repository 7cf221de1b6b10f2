#!/usr/bin/env node
// Deterministic generator of a synthetic survey export for the benchmarks (fictional people only).
//
//   node bench/generate.js [--rows N] [--seed S] [--out DIR] [--force]
//
// Writes DIR/survey.csv (default bench/data/, N = 1,000,000 rows, about 150 bytes a row), a
// matching DIR/privacyctl.yaml and DIR/manifest.json. Regeneration is skipped when the manifest
// says the file already has the same rows, seed and generator version (and its size matches).
// Exactly SUBJECT_ROWS.length rows belong to the benchmark subject; one of them spells the address
// in a different case. The output is streamed: memory stays flat whatever N is.
import { createWriteStream, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { once } from 'node:events';
import { mulberry32 } from './lib.js';

export const GENERATOR_VERSION = 2;
export const SUBJECT = 'bench.subject@example.org';
export const DEFAULT_ROWS = 1_000_000;
export const DEFAULT_SEED = 20240917;
export const DATA_FILE = 'survey.csv';
export const CONFIG_FILE = 'privacyctl.yaml';
export const MANIFEST_FILE = 'manifest.json';
export const DEFAULT_DIR = join(dirname(fileURLToPath(import.meta.url)), 'data');

/** Where in the file (as a fraction of N) the subject's rows go, and how the address is spelt. */
const SUBJECT_ROWS = [
  { at: 0.17, email: SUBJECT },
  { at: 0.52, email: 'Bench.Subject@Example.ORG' },
  { at: 0.93, email: SUBJECT },
];

// mulberry32: a small, fast, seedable PRNG (deterministic across Node versions).

const SYL = ['ta', 'li', 'mo', 've', 'ra', 'sko', 'qu', 'en', 'dar', 'bel', 'no', 'vix', 'sa', 'tor', 'mi', 'lun', 'fe', 'ka', 'zo', 'rin'];
const CO_A = ['Quayside', 'Lanternfish', 'Brightwater', 'Copperleaf', 'Northgate', 'Mossbank', 'Tidewell', 'Ashgrove', 'Kestrel', 'Harrowfield'];
const CO_B = ['Systems', 'Labs', 'Software', 'Analytics', 'Networks', 'Cooperative', 'Foundry', 'Works'];
const CO_SUFFIX = ['Ltd.', 'Inc.', 'GmbH', 'LLC'];
const COUNTRIES = ['Atlantis', 'Freedonia', 'Ruritania', 'Genovia', 'Elbonia', 'Borduria', 'Syldavia', 'Latveria', 'Wakanda', 'Zubrowka'];
const WORDS = [
  'docs',
  'onboarding',
  'release',
  'tests',
  'mentoring',
  'meetings',
  'roadmap',
  'review',
  'issues',
  'community',
  'tooling',
  'build',
  'ci',
  'website',
  'translations',
  'slow',
  'great',
  'confusing',
  'helpful',
  'more',
  'less',
  'the',
  'a',
  'and',
  'was',
  'were',
  'would',
  'like',
  'process',
  'examples',
];

/** Make one data row (without its line terminator). */
function makeRow(i, rnd, email) {
  const pick = (arr) => arr[(rnd() * arr.length) | 0];
  const ts = new Date(Date.UTC(2024, 0, 1) + i * 7919 + ((rnd() * 1000) | 0)).toISOString().slice(0, 19) + 'Z';
  const name = (n) => {
    let s = '';
    for (let k = 0; k < n; k++) s += pick(SYL);
    return s[0].toUpperCase() + s.slice(1);
  };
  const first = name(2 + ((rnd() * 2) | 0));
  const last = name(2 + ((rnd() * 2) | 0));
  const mail = email ?? `user${String(i).padStart(6, '0')}@example.com`;
  const gh = email ? 'bench-subject' : rnd() < 0.25 ? '' : `${first.toLowerCase()}-${last[0].toLowerCase()}${(rnd() * 1000) | 0}`;
  let company = `${pick(CO_A)} ${pick(CO_B)}`;
  if (rnd() < 0.1) company = `"${company}, ${pick(CO_SUFFIX)}"`; // a quoted field with a comma
  const country = pick(COUNTRIES);
  const words = [];
  const nw = 2 + ((rnd() * 13) | 0);
  for (let k = 0; k < nw; k++) words.push(pick(WORDS));
  let comment = words.join(' ');
  const r = rnd();
  if (email) comment = 'please remove my data after the report';
  else if (r < 0.002)
    comment = `"${words.slice(0, 4).join(' ')}\n${words.slice(4).join(' ')}"`; // multi-line
  else if (r < 0.004)
    comment = `"they said ""${words[0]}"" was ${words[1]}"`; // escaped quotes
  else if (r < 0.1) comment = `"${words.slice(0, 3).join(' ')}, ${words.slice(3).join(' ')}"`; // comma inside
  return `${ts},${mail},${first} ${last},${gh},${company},${country},${comment}`;
}

export function configYaml() {
  return `# Written by bench/generate.js: the benchmark's config (fictional controller, one CSV source).
controller:
  name: Benchmark Project (fictional)
  contact: privacy@bench.example
  responseDays: 30

stateDir: state

sources:
  - name: bench-survey
    kind: csv
    path: ${DATA_FILE}
    match: { email: [Email], github: [GitHub] }
    erase: delete-row
`;
}

export function readManifest(dir) {
  try {
    return JSON.parse(readFileSync(join(dir, MANIFEST_FILE), 'utf8'));
  } catch {
    return null;
  }
}

/** Generate (or reuse) the data set; returns its manifest. */
export async function generate({ rows = DEFAULT_ROWS, seed = DEFAULT_SEED, dir = DEFAULT_DIR, force = false, log = () => {} } = {}) {
  if (!Number.isInteger(rows) || rows < 10) throw new Error(`--rows must be an integer ≥ 10 (got ${rows})`);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, DATA_FILE);
  writeFileSync(join(dir, CONFIG_FILE), configYaml());
  const old = readManifest(dir);
  if (!force && old && old.rows === rows && old.seed === seed && old.version === GENERATOR_VERSION && existsSync(file) && statSync(file).size === old.bytes) {
    log(`reusing ${file} (${rows} rows, ${(old.bytes / 1e6).toFixed(1)} MB)`);
    return old;
  }
  log(`generating ${file} (${rows} rows)...`);
  const rnd = mulberry32(seed);
  const subjectAt = new Map(SUBJECT_ROWS.map((s) => [Math.floor(rows * s.at), s.email]));
  const out = createWriteStream(file);
  let bytes = 0;
  let lines = 0; // newline characters in the file (a multi-line record has more than one)
  const subjectRows = []; // where the subject's rows are, for the benchmark's checks
  let chunk = 'Timestamp,Email,Name,GitHub,Company,Country,Comments\n';
  lines = 1;
  for (let i = 0; i < rows; i++) {
    const email = subjectAt.get(i);
    const row = makeRow(i, rnd, email) + '\n';
    if (email) subjectRows.push({ line: lines + 1, email, bytes: Buffer.byteLength(row) });
    for (let k = row.indexOf('\n'); k !== -1; k = row.indexOf('\n', k + 1)) lines++;
    chunk += row;
    if (chunk.length >= 1 << 16) {
      bytes += Buffer.byteLength(chunk);
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  bytes += Buffer.byteLength(chunk);
  out.end(chunk);
  await once(out, 'finish');
  const manifest = { version: GENERATOR_VERSION, rows, seed, bytes, lines, subject: SUBJECT, subjectRows };
  writeFileSync(join(dir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  log(`wrote ${file}: ${(bytes / 1e6).toFixed(1)} MB, ${(bytes / rows).toFixed(0)} bytes a row`);
  return manifest;
}

function parseArgs(argv) {
  const opts = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--rows') opts.rows = Number(val().replace(/_/g, ''));
    else if (a === '--seed') opts.seed = Number(val());
    else if (a === '--out') opts.dir = resolve(val());
    else if (a === '--force') opts.force = true;
    else throw new Error(`unknown option ${a} (options: --rows N, --seed S, --out DIR, --force)`);
  }
  return opts;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    await generate({ ...parseArgs(process.argv.slice(2)), log: (m) => process.stderr.write(`${m}\n`) });
  } catch (err) {
    process.stderr.write(`generate: ${err.message}\n`);
    process.exit(2);
  }
}
