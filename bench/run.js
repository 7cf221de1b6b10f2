#!/usr/bin/env node
// privacyctl benchmarks (not part of `npm test`): `npm run bench [-- --rows N --runs K]`.
// Generates bench/data/ if needed (see generate.js), runs each case K times against a baseline
// with a warm page cache, checks every run's result, and prints one markdown table on stdout.
// Progress and notes go to stderr. Exit code: 1 if a run fails its check (never timed as a
// success); with --strict also 1 when a target is missed.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONFIG_FILE, DATA_FILE, DEFAULT_DIR, DEFAULT_ROWS, SUBJECT, generate } from './generate.js';
import { GNU_TIME, log, measure as measureIn, median, secs, parseOptions } from './lib.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = join(ROOT, 'bin', 'privacyctl.js');
const TARGET_RATIO = 4; // find vs grep -c -F
const TARGET_ERASE_RATIO = 3; // erase --apply vs a grep -v rewrite
const TARGET_RSS_MIB = 150;

class CheckFailed extends Error {}

const haveGnuTime = existsSync(GNU_TIME);
const timeOut = join(DEFAULT_DIR, '.time.out');
const measure = (cmd, args, opts = {}) => measureIn(cmd, args, { cwd: ROOT, timeOut, ...opts });

function expect(cond, what, r) {
  if (!cond) {
    const detail = r ? `\n  exit ${r.status}\n  stdout: ${r.stdout.slice(0, 600)}\n  stderr: ${r.stderr.slice(0, 600)}` : '';
    throw new CheckFailed(`check failed: ${what}${detail}`);
  }
}

function countLines(file) {
  const r = spawnSync('wc', ['-l', file]);
  return Number(String(r.stdout).trim().split(/\s+/)[0]);
}

const flush = () => spawnSync('sync'); // write back dirty pages outside the timing

// ---- cases ----

function findCase(data, manifest, runs) {
  const cfg = join(data, CONFIG_FILE);
  const file = join(data, DATA_FILE);
  const exactRows = manifest.subjectRows.filter((s) => s.email === SUBJECT).length;
  const pc = () => {
    const r = measure(process.execPath, [CLI, '--json', '-q', '-c', cfg, 'find', '--email', SUBJECT]);
    expect(r.status === 0, `privacyctl find exited ${r.status}`, r);
    let j;
    try {
      j = JSON.parse(r.stdout);
    } catch {
      expect(false, 'privacyctl find printed no JSON', r);
    }
    expect(j.summary?.records === manifest.subjectRows.length, `find reported ${j.summary?.records} records, expected ${manifest.subjectRows.length}`, r);
    return r;
  };
  const base = () => {
    const r = measure('grep', ['-c', '-F', SUBJECT, file]);
    expect(r.status === 0 && Number(r.stdout.trim()) === exactRows, `grep -c printed ${r.stdout.trim()}, expected ${exactRows}`, r);
    return r;
  };
  return timeBoth('find', runs, pc, base);
}

