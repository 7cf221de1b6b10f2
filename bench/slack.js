#!/usr/bin/env node
// Slack export benchmark (not part of `npm test`): `npm run build && node bench/slack.js [--messages N] [--runs K]`.
// Generates bench/data/slack/export/ (deterministic: 5,000 users, 50 channels, day files of
// about 80 messages, pretty-printed like Slack's own exports with a user_profile in each message;
// the subject wrote 0.1 % of the messages and is mentioned in 0.05 %), then times
// `privacyctl find --email` against `grep -r -c -F` over the same folder (for the email, and for
// the subject's user id, which is what the message files are searched for), warm page cache,
// median of K runs, peak RSS from GNU time (%M). Exit 1 if a run's result is wrong.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { measure as measureIn, median, check, log, parseOptions, mulberry32 } from './lib.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const measure = (cmd, args) => measureIn(cmd, args, { cwd: ROOT });
const CLI = join(ROOT, 'bin', 'privacyctl.js');
const DIR = join(ROOT, 'bench', 'data', 'slack');
const EXPORT = join(DIR, 'export');
const CONFIG = join(DIR, 'privacyctl.yaml');
const MANIFEST = join(DIR, 'manifest.json');
const SUBJECT = 'bench.subject@example.org';
const SUBJECT_ID = 'U0BENCHSUBJ';
const GENERATOR_VERSION = 1;
const CHANNELS = 50;
const PER_DAY = 80;
const USERS = 5000;

const SYL = ['lan', 'tern', 'fish', 'qua', 'ry', 'mo', 'del', 'ka', 'sto', 'ne', 'pi', 'ver', 'lo', 'ta', 'run', 'sel', 'dor', 'mi', 'zen', 'cro'];

function generate(o) {
  rmSync(EXPORT, { recursive: true, force: true });
  mkdirSync(EXPORT, { recursive: true });
  const rnd = mulberry32(o.seed);
  const pick = (xs) => xs[Math.floor(rnd() * xs.length)];
  const word = () => pick(SYL) + pick(SYL) + (rnd() < 0.5 ? pick(SYL) : '');
  const cap = (w) => w[0].toUpperCase() + w.slice(1);
  const uid = (i) => `U${String(i).padStart(8, '0')}`;
  const users = [];
  for (let i = 0; i < USERS; i++) {
    const real = `${cap(word())} ${cap(word())}`;
    users.push({
      id: uid(i),
      team_id: 'T0BENCH',
      name: `user${i}`,
      deleted: rnd() < 0.02,
      real_name: real,
      tz: 'Europe/Berlin',
      tz_label: 'Central European Time',
      tz_offset: 3600,
      profile: {
        title: '',
        phone: '',
        real_name: real,
        display_name: `user${i}`,
        email: `user${String(i).padStart(6, '0')}@example.com`,
        image_72: `https://avatars.example/${uid(i)}_72.png`,
        team: 'T0BENCH',
      },
      is_bot: false,
    });
  }
  users.splice(2500, 0, {
    id: SUBJECT_ID,
    team_id: 'T0BENCH',
    name: 'bench',
    deleted: false,
    real_name: 'Bench Subject',
    tz: 'Europe/Berlin',
    tz_label: 'Central European Time',
    tz_offset: 3600,
    profile: {
      title: 'Tester',
      phone: '',
      real_name: 'Bench Subject',
      display_name: 'bench',
      email: SUBJECT,
      image_72: 'https://avatars.example/subject.png',
      team: 'T0BENCH',
    },
    is_bot: false,
  });
  writeFileSync(join(EXPORT, 'users.json'), JSON.stringify(users, null, 4));
  const channels = [];
  for (let c = 0; c < CHANNELS; c++)
    channels.push({ id: `C${String(c).padStart(8, '0')}`, name: `chan-${c}`, created: 1600000000, creator: uid(0), is_archived: false, members: [] });
  writeFileSync(join(EXPORT, 'channels.json'), JSON.stringify(channels, null, 4));
  const m = { version: GENERATOR_VERSION, messages: o.messages, seed: o.seed, authored: 0, mentions: 0, files: 0, bytes: 0 };
  const days = Math.ceil(o.messages / (CHANNELS * PER_DAY));
  let left = o.messages;
  let t = 1600000000;
  for (let d = 0; d < days && left > 0; d++) {
    const date = new Date((1600000000 + d * 86400) * 1000).toISOString().slice(0, 10);
    for (let c = 0; c < CHANNELS && left > 0; c++) {
      const msgs = [];
      for (let k = 0; k < PER_DAY && left > 0; k++, left--) {
        t += 1;
        const r = rnd();
        let user = uid(Math.floor(rnd() * USERS));
        let text = Array.from({ length: 5 + Math.floor(rnd() * 20) }, word).join(' ');
        if (r < 0.001) {
          user = SUBJECT_ID;
          m.authored++;
        } else if (r < 0.0015) {
          text = `<@${SUBJECT_ID}> ${text}`;
          m.mentions++;
        } else if (rnd() < 0.05) text = `<@${uid(Math.floor(rnd() * USERS))}> ${text}`;
        const ts = `${t}.${String(k).padStart(6, '0')}`;
        const msg = {
          client_msg_id: `${t}-${k}`,
          type: 'message',
          text,
          user,
          ts,
          team: 'T0BENCH',
          user_team: 'T0BENCH',
          source_team: 'T0BENCH',
          user_profile: {
            avatar_hash: 'g0',
            image_72: `https://avatars.example/${user}_72.png`,
            first_name: 'X',
            real_name: 'X Y',
            display_name: user,
            team: 'T0BENCH',
            name: user,
            is_restricted: false,
            is_ultra_restricted: false,
          },
        };
        if (rnd() < 0.1) Object.assign(msg, { thread_ts: ts, reply_count: 1, reply_users: [uid(1)], latest_reply: ts });
        if (rnd() < 0.01) {
          msg.files = [
            {
              id: `F${t}`,
              name: `file-${t}.png`,
              title: 'screenshot',
              mimetype: 'image/png',
              size: 12345,
              url_private: `https://files.slack.com/files-pri/T0BENCH-F${t}/file.png?t=xoxe-bench`,
            },
          ];
          m.files++;
        }
        msgs.push(msg);
      }
      const dir = join(EXPORT, `chan-${c}`);
      mkdirSync(dir, { recursive: true });
      const text = JSON.stringify(msgs, null, 4);
      writeFileSync(join(dir, `${date}.json`), text);
      m.bytes += Buffer.byteLength(text);
    }
  }
  writeFileSync(MANIFEST, JSON.stringify(m, null, 2));
  writeFileSync(
    CONFIG,
    'controller:\n  name: Bench (fictional)\n  contact: privacy@bench.example\nstateDir: state\nsources:\n  - name: slack\n    kind: slack-export\n    path: export\n',
  );
  return m;
}

