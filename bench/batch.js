#!/usr/bin/env node
// Batch benchmark (not part of `npm test`):
//   npm run build && node bench/batch.js [--subjects N] [--messages N] [--runs K]   the 1 GiB mbox
//   node bench/batch.js --csv [--rows N]                                             the 1M-row CSV
// mbox: the archive of bench/mbox.js (generated there if missing: ~1 GiB, 300,000 messages);
// csv: the survey of bench/generate.js (generated if missing: 1,000,000 rows, ~150 MB). Times,
// warm page cache, median of K runs:
//   one:   privacyctl find --email <the bench subject>
//   batch: privacyctl batch <N erasure requests> (planned, not applied): the bench subject and
//          N-1 others from the data (mbox: list members, each in ~0.007 % of the messages; csv:
//          respondents, one row each)
// Target: batch of 100 under 2× one. Checks that the batch found, for the bench subject, the same
// records as `find`, and a status line per request. Progress on stderr; a markdown table on stdout.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generate as generateCsv } from './generate.js';
import { check, log, measure as measureIn, median, mulberry32, parseOptions } from './lib.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = join(ROOT, 'bin', 'privacyctl.js');
const SUBJECT = 'bench.subject@example.org';

/** The data set: its config, and how many people it has to draw the batch's other subjects from. */
async function dataSet(o) {
  if (o.csv) {
    const dir = join(ROOT, 'bench', 'data');
    const manifest = await generateCsv({ rows: o.rows, dir, log });
    return { dir, people: o.rows, what: `${o.rows.toLocaleString('en')} CSV rows, ${(manifest.bytes / 2 ** 20).toFixed(0)} MiB` };
  }
  const dir = join(ROOT, 'bench', 'data', 'mail');
  const manifestFile = join(dir, 'manifest.json');
  const manifestOk = () => existsSync(manifestFile) && JSON.parse(readFileSync(manifestFile, 'utf8')).messages === o.messages;
  if (!manifestOk()) {
    log('generating the archive with bench/mbox.js (one timed run there as a side effect)');
    const g = spawnSync(process.execPath, [join(ROOT, 'bench', 'mbox.js'), '--messages', String(o.messages), '--runs', '1'], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    check(g.status === 0 && manifestOk(), 'bench/mbox.js could not generate the archive');
  }
  const manifest = JSON.parse(readFileSync(manifestFile, 'utf8'));
  // bench/mbox.js's senders are user000000…user019999@example.com
  return { dir, people: 20_000, what: `${o.messages.toLocaleString('en')} messages, ${(manifest.bytes / 2 ** 30).toFixed(2)} GiB` };
}

async function main() {
  const o = parseOptions(process.argv.slice(2), { subjects: 100, messages: 300_000, rows: 1_000_000, runs: 3, csv: false });
  const data = await dataSet(o);
  const CONFIG = join(data.dir, 'privacyctl.yaml');
  const REQUESTS = join(data.dir, 'batch-requests.ndjson');
  const measure = (args) => measureIn(process.execPath, [CLI, '-q', '-c', CONFIG, ...args], { cwd: ROOT });
  const rnd = mulberry32(7);
  const others = new Set();
  while (others.size < o.subjects - 1) others.add(`user${String(Math.floor(rnd() * data.people)).padStart(6, '0')}@example.com`);
  const emails = [SUBJECT, ...others];
  writeFileSync(REQUESTS, emails.map((e, i) => `${JSON.stringify({ type: 'erasure', email: e, request_id: `b-${i}` })}\n`).join(''));

  const one = () => {
    const r = measure(['--json', 'find', '--email', SUBJECT]);
    check(r.status === 0, 'find exited non-zero', r);
    return { ...r, records: JSON.parse(r.stdout).summary.records };
  };
  const batch = () => {
    const r = measure(['batch', REQUESTS]);
    check(r.status === 0, 'batch exited non-zero', r);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    check(lines.length === emails.length, `batch printed ${lines.length} status lines, expected ${emails.length}`, r);
    return { ...r, lines };
  };
  log(`warm-up (${data.what}, ${o.subjects} subjects)`);
  const w1 = one();
  const w2 = batch();
  const mine = w2.lines.find((l) => l.request_id === 'b-0');
  check(mine.records === w1.records, `the batch found ${mine.records} records for the bench subject, find found ${w1.records}`);
  const found = w2.lines.reduce((t, l) => t + l.records, 0);
  const a = [];
  const b = [];
  for (let i = 0; i < o.runs; i++) {
    a.push(one());
    b.push(batch());
    log(`run ${i + 1}/${o.runs}: one ${(a[i].ms / 1000).toFixed(2)} s, batch ${(b[i].ms / 1000).toFixed(2)} s (${(b[i].rssKiB / 1024).toFixed(0)} MiB)`);
  }
  const am = median(a.map((r) => r.ms));
  const bm = median(b.map((r) => r.ms));
  const ratio = bm / am;
  console.log(`| case (${data.what}, median of ${o.runs}) | wall | peak RSS |`);
  console.log('|---|---|---|');
  console.log(
    `| \`find --email\` one subject (${w1.records} records) | ${(am / 1000).toFixed(2)} s | ${(median(a.map((r) => r.rssKiB)) / 1024).toFixed(0)} MiB |`,
  );
  console.log(
    `| \`batch\` of ${o.subjects} erasure requests, planned (${found} records in all) | ${(bm / 1000).toFixed(2)} s | ${(median(b.map((r) => r.rssKiB)) / 1024).toFixed(0)} MiB |`,
  );
  console.log(
    `\nbatch / one = **${ratio.toFixed(2)}×** (target < 2×: ${ratio < 2 ? 'pass' : 'FAIL'}); ${o.subjects} separate runs would take about ${((am * o.subjects) / 1000).toFixed(0)} s.`,
  );
}

await main();
