#!/usr/bin/env node
// mbox benchmark (not part of `npm test`): `npm run build && node bench/mbox.js [--messages N] [--runs K]`;
// `--real` for the realistic archive against Python's mailbox (see generateReal, bench/mbox.md).
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
        `Received: from mail${Math.floor(rnd() * 99)}.example.com (mail.example.com [192.0.2.${Math.floor(rnd() * 254)}])\n\tby lists.lanternfish.example (Postfix) with ESMTPS id ${Math.floor(
          rnd() * 1e12,
        )
          .toString(16)
          .toUpperCase()}\n\tfor <dev@lists.lanternfish.example>; ${rfc}\n` +
        `Received: from [10.0.0.${Math.floor(rnd() * 254)}] by mail.example.com with ESMTPSA; ${rfc}\n` +
        `DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.com; s=mail;\n\tbh=${Buffer.from(sentence()).toString('base64').slice(0, 44)};\n\tb=${Buffer.from(
          sentence() + sentence(),
        )
          .toString('base64')
          .slice(0, 120)}\n` +
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
  writeFileSync(
    CONFIG,
    'controller:\n  name: Bench (fictional)\n  contact: privacy@bench.example\nstateDir: state\nsources:\n  - name: dev-list\n    kind: mbox\n    paths: [list.mbox]\n',
  );
  return manifest;
}

// ---- the realistic case (`--real`): a list archive as real lists have them ----
//
// Like a real development list's archive: MIME multipart mail with base64 attachments (logs,
// screenshots), quoted-printable text, git-send-email patch series with their References, long
// threads, encoded-word names, Mailman's headers — and the subject in the address headers of
// 65 % of the messages (a very active poster: 40 % their posts, 25 % addressed to them). Measured
// against Python's `mailbox` module reading the address headers of every message of the file.
const REAL_FILE = join(DIR, 'real.mbox');
const REAL_MANIFEST = join(DIR, 'real-manifest.json');
const REAL_CONFIG = join(DIR, 'real.yaml');
const REAL_VERSION = 1;
const PY_BASELINE = `
import mailbox, sys
from email.utils import getaddresses
want = sys.argv[2].lower()
n = hits = 0
for msg in mailbox.mbox(sys.argv[1], create=False):
    n += 1
    values = []
    for h in ('From', 'Sender', 'Reply-To', 'To', 'Cc'):
        values += [str(v) for v in msg.get_all(h, [])]
    if any(a.lower() == want for _, a in getaddresses(values)):
        hits += 1
print(n, hits)
`;

