#!/usr/bin/env node
// Batch benchmark (not part of `npm test`): `npm run build && node bench/batch.js [--subjects N] [--messages N] [--runs K]`.
// Uses the mbox archive of bench/mbox.js (generated there if missing: ~1 GiB, 300,000 messages),
// then times, warm page cache, median of K runs:
//   one:   privacyctl find --email <the bench subject>
//   batch: privacyctl batch <N erasure requests> (planned, not applied): the bench subject and
//          N-1 list members, each in ~0.01 % of the messages
// Target: batch of 100 under 2× one. Checks that the batch found, for the bench subject, the same
// records as `find`, and a status line per request. Progress on stderr; a markdown table on stdout.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { check, log, measure as measureIn, median, mulberry32, parseOptions } from './lib.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = join(ROOT, 'bin', 'privacyctl.js');
const DIR = join(ROOT, 'bench', 'data', 'mail');
const CONFIG = join(DIR, 'privacyctl.yaml');
const MANIFEST = join(DIR, 'manifest.json');
const REQUESTS = join(DIR, 'batch-requests.ndjson');
const SUBJECT = 'bench.subject@example.org';
const measure = (args) => measureIn(process.execPath, [CLI, '-q', '-c', CONFIG, ...args], { cwd: ROOT });

function main() {
  const o = parseOptions(process.argv.slice(2), { subjects: 100, messages: 300_000, runs: 3 });
  const manifestOk = () => existsSync(MANIFEST) && JSON.parse(readFileSync(MANIFEST, 'utf8')).messages === o.messages;
  if (!manifestOk()) {
    log('generating the archive with bench/mbox.js (one timed run there as a side effect)');
    const g = spawnSync(process.execPath, [join(ROOT, 'bench', 'mbox.js'), '--messages', String(o.messages), '--runs', '1'], { stdio: ['ignore', 'ignore', 'inherit'] });
    check(g.status === 0 && manifestOk(), 'bench/mbox.js could not generate the archive');
  }
  const manifest = JSON.parse(readFileSync(MANIFEST, 'utf8'));
  // N-1 list members (bench/mbox.js writes user000000…user019999@example.com), chosen at random
  const rnd = mulberry32(7);
  const others = new Set();
  while (others.size < o.subjects - 1) others.add(`user${String(Math.floor(rnd() * 20000)).padStart(6, '0')}@example.com`);
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
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    check(lines.length === emails.length, `batch printed ${lines.length} status lines, expected ${emails.length}`, r);
    return { ...r, lines };
  };
  log(`warm-up (${(manifest.bytes / 2 ** 30).toFixed(2)} GiB, ${o.subjects} subjects)`);
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
  console.log(`| case (${o.messages.toLocaleString('en')} messages, ${(manifest.bytes / 2 ** 30).toFixed(2)} GiB, median of ${o.runs}) | wall | peak RSS |`);
  console.log('|---|---|---|');
  console.log(`| \`find --email\` one subject (${w1.records} records) | ${(am / 1000).toFixed(2)} s | ${(median(a.map((r) => r.rssKiB)) / 1024).toFixed(0)} MiB |`);
  console.log(`| \`batch\` of ${o.subjects} erasure requests, planned (${found} records in all) | ${(bm / 1000).toFixed(2)} s | ${(median(b.map((r) => r.rssKiB)) / 1024).toFixed(0)} MiB |`);
  console.log(`\nbatch / one = **${ratio.toFixed(2)}×** (target < 2×: ${ratio < 2 ? 'pass' : 'FAIL'}); ${o.subjects} separate runs would take about ${((am * o.subjects) / 1000).toFixed(0)} s.`);
}

main();
