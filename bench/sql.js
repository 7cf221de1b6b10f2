#!/usr/bin/env node
// Benchmark of the sql adapter (not part of `npm test`): `npm run build && node bench/sql.js
// [--rows N] [--runs K] [--no-pg]`. Builds an accounts database of N accounts with two sessions
// each (SQLite under bench/data/sql/, and a PostgreSQL database privacyctl_bench on
// 127.0.0.1:5432 as user postgres), then times the real CLI: `find` with and without an index on
// lower(email), and `erase --apply` (one transaction, children first). Every run is checked.
// Prints one markdown table on stdout; progress on stderr. See bench/sql.md.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import pg from 'pg';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = join(ROOT, 'bin', 'privacyctl.js');
const DIR = join(ROOT, 'bench', 'data', 'sql');
const SUBJECT = 'bench.subject@example.org';
const PG = { host: '127.0.0.1', port: 5432, user: 'postgres' };
const PG_DB = 'privacyctl_bench';

const opts = { rows: 200_000, runs: 5, pg: true };
for (let i = 2; i < process.argv.length; i++) {
  const a = process.argv[i];
  if (a === '--rows') opts.rows = Number(process.argv[++i]);
  else if (a === '--runs') opts.runs = Number(process.argv[++i]);
  else if (a === '--no-pg') opts.pg = false;
  else throw new Error(`unknown option ${a} (options: --rows N, --runs K, --no-pg)`);
}
if (!Number.isInteger(opts.rows) || opts.rows < 10 || !Number.isInteger(opts.runs) || opts.runs < 1)
  throw new Error('--rows and --runs need positive integers');
if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js'))) throw new Error('run `npm run build` first');

const log = (m) => process.stderr.write(`${m}\n`);
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const SUBJECT_ID = Math.floor(opts.rows / 2);

// The same schema and data in both databases: N accounts, 2 sessions each; the subject's
// account in the middle, spelt with capitals; one near miss (joann-style) next to it.
const SCHEMA = `
CREATE TABLE accounts (id INTEGER PRIMARY KEY, email TEXT NOT NULL, github_login TEXT, display_name TEXT, ga_client_id TEXT, last_login_ip TEXT);
CREATE TABLE sessions (id INTEGER PRIMARY KEY, account_id INTEGER NOT NULL REFERENCES accounts (id), ip TEXT, user_agent TEXT);
CREATE INDEX sessions_account ON sessions (account_id);`;
const SUBJECT_FIX = `
UPDATE accounts SET email = 'Bench.Subject@Example.ORG', github_login = 'bench-subject' WHERE id = ${SUBJECT_ID};
UPDATE accounts SET email = 'xbench.subject@example.org' WHERE id = ${SUBJECT_ID + 1};`;