function generateReal(o) {
  mkdirSync(DIR, { recursive: true });
  const rnd = mulberry32(o.seed);
  const pick = (xs) => xs[Math.floor(rnd() * xs.length)];
  const word = () => pick(SYL) + pick(SYL) + (rnd() < 0.5 ? pick(SYL) : '');
  const cap = (w) => w[0].toUpperCase() + w.slice(1);
  const sentence = () => {
    const ws = [];
    for (let i = 6 + Math.floor(rnd() * 12); i > 0; i--) ws.push(word());
    return cap(ws.join(' ')) + '.';
  };
  const people = Array.from({ length: 400 }, (_, i) => ({
    name: `${cap(word())} ${cap(word())}`,
    addr: `${word()}.${i}@example.${pick(['com', 'net', 'org'])}`,
  }));
  const fd = openSync(REAL_FILE, 'w');
  let bytes = 0;
  const out = (s) => {
    const b = Buffer.from(s, 'utf8');
    writeSync(fd, b);
    bytes += b.length;
  };
  const m = { version: REAL_VERSION, messages: o.messages, seed: o.seed, posts: 0, received: 0, multipart: 0, attachments: 0, qp: 0, patches: 0 };
  const ids = [];
  let t = Date.UTC(2019, 0, 1) / 1000;
  let thread = [];
  for (let i = 0; i < o.messages; i++) {
    t += Math.floor(rnd() * 4000) + 1;
    const d = new Date(t * 1000);
    const asctime = `${DAYS[(d.getUTCDay() + 6) % 7]} ${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${d.toISOString().slice(11, 19)} ${d.getUTCFullYear()}`;
    const rfc = d.toUTCString().replace('GMT', '+0000');
    const r = rnd();
    let sender = pick(people);
    const to = ['dev@lists.lanternfish.example'];
    const cc = [];
    if (r < 0.4) {
      sender = { name: rnd() < 0.2 ? '=?utf-8?q?Bench_Subj=C3=A9ct?=' : 'Bench Subject', addr: rnd() < 0.1 ? 'Bench.Subject@Example.ORG' : SUBJECT };
      m.posts++;
    } else if (r < 0.65) {
      (rnd() < 0.5 ? cc : to).push(`Bench Subject <${SUBJECT}>`);
      m.received++;
    }
    for (let k = Math.floor(rnd() * 3); k > 0; k--) cc.push(`"${pick(people).name}" <${pick(people).addr}>`);
    // threads: 85 % of messages continue the current thread (up to 40 deep), References growing
    if (thread.length === 0 || thread.length > 40 || rnd() < 0.15) thread = [];
    const kind = rnd();
    const isPatch = kind < 0.12;
    const id = isPatch
      ? `<${d.toISOString().replace(/\D/g, '').slice(0, 14)}.${1000 + i}-1-${sender.addr.toLowerCase()}>`
      : `<${i}.${Math.floor(rnd() * 1e9)}@${sender.addr.split('@')[1].toLowerCase()}>`;
    const subjectLine = `${thread.length ? 'Re: ' : ''}${isPatch ? '[PATCH] ' : ''}${sentence().slice(0, 60)}`;
    let head =
      `From ${sender.addr} ${asctime}\n` +
      `Return-Path: <${sender.addr}>\n` +
      `Received: from mx.example.com (mx.example.com [192.0.2.${Math.floor(rnd() * 254)}])\n\tby lists.lanternfish.example (Postfix) with ESMTPS id ${Math.floor(
        rnd() * 1e12,
      )
        .toString(16)
        .toUpperCase()}\n\tfor <dev@lists.lanternfish.example>; ${rfc}\n` +
      `DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.com; s=mail;\n\tbh=${Buffer.from(sentence()).toString('base64').slice(0, 44)};\n\tb=${Buffer.from(
        sentence() + sentence() + sentence(),
      )
        .toString('base64')
        .slice(0, 160)}\n` +
      `From: ${sender.name} <${sender.addr}>\n` +
      `To: ${to.join(', ')}\n` +
      (cc.length ? `Cc: ${cc.join(',\n\t')}\n` : '') +
      `Subject: ${subjectLine}\n` +
      `Date: ${rfc}\n` +
      `Message-ID: ${id}\n` +
      (thread.length ? `In-Reply-To: ${thread[thread.length - 1]}\nReferences: ${thread.slice(-12).join('\n ')}\n` : '') +
      (isPatch ? 'X-Mailer: git-send-email 2.43.0\n' : `User-Agent: ${pick(['Mutt/2.2.12', 'Mozilla Thunderbird', 'Evolution 3.50'])}\n`) +
      `List-Id: Lanternfish developers <dev.lists.lanternfish.example>\n` +
      `List-Unsubscribe: <https://lists.lanternfish.example/mailman/options/dev>,\n <mailto:dev-request@lists.lanternfish.example?subject=unsubscribe>\n` +
      `List-Archive: <https://lists.lanternfish.example/pipermail/dev/>\n` +
      `List-Post: <mailto:dev@lists.lanternfish.example>\n` +
      `X-Mailman-Version: 2.1.39\nPrecedence: list\n` +
      `MIME-Version: 1.0\n`;
    thread.push(id);
    ids.push(id);
    const text = () => {
      const lines = [];
      if (thread.length > 1) {
        lines.push(`On ${rfc}, ${pick(people).name} <${pick(people).addr}> wrote:`);
        for (let k = 2 + Math.floor(rnd() * 10); k > 0; k--) lines.push(`> ${sentence()}`);
        lines.push('');
      }
      for (let p = 1 + Math.floor(rnd() * 5); p > 0; p--) {
        for (let l = 1 + Math.floor(rnd() * 4); l > 0; l--) lines.push(`${sentence()} ${sentence()}`);
        lines.push('');
      }
      return lines;
    };
    let body;
    if (isPatch) {
      m.patches++;
      const lines = text();
      lines.push(
        `Signed-off-by: ${sender.name} <${sender.addr}>`,
        '---',
        ` src/${word()}.c | 12 ++++++------`,
        ' 1 file changed, 6 insertions(+), 6 deletions(-)',
        '',
        `diff --git a/src/${word()}.c b/src/${word()}.c`,
        'index 3b18e51..a9c2f0d 100644',
      );
      for (let h = 1 + Math.floor(rnd() * 4); h > 0; h--) {
        lines.push(`@@ -${Math.floor(rnd() * 900)},7 +${Math.floor(rnd() * 900)},7 @@ static int ${word()}(void)`);
        for (let l = 0; l < 7; l++) lines.push(`${pick([' ', ' ', '-', '+'])}\t${word()} = ${word()}(${word()}, ${Math.floor(rnd() * 99)});`);
      }
      lines.push('-- ', '2.43.0', '');
      head += 'Content-Type: text/plain; charset=UTF-8\nContent-Transfer-Encoding: 8bit\n';
      body = lines.join('\n');
    } else if (kind < 0.45) {
      // quoted-printable, soft line breaks and UTF-8
      m.qp++;
      const qp =
        text()
          .map((l) => l.replace(/é/g, '=C3=A9').replace(/(.{72})/g, '$1=\n'))
          .join('\n') + 'Caf=C3=A9 =E2=80=94 thanks!\n';
      head += 'Content-Type: text/plain; charset="utf-8"\nContent-Transfer-Encoding: quoted-printable\n';
      body = qp;
    } else if (kind < 0.75) {
      // multipart/alternative (text + HTML), sometimes with a base64 attachment in multipart/mixed
      m.multipart++;
      const b1 = `===============${Math.floor(rnd() * 1e15)}==`;
      const lines = text();
      const alt = [
        `--${b1}`,
        'Content-Type: text/plain; charset="utf-8"',
        'Content-Transfer-Encoding: 7bit',
        '',
        ...lines,
        `--${b1}`,
        'Content-Type: text/html; charset="utf-8"',
        'Content-Transfer-Encoding: 7bit',
        '',
        `<html><body>${lines.map((l) => `<p>${l}</p>`).join('\n')}</body></html>`,
        `--${b1}--`,
        '',
      ];
      if (rnd() < 0.35) {
        m.attachments++;
        const b0 = `===============${Math.floor(rnd() * 1e15)}==`;
        const size = 4000 + Math.floor(rnd() * 60000);
        const att = Buffer.alloc(size);
        for (let k = 0; k < size; k++) att[k] = Math.floor(rnd() * 256);
        const b64 = att.toString('base64').replace(/(.{76})/g, '$1\n');
        head += `Content-Type: multipart/mixed; boundary="${b0}"\n`;
        body = [
          `--${b0}`,
          `Content-Type: multipart/alternative; boundary="${b1}"`,
          '',
          ...alt,
          `--${b0}`,
          `Content-Type: application/octet-stream; name="${word()}.log.gz"`,
          'Content-Transfer-Encoding: base64',
          `Content-Disposition: attachment; filename="${word()}.log.gz"`,
          '',
          b64,
          `--${b0}--`,
          '',
        ].join('\n');
      } else {
        head += `Content-Type: multipart/alternative; boundary="${b1}"\n`;
        body = alt.join('\n');
      }
    } else {
      head += 'Content-Type: text/plain; charset="us-ascii"\nContent-Transfer-Encoding: 7bit\n';
      body =
        text().join('\n') +
        `\n_______________________________________________\ndev mailing list\ndev@lists.lanternfish.example\nhttps://lists.lanternfish.example/mailman/listinfo/dev\n`;
    }
    // mboxrd: a body line starting with "From " is escaped
    out(`${head}\n${body.replace(/^(>*From )/gm, '>$1')}\n\n`);
  }
  closeSync(fd);
  const manifest = { ...m, bytes };
  writeFileSync(REAL_MANIFEST, JSON.stringify(manifest, null, 2));
  writeFileSync(
    REAL_CONFIG,
    'controller:\n  name: Bench (fictional)\n  contact: privacy@bench.example\nstateDir: state\nsources:\n  - name: dev-list\n    kind: mbox\n    paths: [real.mbox]\n',
  );
  return manifest;
}

