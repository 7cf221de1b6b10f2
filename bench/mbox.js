#!/usr/bin/env node
// mbox benchmark (not part of `npm test`): `npm run build && node bench/mbox.js [--messages N] [--runs K]`.
// Generates bench/data/mail/list.mbox (deterministic; ~3.6 KB a message, so 300,000 messages ≈
// 1 GiB; the subject in 0.1 % of them), then times `privacyctl find --email` against
// `grep -c -F <email>` on the same file, warm page cache, median of K runs, and reports peak RSS
// (GNU time %M). Progress on stderr; one markdown table on stdout. Exit 1 if a run's result is wrong.
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { measure as measureIn, median, check, log, parseOptions, mulberry32 } from './lib.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const measure = (cmd, args) => measureIn(cmd, args, { cwd: ROOT });
const CLI = join(ROOT, 'bin', 'privacyctl.js');
const DIR = join(ROOT, 'bench', 'data', 'mail');
const FILE = join(DIR, 'list.mbox');
const CONFIG = join(DIR, 'privacyctl.yaml');
const MANIFEST = join(DIR, 'manifest.json');
const SUBJECT = 'bench.subject@example.org';
const GENERATOR_VERSION = 2;




const SYL = ['lan', 'tern', 'fish', 'qua', 'ry', 'mo', 'del', 'ka', 'sto', 'ne', 'pi', 'ver', 'lo', 'ta', 'run', 'sel', 'dor', 'mi', 'zen', 'cro'];
const DAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Write the archive; returns the manifest (how many messages name the subject, and how). */
function generate(o) {
  mkdirSync(DIR, { recursive: true });
  const rnd = mulberry32(o.seed);
  const pick = (xs) => xs[Math.floor(rnd() * xs.length)];
  const word = () => pick(SYL) + pick(SYL) + (rnd() < 0.5 ? pick(SYL) : '');
  const name = () => {
    const w = word();
    return w[0].toUpperCase() + w.slice(1);
  };
  const user = (i) => `user${String(i).padStart(6, '0')}@example.com`;
  const sentence = () => {
    const n = 6 + Math.floor(rnd() * 12);
    const ws = [];
    for (let i = 0; i < n; i++) ws.push(word());
    const s = ws.join(' ');
    return s[0].toUpperCase() + s.slice(1) + '.';
  };
  const fd = openSync(FILE, 'w');
  let buf = [];
  let bufLen = 0;
  let bytes = 0;
  const out = (s) => {
    buf.push(s);
    bufLen += s.length;
    if (bufLen > 4 << 20) flush();
  };
  const flush = () => {
    const b = Buffer.from(buf.join(''), 'utf8');
    writeSync(fd, b);
    bytes += b.length;
    buf = [];
    bufLen = 0;
  };
  const m = { version: GENERATOR_VERSION, messages: o.messages, seed: o.seed, posts: 0, received: 0, grepLines: 0, nearMisses: 0, encoded: 0 };
  let t = Date.UTC(2015, 0, 1) / 1000;
  for (let i = 0; i < o.messages; i++) {
    t += Math.floor(rnd() * 900) + 1;
    const d = new Date(t * 1000);
    const asctime = `${DAYS[(d.getUTCDay() + 6) % 7]} ${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${d.toISOString().slice(11, 19)} ${d.getUTCFullYear()}`;
    const rfc = d.toUTCString().replace('GMT', '+0000');
    const r = rnd();
    // 0.1 %: the subject — two thirds as the sender (one in five spelt in capitals), one third in Cc
    let from = `${name()} ${name()} <${user(Math.floor(rnd() * 20000))}>`;
    let envelope = from.slice(from.indexOf('<') + 1, -1);
    let cc = rnd() < 0.3 ? `${name()} <${user(Math.floor(rnd() * 20000))}>` : '';
    let subjectLines = 0;
    if (r < 0.001) {
      if (rnd() < 2 / 3) {
        const spelt = rnd() < 0.2 ? 'Bench.Subject@Example.ORG' : SUBJECT;
        from = `Bench Subject <${spelt}>`;
        envelope = spelt;
        m.posts++;
        if (spelt === SUBJECT) subjectLines += 3; // envelope, Return-Path and From lines
      } else {
        cc = `Bench Subject <${SUBJECT}>`;
        m.received++;
        subjectLines += 1;
      }
    } else if (r < 0.0015) {
      cc = `Near Miss <x${SUBJECT}>`; // never a match, but the same bytes: decoded, then rejected
      m.nearMisses++;
      subjectLines += 1;
    }
    m.grepLines += subjectLines;
    let subject = `[dev] ${sentence().slice(0, 60)}`;
    if (rnd() < 0.03) {
      subject = `=?utf-8?q?${subject.replace(/ /g, '_').slice(0, 40)}=C3=A9?=`; // encoded words: stage-2 candidates
      m.encoded++;
    }
    const id = `<${i}.${Math.floor(rnd() * 1e9)}@lists.lanternfish.example>`;
    const reply = i > 0 && rnd() < 0.7 ? `In-Reply-To: <${i - 1}@lists.lanternfish.example>\nReferences: <${i - 1}@lists.lanternfish.example>\n` : '';
    out(
      `From ${envelope} ${asctime}\n` +
        `Return-Path: <${envelope}>\n` +
        `Received: from mail${Math.floor(rnd() * 99)}.example.com (mail.example.com [192.0.2.${Math.floor(rnd() * 254)}])\n\tby lists.lanternfish.example (Postfix) with ESMTPS id ${Math.floor(rnd() * 1e12).toString(16).toUpperCase()}\n\tfor <dev@lists.lanternfish.example>; ${rfc}\n` +
        `Received: from [10.0.0.${Math.floor(rnd() * 254)}] by mail.example.com with ESMTPSA; ${rfc}\n` +
        `DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.com; s=mail;\n\tbh=${Buffer.from(sentence()).toString('base64').slice(0, 44)};\n\tb=${Buffer.from(sentence() + sentence()).toString('base64').slice(0, 120)}\n` +
        `From: ${from}\n` +
        `To: dev@lists.lanternfish.example\n` +
        (cc ? `Cc: ${cc}\n` : '') +
        `Subject: ${subject}\n` +
        `Date: ${rfc}\n` +
        `Message-ID: ${id}\n` +
        reply +
        `List-Id: Lanternfish developers <dev.lists.lanternfish.example>\n` +
        `List-Unsubscribe: <https://lists.lanternfish.example/mailman/options/dev>, <mailto:dev-request@lists.lanternfish.example?subject=unsubscribe>\n` +
        `List-Archive: <https://lists.lanternfish.example/pipermail/dev/>\n` +
        `List-Post: <mailto:dev@lists.lanternfish.example>\n` +
        `MIME-Version: 1.0\nContent-Type: text/plain; charset="utf-8"\nContent-Transfer-Encoding: 7bit\n\n`,
    );
    const paras = 1 + Math.floor(rnd() * 6);
    for (let p = 0; p < paras; p++) {
      const lines = 2 + Math.floor(rnd() * 5);
      const quote = rnd() < 0.3 ? '> ' : '';
      for (let l = 0; l < lines; l++) out(`${quote}${sentence()} ${sentence()}\n`);
      if (rnd() < 0.01) out('>From the archives: an mboxrd-escaped line.\n');
      out('\n');
      if (rnd() < 0.002) out('From what I remember this was fixed in 1.2.\n\n'); // unescaped, after a blank line
    }
    out(`-- \n${name()}\n\n`);
  }
  flush();
  closeSync(fd);
  const manifest = { ...m, bytes };
  writeFileSync(MANIFEST, JSON.stringify(manifest, null, 2));
  writeFileSync(CONFIG, 'controller:\n  name: Bench (fictional)\n  contact: privacy@bench.example\nstateDir: state\nsources:\n  - name: dev-list\n    kind: mbox\n    paths: [list.mbox]\n');
  return manifest;
}




