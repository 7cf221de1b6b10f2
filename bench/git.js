#!/usr/bin/env node
// Benchmark of the git adapter (not part of `npm test`): `npm run build && node bench/git.js`.
// Generates (once; reused while the manifest matches) a bare repository of N commits (default
// 50,000) with `git fast-import`, then times `privacyctl find --email SUBJECT` over it against
// `git log --all --format=%H -i --author=SUBJECT | wc -l`, alternating K runs of each after one
// untimed warm-up, and prints one markdown table on stdout. Peak RSS from GNU time (%M).
//   node bench/git.js [--commits N] [--runs K] [--seed S] [--force]
import { spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { measure as measureIn, median, log, parseOptions, mulberry32 } from './lib.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = join(ROOT, 'bin', 'privacyctl.js');
const DIR = join(ROOT, 'bench', 'data', 'git');
const REPO = join(DIR, 'repo.git');
const CONFIG = join(DIR, 'privacyctl.yaml');
const MANIFEST = join(DIR, 'manifest.json');
const SUBJECT = 'bench.subject@example.org';
const NEAR_MISS = 'xbench.subject@example.org'; // must never match; git's -i --author regex does match it
const GENERATOR_VERSION = 3;




const SYL = ['ka', 'lo', 'mi', 'ren', 'to', 'sa', 'vi', 'nor', 'el', 'qua', 'dri', 'fen', 'ul', 'bo', 'ta', 'zen'];
const WORDS = ['fix', 'add', 'lantern', 'glow', 'tank', 'sensor', 'packaging', 'docs', 'refactor', 'test', 'release', 'flag', 'config', 'parser', 'cache', 'timeout'];

const gitEnv = { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1', LC_ALL: 'C' };
const measure = (cmd, args) => measureIn(cmd, args, { cwd: DIR, env: gitEnv });
for (const k of Object.keys(gitEnv)) if (k.startsWith('GIT_') && !['GIT_CONFIG_GLOBAL', 'GIT_CONFIG_NOSYSTEM'].includes(k)) delete gitEnv[k];

/** Write the fast-import stream to a file (memory stays flat), then import it. */
async function generate(o) {
  rmSync(DIR, { recursive: true, force: true });
  mkdirSync(DIR, { recursive: true });
  const rnd = mulberry32(o.seed);
  const pick = (xs) => xs[Math.floor(rnd() * xs.length)];
  const name = () => {
    const w = (n) => Array.from({ length: n }, () => pick(SYL)).join('');
    const s = `${w(2)} ${w(3)}`;
    return s.replace(/\b\w/g, (c) => c.toUpperCase());
  };
  const devs = Array.from({ length: 2000 }, (_, i) => {
    const n = name();
    return { name: n, email: `${n.toLowerCase().replace(/ /g, '.')}${i}@example.com` };
  });
  const subject = { name: 'Bench Subject', email: SUBJECT };
  const streamFile = join(DIR, 'import.stream');
  const out = createWriteStream(streamFile);
  const write = (s) => (out.write(s) ? Promise.resolve() : new Promise((r) => out.once('drain', r)));
  const counts = { authored: 0, committed: 0, signoffs: 0, coauthors: 0, nearMiss: 0, inBodyOnly: 0 };
  const mainCount = o.commits - Math.floor(o.commits / 50);
  let lastMain = 0;
  for (let i = 1; i <= o.commits; i++) {
    const onRelease = i > mainCount;
    let author = pick(devs);
    let committer = rnd() < 0.7 ? author : pick(devs);
    const r = rnd();
    if (r < 0.001) author = subject;
    else if (r < 0.0014) author = { name: 'X Bench', email: NEAR_MISS };
    if (author === subject) counts.authored++;
    if (author.email === NEAR_MISS) counts.nearMiss++;
    if (rnd() < 0.0005 && author !== subject) {
      committer = subject;
      counts.committed++;
    }
    const words = Array.from({ length: 3 + Math.floor(rnd() * 5) }, () => pick(WORDS)).join(' ');
    let msg = `${words[0].toUpperCase()}${words.slice(1)} (#${i})\n`;
    const bodyLines = Math.floor(rnd() * 6);
    if (bodyLines) msg += `\n${Array.from({ length: bodyLines }, () => Array.from({ length: 8 + Math.floor(rnd() * 8) }, () => pick(WORDS)).join(' ')).join('\n')}\n`;
    const trailers = [`Signed-off-by: ${author.name} <${author.email}>`];
    const t = rnd();
    if (t < 0.0008 && author !== subject) {
      trailers.push(`Co-authored-by: ${subject.name} <${subject.email}>`);
      counts.coauthors++;
    } else if (t < 0.0016 && author !== subject) {
      trailers.push(`Reviewed-by: ${subject.name} <${subject.email.toUpperCase()}>`);
      counts.reviews = (counts.reviews ?? 0) + 1;
    } else if (t < 0.002) {
      // the address in a prose paragraph before the trailers: not a trailer, not a record
      msg += `\nThanks to ${subject.email} for the report.\n`;
      counts.inBodyOnly++;
    }
    if (author === subject) counts.signoffs++;
    msg += `\n${trailers.join('\n')}\n`;
    const ts = 1600000000 + i * 600;
    const data = Buffer.from(msg, 'utf8');
    const ref = onRelease ? 'refs/heads/release' : 'refs/heads/main';
    let s = `commit ${ref}\nmark :${i}\nauthor ${author.name} <${author.email}> ${ts} +0000\ncommitter ${committer.name} <${committer.email}> ${ts} +0000\ndata ${data.length}\n`;
    await write(s);
    await write(data);
    s = '\n';
    if (onRelease && i === mainCount + 1) s += `from :${Math.floor(mainCount / 2)}\n`;
    else if (i > 1) s += `from :${onRelease ? i - 1 : lastMain}\n`;
    s += `M 644 inline src/f${i % 200}.txt\ndata <<EOF\n${i}\nEOF\n\n`;
    await write(s);
    if (!onRelease) lastMain = i;
  }
  await new Promise((r) => out.end(r));
  spawnSync('git', ['init', '-q', '--bare', '-b', 'main', REPO], { env: gitEnv, stdio: 'inherit' });
  const fi = spawnSync('bash', ['-c', `git fast-import --quiet < ${JSON.stringify(streamFile)}`], { cwd: REPO, env: gitEnv, stdio: 'inherit' });
  if (fi.status !== 0) throw new Error('git fast-import failed');
  spawnSync('git', ['gc', '-q'], { cwd: REPO, env: gitEnv, stdio: 'inherit' });
  rmSync(streamFile);
  writeFileSync(CONFIG, 'controller: { name: Bench, contact: privacy@example.org }\nstateDir: state\nsources:\n  - { name: repo, kind: git, repos: [repo.git] }\n');
  const manifest = { generatorVersion: GENERATOR_VERSION, commits: o.commits, seed: o.seed, counts };
  writeFileSync(MANIFEST, `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}



async function main() {
  const o = parseOptions(process.argv.slice(2), { commits: 50_000, runs: 5, seed: 20241129, force: false });
  if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js'))) throw new Error('dist/ is missing: run `npm run build` first');
  let manifest = existsSync(MANIFEST) ? JSON.parse(readFileSync(MANIFEST, 'utf8')) : null;
  if (o.force || !manifest || manifest.generatorVersion !== GENERATOR_VERSION || manifest.commits !== o.commits || manifest.seed !== o.seed || !existsSync(REPO)) {
    log(`generating ${o.commits} commits in ${REPO} ...`);
    const t0 = Date.now();
    manifest = await generate(o);
    log(`generated in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${JSON.stringify(manifest.counts)}`);
  }
  const c = manifest.counts;
  const expectCommits = c.authored + c.committed;
    // node's own peak RSS (GNU time's %M is the largest of node and its git child)
  const probe = join(DIR, 'rss-probe.mjs');
  writeFileSync(probe, "process.on('exit', () => process.stderr.write(`\\nself-maxrss-kib ${process.resourceUsage().maxRSS}\\n`));\n");
  const pc = () => {
    const r = measure(process.execPath, ['--import', probe, CLI, '--json', '-q', '-c', CONFIG, 'find', '--email', SUBJECT]);
    r.selfKiB = Number(/self-maxrss-kib (\d+)/.exec(r.stderr)?.[1] ?? NaN);
    if (r.status !== 0) throw new Error(`privacyctl find exited ${r.status}: ${r.stderr.slice(0, 400)}`);
    const j = JSON.parse(r.stdout);
    const by = j.sources[0].byType;
    const got = { commit: by.commit ?? 0, signoff: by.signoff ?? 0, coauthor: by['co-author'] ?? 0, trailer: by.trailer ?? 0 };
    const want = { commit: expectCommits, signoff: c.signoffs, coauthor: c.coauthors, trailer: c.reviews ?? 0 };
    if (JSON.stringify(got) !== JSON.stringify(want)) throw new Error(`privacyctl found ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
    if (j.sources[0].stats.commits !== manifest.commits) throw new Error(`privacyctl read ${j.sources[0].stats.commits} commits`);
    return r;
  };
  const base = () => {
    const r = measure('bash', ['-c', `git -C repo.git log --all --format=%H -i --author=${SUBJECT} | wc -l`]);
    const n = Number(r.stdout.trim());
    if (r.status !== 0 || n !== c.authored + c.nearMiss) throw new Error(`baseline printed ${r.stdout.trim()}, expected ${c.authored + c.nearMiss}`);
    return r;
  };
  log('warm-up');
  pc();
  base();
  const p = [];
  const b = [];
  for (let i = 0; i < o.runs; i++) {
    p.push(pc());
    b.push(base());
    log(`run ${i + 1}/${o.runs}: privacyctl ${(p[i].ms / 1000).toFixed(2)} s (node ${(p[i].selfKiB / 1024).toFixed(0)} MiB, with git ${(p[i].rssKiB / 1024).toFixed(0)} MiB), baseline ${(b[i].ms / 1000).toFixed(2)} s (${(b[i].rssKiB / 1024).toFixed(0)} MiB)`);
  }
  const pm = median(p.map((r) => r.ms));
  const pc_cpu = median(p.map((r) => r.cpuMs));
  const bc_cpu = median(b.map((r) => r.cpuMs));
  const bm = median(b.map((r) => r.ms));
  const rss = Math.max(...p.map((r) => r.rssKiB)) / 1024;
  const self = Math.max(...p.map((r) => r.selfKiB)) / 1024;
  const baseRss = Math.max(...b.map((r) => r.rssKiB)) / 1024;
  const version = spawnSync('git', ['--version'], { encoding: 'utf8' }).stdout.trim();
  const when = new Date().toISOString().replace('T', ' ').slice(0, 16);
  process.stdout.write(
    [
      `Run on ${when} UTC: ${cpus().length} CPUs, Node ${process.version}, ${version}, ${manifest.commits.toLocaleString('en')} commits, median of ${o.runs}`,
      '',
      '| case | privacyctl (wall) | baseline (wall) | ratio | CPU user+sys: privacyctl / baseline | peak RSS: node / node or its git child / baseline git | found |',
      '|---|---|---|---|---|---|---|',
      `| find --email | ${(pm / 1000).toFixed(2)} s | ${(bm / 1000).toFixed(2)} s | ${(pm / bm).toFixed(1)}× | ${(pc_cpu / 1000).toFixed(2)} s / ${(bc_cpu / 1000).toFixed(2)} s | ${self.toFixed(0)} / ${rss.toFixed(0)} / ${baseRss.toFixed(0)} MiB | ${expectCommits} commits, ${c.signoffs} sign-offs, ${c.coauthors} co-authors, ${c.reviews ?? 0} Reviewed-by; baseline: ${c.authored + c.nearMiss} (incl. ${c.nearMiss} near misses) |`,
      '',
    ].join('\n'),
  );
}

main().catch((err) => {
  log(`bench/git.js: ${err.message}`);
  process.exit(1);
});