function mainReal(o) {
  let manifest = existsSync(REAL_MANIFEST) ? JSON.parse(readFileSync(REAL_MANIFEST, 'utf8')) : null;
  if (
    !manifest ||
    manifest.version !== REAL_VERSION ||
    manifest.messages !== o.messages ||
    manifest.seed !== o.seed ||
    !existsSync(REAL_FILE) ||
    statSync(REAL_FILE).size !== manifest.bytes
  ) {
    log(`generating ${o.messages} realistic messages ...`);
    manifest = generateReal(o);
    log(`generated ${(manifest.bytes / 2 ** 20).toFixed(1)} MiB`);
  }
  const expected = manifest.posts + manifest.received;
  const pc = () => {
    const r = measure(process.execPath, [CLI, '--json', '-q', '-c', REAL_CONFIG, 'find', '--email', SUBJECT]);
    check(r.status === 0, `privacyctl find exited ${r.status}`, r);
    const s = JSON.parse(r.stdout).sources.find((x) => x.name === 'dev-list');
    check(s.records === expected, `find reported ${s.records} records, expected ${expected}`, r);
    return r;
  };
  const py = () => {
    const r = measure('python3', ['-c', PY_BASELINE, REAL_FILE, SUBJECT]);
    check(r.stdout.trim() === `${o.messages} ${expected}`, `python printed ${r.stdout.trim()}, expected ${o.messages} ${expected}`, r);
    return r;
  };
  log('warm-up');
  pc();
  py();
  const p = [];
  const q = [];
  for (let i = 0; i < o.runs; i++) {
    p.push(pc());
    q.push(py());
    log(
      `run ${i + 1}/${o.runs}: privacyctl ${(p[i].ms / 1000).toFixed(2)} s (${(p[i].rssKiB / 1024).toFixed(0)} MiB), python ${(q[i].ms / 1000).toFixed(2)} s (${(q[i].rssKiB / 1024).toFixed(0)} MiB)`,
    );
  }
  const pm = median(p.map((r) => r.ms));
  const qm = median(q.map((r) => r.ms));
  const rssMB = (Math.max(...p.map((r) => r.rssKiB)) * 1024) / 1e6;
  const pyRssMB = (Math.max(...q.map((r) => r.rssKiB)) * 1024) / 1e6;
  console.log(
    `| case (${o.messages.toLocaleString('en')} messages, ${(manifest.bytes / 1e6).toFixed(1)} MB, median of ${o.runs}) | privacyctl | Python mailbox | ratio | peak RSS (privacyctl / Python) | target | result |`,
  );
  console.log('|---|---|---|---|---|---|---|');
  console.log(
    `| \`find --email ${SUBJECT}\` (${expected} records: ${manifest.posts} posts, ${manifest.received} received; ${manifest.multipart} multipart, ${manifest.attachments} with attachments, ${manifest.qp} quoted-printable, ${manifest.patches} patches) | ${(pm / 1000).toFixed(2)} s | ${(qm / 1000).toFixed(2)} s | ${(pm / qm).toFixed(2)}× | ${rssMB.toFixed(0)} MB / ${pyRssMB.toFixed(0)} MB | ≤ 0.5× Python, < 150 MB | ${pm <= qm / 2 ? 'pass' : 'FAIL'} (time), ${rssMB < 150 ? 'pass' : 'FAIL'} (RSS) |`,
  );
  log(`cpu: privacyctl ${(median(p.map((r) => r.cpuMs)) / 1000).toFixed(2)} s, python ${(median(q.map((r) => r.cpuMs)) / 1000).toFixed(2)} s`);
}