const grepTotal = (out) =>
  out
    .split('\n')
    .filter(Boolean)
    .reduce((n, l) => n + Number(l.slice(l.lastIndexOf(':') + 1)), 0);

function main() {
  const o = parseOptions(process.argv.slice(2), { messages: 1_000_000, runs: 3, seed: 20240917 });
  if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js'))) throw new Error('dist/ is missing: run `npm run build` first');
  let manifest = existsSync(MANIFEST) ? JSON.parse(readFileSync(MANIFEST, 'utf8')) : null;
  if (
    !manifest ||
    manifest.version !== GENERATOR_VERSION ||
    manifest.messages !== o.messages ||
    manifest.seed !== o.seed ||
    !existsSync(join(EXPORT, 'users.json'))
  ) {
    log(`generating ${o.messages} messages ...`);
    const t0 = Date.now();
    manifest = generate(o);
    log(`generated ${(manifest.bytes / 2 ** 20).toFixed(0)} MiB of messages in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }
  const expected = 1 + manifest.authored + manifest.mentions;
  const pcWith = (extra) => () => {
    const r = measure(process.execPath, [CLI, '--json', '-q', '-c', CONFIG, 'find', '--email', SUBJECT, ...extra]);
    check(r.status === 0, `privacyctl find exited ${r.status}`, r);
    const s = JSON.parse(r.stdout).sources.find((x) => x.name === 'slack');
    check(s.records === expected, `find reported ${s.records} records, expected ${expected}`, r);
    return r;
  };
  const pc = pcWith([]);
  const pcNoExpand = pcWith(['--no-expand']);
  const grep = (needle, want) => () => {
    const r = measure('grep', ['-r', '-c', '-F', needle, EXPORT]);
    check(grepTotal(r.stdout) === want, `grep -r -c found ${grepTotal(r.stdout)} lines, expected ${want}`, r);
    return r;
  };
  const gEmail = grep(SUBJECT, 1);
  const gId = grep(SUBJECT_ID, manifest.authored * 4 + manifest.mentions + 1); // user, user_profile (image, display_name, name); text; users.json id
  log('warm-up');
  pc();
  pcNoExpand();
  gEmail();
  gId();
  const p = [];
  const pn = [];
  const ge = [];
  const gi = [];
  const s = (ms) => `${(ms / 1000).toFixed(2)} s`;
  for (let i = 0; i < o.runs; i++) {
    p.push(pc());
    pn.push(pcNoExpand());
    ge.push(gEmail());
    gi.push(gId());
    log(
      `run ${i + 1}/${o.runs}: privacyctl ${s(p[i].ms)} (cpu ${s(p[i].cpuMs)}, ${(p[i].rssKiB / 1024).toFixed(0)} MiB), --no-expand ${s(pn[i].ms)} (cpu ${s(pn[i].cpuMs)}), grep email ${s(ge[i].ms)}, grep id ${s(gi[i].ms)}`,
    );
  }
  const gm = median(ge.map((r) => r.ms));
  const gim = median(gi.map((r) => r.ms));
  console.log(
    `| case (${o.messages.toLocaleString('en')} messages, ${(manifest.bytes / 2 ** 20).toFixed(0)} MiB of day files, median of ${o.runs}) | privacyctl (cpu) | grep -r -c -F email (cpu) | grep -r -c -F id (cpu) | ratio to grep email / id | peak RSS |`,
  );
  console.log('|---|---|---|---|---|---|');
  for (const [label, runs] of [
    ['', p],
    [' --no-expand', pn],
  ]) {
    const pm = median(runs.map((r) => r.ms));
    const rss = Math.max(...runs.map((r) => r.rssKiB)) / 1024;
    console.log(
      `| \`find --email ${SUBJECT}${label}\` (${expected} records) | ${s(pm)} (${s(median(runs.map((r) => r.cpuMs)))}) | ${s(gm)} (${s(median(ge.map((r) => r.cpuMs)))}) | ${s(gim)} (${s(median(gi.map((r) => r.cpuMs)))}) | ${(pm / gm).toFixed(1)}× / ${(pm / gim).toFixed(1)}× | ${rss.toFixed(0)} MiB |`,
    );
  }
}

main();