function buildSqlite(file) {
  rmSync(file, { force: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.exec(SCHEMA);
  db.exec(`WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < ${opts.rows})
    INSERT INTO accounts SELECT x, 'user' || printf('%07d', x) || '@example.com', 'user-' || x, 'User ' || x, 'GA1.2.' || (1000000000 + x) || '.1700000000', '10.' || (x / 65536 % 256) || '.' || (x / 256 % 256) || '.' || (x % 256) FROM n`);
  db.exec(
    `INSERT INTO sessions SELECT id * 2, id, last_login_ip, 'Mozilla/5.0 bench' FROM accounts; INSERT INTO sessions SELECT id * 2 + 1, id, last_login_ip, 'curl/8' FROM accounts`,
  );
  db.exec(SUBJECT_FIX);
  db.close();
}

async function pgQuery(database, sql) {
  const c = new pg.Client({ ...PG, database });
  await c.connect();
  try {
    return await c.query(sql);
  } finally {
    await c.end();
  }
}

async function buildPg() {
  await pgQuery('postgres', `DROP DATABASE IF EXISTS ${PG_DB} WITH (FORCE)`);
  await pgQuery('postgres', `CREATE DATABASE ${PG_DB} TEMPLATE template0 ENCODING 'UTF8'`);
  await pgQuery(
    PG_DB,
    `${SCHEMA}
    INSERT INTO accounts SELECT x, 'user' || lpad(x::text, 7, '0') || '@example.com', 'user-' || x, 'User ' || x, 'GA1.2.' || (1000000000 + x) || '.1700000000', '10.' || (x / 65536 % 256) || '.' || (x / 256 % 256) || '.' || (x % 256) FROM generate_series(1, ${opts.rows}) x;
    INSERT INTO sessions SELECT id * 2, id, last_login_ip, 'Mozilla/5.0 bench' FROM accounts;
    INSERT INTO sessions SELECT id * 2 + 1, id, last_login_ip, 'curl/8' FROM accounts;
    ${SUBJECT_FIX}
    ANALYZE;`,
  );
}

function config(file, source) {
  writeFileSync(
    file,
    `controller: { name: Bench, contact: privacy@bench.example }
stateDir: state
sources:
  - name: site
    kind: sql
${source}
    tables:
      - table: accounts
        key: id
        match: { email: [email], github: [github_login] }
        reveals: { ga-client-id: ga_client_id, ip: last_login_ip }
      - table: sessions
        key: id
        via: { column: account_id, references: accounts.id }
`,
  );
}

function cli(cfg, args) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [CLI, '--json', '-q', '-c', cfg, ...args, '--no-expand'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  return { ms, code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The adapter's discover() alone, in this process: the database work without Node's startup. */
async function discoverInProcess(sourceYaml) {
  const { sqlFactory } = await import('../dist/adapters/sql/index.js');
  const { IdentityMatcher } = await import('../dist/core/identity.js');
  const source = sourceYaml.trim().startsWith('url:') ? { url: sourceYaml.trim().slice(4).trim() } : { sqlite: sourceYaml.trim().slice(7).trim() };
  const cfg = sqlFactory.schema.parse({
    name: 'site',
    kind: 'sql',
    ...source,
    tables: [
      { table: 'accounts', key: 'id', match: { email: ['email'], github: ['github_login'] }, reveals: { 'ga-client-id': 'ga_client_id', ip: 'last_login_ip' } },
      { table: 'sessions', key: 'id', via: { column: 'account_id', references: 'accounts.id' } },
    ],
  });
  const adapter = sqlFactory.create(cfg, { configDir: DIR, stateDir: join(DIR, 'state') });
  const ctx = { signal: new AbortController().signal, log: { info() {}, warn() {} }, stats: {} };
  const t0 = process.hrtime.bigint();
  let n = 0;
  for await (const x of adapter.discover(new IdentityMatcher([{ type: 'email', value: SUBJECT }]), ctx)) if (x.kind !== 'identity-link') n++;
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (n !== 3) throw new Error(`in-process discover: expected 3 records, got ${n}`);
  return ms;
}

function checkFind(r) {
  if (r.code !== 0) throw new Error(`find failed (exit ${r.code}): ${r.stderr.slice(0, 300)}`);
  const s = JSON.parse(r.stdout).sources[0];
  if (s.records !== 3) throw new Error(`find: expected 3 records (1 account, 2 sessions), got ${s.records}`);
}

function checkErase(r) {
  if (r.code !== 0) throw new Error(`erase failed (exit ${r.code}): ${r.stderr.slice(0, 300)}`);
  const j = JSON.parse(r.stdout);
  if (j.erased.length !== 3 || j.failed.length !== 0) throw new Error(`erase: expected 3 erased, 0 failed; got ${j.erased.length} / ${j.failed.length}`);
}

async function main() {
  mkdirSync(DIR, { recursive: true });
  const rows = [];
  const version = [];
  for (let i = 0; i < opts.runs; i++) {
    const t0 = process.hrtime.bigint();
    spawnSync(process.execPath, [CLI, '--version']);
    version.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  log(`node startup (--version): ${median(version).toFixed(0)} ms`);

  log(`building SQLite: ${opts.rows} accounts, ${2 * opts.rows} sessions`);
  const plain = join(DIR, 'site-noindex.db');
  buildSqlite(plain);
  const indexed = join(DIR, 'site.db');
  copyFileSync(plain, indexed);
  const idb = new Database(indexed);
  idb.exec('CREATE INDEX accounts_email_lower ON accounts (lower(email)); CREATE INDEX accounts_github_lower ON accounts (lower(github_login)); ANALYZE;');
  idb.close();

  const cases = [
    { name: 'find, SQLite, index on lower(email)', cfg: join(DIR, 'sqlite.yaml'), source: `    sqlite: site.db` },
    { name: 'find, SQLite, no index (table scan)', cfg: join(DIR, 'sqlite-noindex.yaml'), source: `    sqlite: site-noindex.db` },
  ];
  if (opts.pg) {
    log(`building PostgreSQL database ${PG_DB}`);
    await buildPg();
    cases.push({
      name: 'find, PostgreSQL, no index (seq scan)',
      cfg: join(DIR, 'pg-noindex.yaml'),
      source: `    url: postgres://postgres@127.0.0.1:5432/${PG_DB}`,
      pgIndex: false,
    });
    cases.push({
      name: 'find, PostgreSQL, index on lower(email)',
      cfg: join(DIR, 'pg.yaml'),
      source: `    url: postgres://postgres@127.0.0.1:5432/${PG_DB}`,
      pgIndex: true,
    });
  }
  for (const c of cases) {
    config(c.cfg, c.source);
    if (c.pgIndex)
      await pgQuery(
        PG_DB,
        'CREATE INDEX accounts_email_lower ON accounts (lower(email)); CREATE INDEX accounts_github_lower ON accounts (lower(github_login)); ANALYZE;',
      );
    checkFind(cli(c.cfg, ['find', '--email', SUBJECT])); // warm-up
    const times = [];
    for (let i = 0; i < opts.runs; i++) {
      const r = cli(c.cfg, ['find', '--email', SUBJECT]);
      checkFind(r);
      times.push(r.ms);
    }
    const inproc = [];
    for (let i = 0; i < opts.runs; i++) inproc.push(await discoverInProcess(c.source));
    rows.push([c.name, median(times), median(inproc)]);
    log(`${c.name}: ${median(times).toFixed(0)} ms (adapter alone ${median(inproc).toFixed(1)} ms)`);
  }

  // erase --apply: SQLite on a fresh copy per run; PostgreSQL with the rows put back after each run.
  const eraseCfg = join(DIR, 'sqlite-erase.yaml');
  config(eraseCfg, `    sqlite: erase-run.db`);
  const times = [];
  for (let i = 0; i < opts.runs; i++) {
    copyFileSync(indexed, join(DIR, 'erase-run.db'));
    rmSync(join(DIR, 'state'), { recursive: true, force: true });
    const r = cli(eraseCfg, ['erase', '--email', SUBJECT, '--apply', '--yes']);
    checkErase(r);
    times.push(r.ms);
  }
  rows.push(['erase --apply, SQLite, index (plan + one transaction)', median(times), undefined]);
  rmSync(join(DIR, 'erase-run.db'), { force: true });
  if (opts.pg) {
    const cfg = join(DIR, 'pg.yaml');
    const t2 = [];
    const restore = `INSERT INTO accounts VALUES (${SUBJECT_ID}, 'Bench.Subject@Example.ORG', 'bench-subject', 'User ${SUBJECT_ID}', 'GA1.2.1.1', '10.0.0.1');
      INSERT INTO sessions VALUES (${SUBJECT_ID * 2}, ${SUBJECT_ID}, '10.0.0.1', 'x'), (${SUBJECT_ID * 2 + 1}, ${SUBJECT_ID}, '10.0.0.1', 'y');`;
    for (let i = 0; i < opts.runs; i++) {
      rmSync(join(DIR, 'state'), { recursive: true, force: true });
      const r = cli(cfg, ['erase', '--email', SUBJECT, '--apply', '--yes']);
      checkErase(r);
      t2.push(r.ms);
      await pgQuery(PG_DB, restore);
    }
    rows.push(['erase --apply, PostgreSQL, index (plan + one transaction)', median(t2), undefined]);
    await pgQuery('postgres', `DROP DATABASE IF EXISTS ${PG_DB} WITH (FORCE)`);
  }
  rmSync(join(DIR, 'state'), { recursive: true, force: true });

  process.stdout.write(
    `| case (${opts.rows.toLocaleString('en')} accounts, ${(2 * opts.rows).toLocaleString('en')} sessions; median of ${opts.runs}) | CLI wall time | adapter discover() alone |\n|---|---|---|\n`,
  );
  process.stdout.write(`| node startup alone (\`privacyctl --version\`) | ${median(version).toFixed(0)} ms | |\n`);
  for (const [name, ms, inproc] of rows) process.stdout.write(`| ${name} | ${ms.toFixed(0)} ms | ${inproc === undefined ? '' : `${inproc.toFixed(1)} ms`} |\n`);
}

main().catch((err) => {
  log(`bench/sql.js: ${err.message}`);
  process.exit(1);
});