function main() {
  const o = parseOptions(process.argv.slice(2), { messages: 300_000, runs: 3, seed: 20240917, real: false });
  if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js'))) throw new Error('dist/ is missing: run `npm run build` first');
  if (o.real) return mainReal({ ...o, messages: process.argv.includes('--messages') ? o.messages : 5000 });
  let manifest = existsSync(MANIFEST) ? JSON.parse(readFileSync(MANIFEST, 'utf8')) : null;
  if (
    !manifest ||
    manifest.version !== GENERATOR_VERSION ||
    manifest.messages !== o.messages ||
    manifest.seed !== o.seed ||
    !existsSync(FILE) ||
    statSync(FILE).size !== manifest.bytes
  ) {
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
    log(
      `run ${i + 1}/${o.runs}: privacyctl ${(p[i].ms / 1000).toFixed(2)} s (cpu ${(p[i].cpuMs / 1000).toFixed(2)} s, ${(p[i].rssKiB / 1024).toFixed(0)} MiB), grep ${(g[i].ms / 1000).toFixed(2)} s`,
    );
  }
  const pm = median(p.map((r) => r.ms));
  const gm = median(g.map((r) => r.ms));
  const rss = Math.max(...p.map((r) => r.rssKiB)) / 1024;
  const ratio = pm / gm;
  console.log(
    `| case (${o.messages.toLocaleString('en')} messages, ${(manifest.bytes / 2 ** 30).toFixed(2)} GiB, median of ${o.runs}) | privacyctl | grep -c -F | ratio | peak RSS | target | result |`,
  );
  console.log('|---|---|---|---|---|---|---|');
  console.log(
    `| \`find --email ${SUBJECT}\` (${expected} records: ${manifest.posts} posts, ${manifest.received} received) | ${(pm / 1000).toFixed(2)} s | ${(gm / 1000).toFixed(2)} s | ${ratio.toFixed(1)}× | ${rss.toFixed(0)} MiB | ≤ 3.5× grep, < 200 MB | ${ratio <= 3.5 ? 'pass' : 'FAIL'} (time), ${rss * 1.048576 < 200 ? 'pass' : 'FAIL'} (RSS) |`,
  );
  log(
    `cpu: privacyctl ${(median(p.map((r) => r.cpuMs)) / 1000).toFixed(2)} s, grep ${(median(g.map((r) => r.cpuMs)) / 1000).toFixed(2)} s; ${manifest.encoded} messages with encoded-word subjects, ${manifest.nearMisses} near misses`,
  );
}

main();