function main() {
  const o = parseOptions(process.argv.slice(2), { messages: 300_000, runs: 3, seed: 20240917 });
  if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js'))) throw new Error('dist/ is missing: run `npm run build` first');
  let manifest = existsSync(MANIFEST) ? JSON.parse(readFileSync(MANIFEST, 'utf8')) : null;
  if (!manifest || manifest.version !== GENERATOR_VERSION || manifest.messages !== o.messages || manifest.seed !== o.seed || !existsSync(FILE) || statSync(FILE).size !== manifest.bytes) {
    log(`generating ${o.messages} messages ...`);
    const t0 = Date.now();
    manifest = generate(o);
    log(`generated ${(manifest.bytes / 2 ** 20).toFixed(0)} MiB in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }
  const expected = manifest.posts + manifest.received;
  const pc = () => {
    const r = measure(process.execPath, [CLI, '--json', '-q', '-c', CONFIG, 'find', '--email', SUBJECT]);
    check(r.status === 0, `privacyctl find exited ${r.status}`, r);
    const j = JSON.parse(r.stdout);
    const s = j.sources.find((x) => x.name === 'dev-list');
    check(s.records === expected, `find reported ${s.records} records, expected ${expected}`, r);
    return r;
  };
  const grep = () => {
    const r = measure('grep', ['-c', '-F', SUBJECT, FILE]);
    check(Number(r.stdout.trim()) === manifest.grepLines, `grep -c printed ${r.stdout.trim()}, expected ${manifest.grepLines}`, r);
    return r;
  };
  log('warm-up');
  pc();
  grep();
  const p = [];
  const g = [];
  for (let i = 0; i < o.runs; i++) {
    p.push(pc());
    g.push(grep());
    log(`run ${i + 1}/${o.runs}: privacyctl ${(p[i].ms / 1000).toFixed(2)} s (cpu ${(p[i].cpuMs / 1000).toFixed(2)} s, ${(p[i].rssKiB / 1024).toFixed(0)} MiB), grep ${(g[i].ms / 1000).toFixed(2)} s`);
  }
  const pm = median(p.map((r) => r.ms));
  const gm = median(g.map((r) => r.ms));
  const rss = Math.max(...p.map((r) => r.rssKiB)) / 1024;
  const ratio = pm / gm;
  console.log(`| case (${o.messages.toLocaleString('en')} messages, ${(manifest.bytes / 2 ** 30).toFixed(2)} GiB, median of ${o.runs}) | privacyctl | grep -c -F | ratio | peak RSS | target | result |`);
  console.log('|---|---|---|---|---|---|---|');
  console.log(
    `| \`find --email ${SUBJECT}\` (${expected} records: ${manifest.posts} posts, ${manifest.received} received) | ${(pm / 1000).toFixed(2)} s | ${(gm / 1000).toFixed(2)} s | ${ratio.toFixed(1)}× | ${rss.toFixed(0)} MiB | ≤ 3× grep, < 200 MB | ${ratio <= 3 ? 'pass' : 'FAIL'} (time), ${rss * 1.048576 < 200 ? 'pass' : 'FAIL'} (RSS) |`,
  );
  log(`cpu: privacyctl ${(median(p.map((r) => r.cpuMs)) / 1000).toFixed(2)} s, grep ${(median(g.map((r) => r.cpuMs)) / 1000).toFixed(2)} s; ${manifest.encoded} messages with encoded-word subjects, ${manifest.nearMisses} near misses`);
}

main();