function eraseCase(data, manifest, runs) {
  const src = join(data, DATA_FILE);
  const dir = join(data, 'erase-run');
  const copy = join(dir, DATA_FILE);
  const baseOut = join(dir, 'grep-out.csv');
  const cfg = join(dir, CONFIG_FILE);
  const all = manifest.subjectRows;
  const exact = all.filter((s) => s.email === SUBJECT);
  const sum = (rows) => rows.reduce((n, s) => n + s.bytes, 0);
  const fresh = () => {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    copyFileSync(join(data, CONFIG_FILE), cfg); // paths in it are relative to its directory
    copyFileSync(src, copy);
    flush();
  };
  const pc = () => {
    fresh();
    const r = measure(process.execPath, [CLI, '--json', '-q', '-c', cfg, 'erase', '--email', SUBJECT, '--apply', '--yes']);
    expect(r.status === 0, `privacyctl erase exited ${r.status}`, r);
    let j;
    try {
      j = JSON.parse(r.stdout);
    } catch {
      expect(false, 'privacyctl erase printed no JSON receipt', r);
    }
    expect(j.summary?.erased === all.length && j.summary?.failed === 0, `erase receipt: ${JSON.stringify(j.summary)}, expected ${all.length} erased`, r);
    // N-3 data rows, and exactly the subject's bytes gone (every other row copied byte for byte).
    const lines = countLines(copy);
    expect(lines === manifest.lines - all.length, `after erase the copy has ${lines} lines, expected ${manifest.lines - all.length}`);
    const size = statSync(copy).size;
    expect(size === manifest.bytes - sum(all), `after erase the copy is ${size} bytes, expected ${manifest.bytes - sum(all)}`);
    return r;
  };
  const base = () => {
    fresh();
    const r = measure('grep', ['-v', '-F', SUBJECT, copy], { stdoutFile: baseOut });
    expect(r.status === 0, `grep -v exited ${r.status}`, r);
    const size = statSync(baseOut).size;
    expect(size === manifest.bytes - sum(exact), `grep -v wrote ${size} bytes, expected ${manifest.bytes - sum(exact)}`);
    return r;
  };
  try {
    return timeBoth('erase', runs, pc, base);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One untimed warm-up of each, then `runs` alternating timed runs. */
function timeBoth(name, runs, pc, base) {
  log(`${name}: warm-up`);
  pc();
  base();
  const p = [];
  const b = [];
  for (let i = 0; i < runs; i++) {
    p.push(pc());
    b.push(base());
    log(
      `${name}: run ${i + 1}/${runs}: privacyctl ${secs(p[i].ms)} (cpu ${secs(p[i].cpuMs)}, ${(p[i].rssKiB / 1024).toFixed(0)} MiB), ` +
        `baseline ${secs(b[i].ms)} (cpu ${secs(b[i].cpuMs)})`,
    );
  }
  return {
    pcMs: median(p.map((r) => r.ms)),
    baseMs: median(b.map((r) => r.ms)),
    pcCpuMs: median(p.map((r) => r.cpuMs)),
    baseCpuMs: median(b.map((r) => r.cpuMs)),
    rssMiB: Math.max(...p.map((r) => r.rssKiB)) / 1024,
    baseRssMiB: Math.max(...b.map((r) => r.rssKiB)) / 1024,
  };
}

// ---- main ----

async function main() {
  const opts = parseOptions(process.argv.slice(2), { rows: DEFAULT_ROWS, runs: 5, strict: false });
  if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js'))) throw new Error('dist/ is missing: run `npm run bench` (which builds first) or `npm run build`');
  if (!haveGnuTime) log(`note: ${GNU_TIME} not found; peak RSS will be reported as n/a`);
  const manifest = await generate({ rows: opts.rows, log });
  const mb = (manifest.bytes / 1e6).toFixed(0);
  log(`data: ${opts.rows.toLocaleString('en')} rows, ${mb} MB; ${opts.runs} runs per case; node ${process.version}`);

  const startup = measure(process.execPath, [CLI, '--version']);
  log(`privacyctl --version (startup alone): ${secs(startup.ms)} (cpu ${secs(startup.cpuMs)}), ${(startup.rssKiB / 1024).toFixed(0)} MiB`);
  const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  const loadBefore = existsSync('/proc/loadavg') ? load() : 'n/a';

  const find = findCase(DEFAULT_DIR, manifest, opts.runs);
  const erase = eraseCase(DEFAULT_DIR, manifest, opts.runs);
  rmSync(timeOut, { force: true });
  for (const [name, c] of [
    ['find', find],
    ['erase', erase],
  ]) {
    log(
      `${name}: median cpu (user+sys) privacyctl ${secs(c.pcCpuMs)}, baseline ${secs(c.baseCpuMs)} (${c.baseCpuMs > 0 ? `${(c.pcCpuMs / c.baseCpuMs).toFixed(1)}×` : 'baseline below the 10 ms resolution'})`,
    );
  }
  log(`load average before: ${loadBefore}; after: ${existsSync('/proc/loadavg') ? load() : 'n/a'} (${(await import('node:os')).availableParallelism()} CPUs)`);

  const rss = (m) => (Number.isNaN(m) ? 'n/a' : `${m.toFixed(0)} MiB`);
  const findRatio = find.pcMs / find.baseMs;
  const eraseRatio = erase.pcMs / erase.baseMs;
  const rssOk = (c) => Number.isNaN(c.rssMiB) || c.rssMiB < TARGET_RSS_MIB;
  const findPass = findRatio <= TARGET_RATIO && rssOk(find);
  const erasePass = eraseRatio <= TARGET_ERASE_RATIO && rssOk(erase);
  // On a shared, loaded machine wall time varies a lot: CPU time (user + sys) is shown beside it.
  const cpu = (c) => `${secs(c.pcCpuMs)} / ${secs(c.baseCpuMs)}${c.baseCpuMs > 0 ? ` (${(c.pcCpuMs / c.baseCpuMs).toFixed(1)}×)` : ''}`;
  const rows = opts.rows.toLocaleString('en');
  const table = [
    `| case (${rows} rows, ${mb} MB, median of ${opts.runs}) | privacyctl | baseline | ratio | CPU privacyctl / baseline | peak RSS (privacyctl) | target | result |`,
    '|---|---|---|---|---|---|---|---|',
    `| \`find --email ${SUBJECT}\` vs \`grep -c -F\` | ${secs(find.pcMs)} | ${secs(find.baseMs)} | ${findRatio.toFixed(1)}× | ${cpu(find)} | ${rss(find.rssMiB)} | ≤ ${TARGET_RATIO}× grep, < ${TARGET_RSS_MIB} MiB | ${findPass ? 'pass' : 'FAIL'} |`,
    `| \`erase --email ${SUBJECT} --apply --yes\` vs \`grep -v -F > copy\` | ${secs(erase.pcMs)} | ${secs(erase.baseMs)} | ${eraseRatio.toFixed(1)}× | ${cpu(erase)} | ${rss(erase.rssMiB)} | ≤ ${TARGET_ERASE_RATIO}× grep -v, < ${TARGET_RSS_MIB} MiB | ${erasePass ? 'pass' : 'FAIL'} |`,
  ];
  process.stdout.write(`${table.join('\n')}\n`);
  if (opts.strict && !(findPass && erasePass)) process.exitCode = 1;
}

main().catch((err) => {
  log(err instanceof CheckFailed ? err.message : `bench: ${err.stack ?? err}`);
  process.exitCode = 1;
});
