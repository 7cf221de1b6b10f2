#!/usr/bin/env node
// CSV reading time against the length of a record (not part of `npm test`):
// `npm run bench:csv-long-record [-- --mb 50 --runs 3]`. Three files, each searched (`find`) and
// erased (`erase --apply`, on a fresh copy each run) by the real CLI:
// - normal: the survey of generate.js, ~55 MB of ~150-byte rows, 3 of them the subject's;
// - long record: 1,000 normal rows, then one record whose quoted Comments field is --mb MB on one
//   line (commas and escaped quotes in it), then the subject's row;
// - long subject row: the same, but the long record is the subject's.
// Every run is checked (the records found, the bytes left after the erasure); a failure is never
// timed. Figures: median wall time and the highest peak RSS; see csv-long-record.md.
import { copyFileSync, createReadStream, createWriteStream, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONFIG_FILE, DATA_FILE, SUBJECT, configYaml, generate } from './generate.js';
import { check, log, measure, median, mulberry32, parseOptions, secs } from './lib.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = join(ROOT, 'bin', 'privacyctl.js');
const DIR = join(ROOT, 'bench', 'data', 'long-record');
const NORMAL_ROWS = 370_000;
const SUBJECT_ROW = `2024-06-01T10:00:00Z,${SUBJECT},Bench Subject,bench-subject,Quayside Labs,Atlantis,please remove my data after the report\n`;

/** One record with a quoted field of `mb` MB on one line, as the row of `email`. */
async function writeLongFile(file, head, mb, email, tail) {
  const out = createWriteStream(file);
  const rnd = mulberry32(20250101);
  const words = ['lantern', 'harbour', 'release', 'notes', 'and', 'the', 'build', 'review', 'slow', 'great'];
  out.write(head);
  out.write(`2024-06-01T09:00:00Z,${email},Long Writer,long-writer,Mossbank Works,Genovia,"`);
  let left = mb * 1e6;
  while (left > 0) {
    let piece = '';
    while (piece.length < 1 << 16) {
      const w = words[(rnd() * words.length) | 0];
      const r = rnd();
      piece += r < 0.05 ? `""${w}"", ` : r < 0.2 ? `${w}, ` : `${w} `;
    }
    piece = piece.slice(0, Math.min(piece.length, left)).replace(/"+$/, ''); // never half of an escaped quote
    left -= piece.length;
    if (!out.write(piece)) await once(out, 'drain');
  }
  out.write(`"\n${tail}`);
  out.end();
  await once(out, 'finish');
}

/** The first `n` lines of a file (with their terminators). */
async function firstLines(file, n) {
  const lines = [];
  const rl = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  for await (const l of rl) {
    lines.push(`${l}\n`);
    if (lines.length === n) break;
  }
  rl.close();
  return lines.join('');
}

async function prepare(mb) {
  const normalDir = join(DIR, 'normal');
  const normal = await generate({ rows: NORMAL_ROWS, dir: normalDir, log });
  const head = await firstLines(join(normalDir, DATA_FILE), 1001); // the header and 1,000 rows, none the subject's
  check(!head.toLowerCase().includes(SUBJECT), "the first rows of the normal file are not the subject's");
  const cases = [
    {
      name: `normal (${(normal.bytes / 1e6).toFixed(0)} MB, ${NORMAL_ROWS.toLocaleString('en')} rows)`,
      dir: normalDir,
      records: normal.subjectRows.length,
      erasedBytes: normal.subjectRows.reduce((n, s) => n + s.bytes, 0),
    },
  ];
  for (const [key, email, tail, what] of [
    ['long', 'long.writer@example.com', SUBJECT_ROW, `one ${mb} MB record`],
    ['long-subject', SUBJECT, '', `one ${mb} MB record, the subject's`],
  ]) {
    const dir = join(DIR, `${key}-${mb}`);
    const file = join(dir, DATA_FILE);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, CONFIG_FILE), configYaml());
    if (!existsSync(file)) {
      log(`writing ${file}`);
      await writeLongFile(file, head, mb, email, tail);
    }
    const size = statSync(file).size;
    const erasedBytes = tail ? Buffer.byteLength(tail) : size - Buffer.byteLength(head);
    cases.push({ name: `${what} (${(size / 1e6).toFixed(0)} MB)`, dir, records: 1, erasedBytes });
  }
  return cases;
}

function runCase(c, runs) {
  const cfg = join(c.dir, CONFIG_FILE);
  const data = join(c.dir, DATA_FILE);
  const size = statSync(data).size;
  const find = () => {
    const r = measure(process.execPath, [CLI, '--json', '-q', '-c', cfg, 'find', '--email', SUBJECT], { cwd: c.dir });
    check(r.status === 0, `find exited ${r.status}`, r);
    check(JSON.parse(r.stdout).summary?.records === c.records, `find: ${c.records} records expected`, r);
    return r;
  };
  const work = join(c.dir, 'erase-run');
  const erase = () => {
    rmSync(work, { recursive: true, force: true });
    mkdirSync(work);
    copyFileSync(cfg, join(work, CONFIG_FILE));
    copyFileSync(data, join(work, DATA_FILE));
    const r = measure(process.execPath, [CLI, '--json', '-q', '-c', join(work, CONFIG_FILE), 'erase', '--email', SUBJECT, '--apply', '--yes'], { cwd: work });
    check(r.status === 0, `erase exited ${r.status}`, r);
    const left = statSync(join(work, DATA_FILE)).size;
    check(left === size - c.erasedBytes, `erase left ${left} bytes, ${size - c.erasedBytes} expected`, r);
    return r;
  };
  const out = {};
  for (const [name, fn] of [
    ['find', find],
    ['erase', erase],
  ]) {
    fn(); // warm-up: the page cache
    const rs = [];
    for (let i = 0; i < runs; i++) {
      rs.push(fn());
      log(`${c.name} ${name}: ${secs(rs[i].ms)}, ${(rs[i].rssKiB / 1024).toFixed(0)} MiB`);
    }
    out[name] = { ms: median(rs.map((r) => r.ms)), rssMiB: Math.max(...rs.map((r) => r.rssKiB)) / 1024 };
  }
  rmSync(work, { recursive: true, force: true });
  return out;
}

const opts = parseOptions(process.argv.slice(2), { mb: 50, runs: 3 });
if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js'))) throw new Error('run `npm run build` first');
const cases = await prepare(opts.mb);
const results = cases.map((c) => ({ c, r: runCase(c, opts.runs) }));
const normal = results[0].r;
console.log(`| file | find | erase --apply | peak RSS (find / erase) | erase vs normal |`);
console.log(`|---|---|---|---|---|`);
for (const { c, r } of results) {
  const mib = (x) => `${x.toFixed(0)} MiB`;
  console.log(
    `| ${c.name} | ${secs(r.find.ms)} | ${secs(r.erase.ms)} | ${mib(r.find.rssMiB)} / ${mib(r.erase.rssMiB)} | ${(r.erase.ms / normal.erase.ms).toFixed(2)}× |`,
  );
}
log(`node ${process.version}, ${opts.runs} runs per case (median), ${readFileSync('/proc/loadavg', 'utf8').trim()} load`);
