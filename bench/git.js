#!/usr/bin/env node
// Benchmark of the git adapter (not part of `npm test`): `npm run build && node bench/git.js`.
// Generates (once; reused while the manifest matches) a bare repository shaped like a real
// project's history (default 25,000 commits): bodies of 5–40 lines, 2–6 trailers of several keys,
// Dependabot-style YAML `---` blocks, a merge commit per pull request, a refs/pull/N/head per pull
// request and a tag every 100 merges (thousands of refs), with `git fast-import`. Then it times
// `privacyctl export --email SUBJECT` over it against `git log --all -z` printing the fields the
// adapter reads (%H %an %ae %aI %cn %ce %cI %B), alternating K runs of each after one untimed
// warm-up, and prints one markdown table on stdout. Peak RSS from GNU time (%M).
//   node bench/git.js [--commits N] [--runs K] [--seed S] [--force]
// A real clone instead of the generated one (no expected counts; commits read are checked):
//   BENCH_GIT_REPO=/path/to/clone.git BENCH_GIT_EMAIL=someone@example.org node bench/git.js
import { spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { measure as measureIn, median, log, parseOptions, mulberry32 } from './lib.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = join(ROOT, 'bin', 'privacyctl.js');
const DIR = join(ROOT, 'bench', 'data', 'git');
const REPO = join(DIR, 'repo.git');
const CONFIG = join(DIR, 'privacyctl.yaml');
const MANIFEST = join(DIR, 'manifest.json');
const SUBJECT = 'bench.subject@example.org';
const NEAR_MISS = 'xbench.subject@example.org'; // must never match
const GENERATOR_VERSION = 4;
/** The fields the adapter reads, as it asks for them (src/adapters/git/history.ts LOG_FORMAT). */
const LOG_FORMAT = '--format=format:%H%x00%an%x00%ae%x00%aI%x00%cn%x00%ce%x00%cI%x00%B';

const SYL = ['ka', 'lo', 'mi', 'ren', 'to', 'sa', 'vi', 'nor', 'el', 'qua', 'dri', 'fen', 'ul', 'bo', 'ta', 'zen'];
const WORDS = [
  'fix',
  'add',
  'lantern',
  'glow',
  'tank',
  'sensor',
  'packaging',
  'docs',
  'refactor',
  'test',
  'release',
  'flag',
  'config',
  'parser',
  'cache',
  'timeout',
  'the',
  'a',
  'when',
  'is',
  'not',
  'runtime',
  'container',
  'shim',
  'cgroup',
  'to',
  'of',
  'with',
  'e.g.',
  'see',
];
const KEYS = ['Reviewed-by', 'Acked-by', 'Tested-by', 'Cc', 'Reported-by', 'Suggested-by', 'Helped-by', 'Co-authored-by'];

const gitEnv = { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1', LC_ALL: 'C' };
const measure = (cmd, args) => measureIn(cmd, args, { cwd: DIR, env: gitEnv });
for (const k of Object.keys(gitEnv)) if (k.startsWith('GIT_') && !['GIT_CONFIG_GLOBAL', 'GIT_CONFIG_NOSYSTEM'].includes(k)) delete gitEnv[k];

/** Write the fast-import stream to a file (memory stays flat), then import it. */
async function generate(o) {
  rmSync(DIR, { recursive: true, force: true });
  mkdirSync(DIR, { recursive: true });
  const rnd = mulberry32(o.seed);
  const pick = (xs) => xs[Math.floor(rnd() * xs.length)];
  const between = (lo, hi) => lo + Math.floor(rnd() * (hi - lo + 1));
  const name = () => {
    const w = (n) => Array.from({ length: n }, () => pick(SYL)).join('');
    const s = `${w(2)} ${w(3)}`;
    return s.replace(/\b\w/g, (c) => c.toUpperCase());
  };
  const devs = Array.from({ length: 2000 }, (_, i) => {
    const n = name();
    return { name: n, email: `${n.toLowerCase().replace(/ /g, '.')}${i}@example.com`, login: `${n.toLowerCase().replace(/ /g, '-')}${i}` };
  });
  const subject = { name: 'Bench Subject', email: SUBJECT, login: 'bench-subject' };
  const streamFile = join(DIR, 'import.stream');
  const out = createWriteStream(streamFile);
  const write = (s) => (out.write(s) ? Promise.resolve() : new Promise((r) => out.once('drain', r)));
  const counts = {
    commits: 0,
    merges: 0,
    refs: 0,
    dependabot: 0,
    authored: 0,
    committed: 0,
    signoffs: 0,
    coauthors: 0,
    trailers: 0,
    mentions: 0,
    nearMiss: 0,
    signoffsAfterDashes: 0,
  };
  const sentence = () => {
    const w = Array.from({ length: between(6, 14) }, () => pick(WORDS)).join(' ');
    return `${w[0].toUpperCase()}${w.slice(1)}.`;
  };
  let mark = 0;
  let main = 0;
  let pr = 0;
  let ts = 1600000000;
  const commit = async (ref, author, committer, msg, parents) => {
    const data = Buffer.from(msg, 'utf8');
    ts += 600;
    await write(
      `commit ${ref}\nmark :${++mark}\nauthor ${author.name} <${author.email}> ${ts} +0000\ncommitter ${committer.name} <${committer.email}> ${ts} +0000\ndata ${data.length}\n`,
    );
    await write(data);
    let s = '\n';
    if (parents[0]) s += `from :${parents[0]}\n`;
    for (const p of parents.slice(1)) s += `merge :${p}\n`;
    if (parents.length < 2) s += `M 644 inline src/f${mark % 300}.txt\ndata <<EOF\n${mark}\nEOF\n`;
    await write(`${s}\n`);
    counts.commits++;
    return mark;
  };
  // Pull requests of 1–3 commits, each merged into main by a merge commit (about a quarter of
  // all commits are merges, as in real container-runtime histories).
  while (counts.commits < o.commits) {
    pr++;
    const ref = `refs/pull/${pr}/head`;
    let tip = main;
    const k = between(1, 3);
    let title = '';
    for (let j = 0; j < k && counts.commits < o.commits - 1; j++) {
      let author = pick(devs);
      let committer = rnd() < 0.7 ? author : pick(devs);
      const r = rnd();
      if (r < 0.003) author = subject;
      else if (r < 0.0035) author = { name: 'X Bench', email: NEAR_MISS };
      if (author === subject) counts.authored++;
      if (author.email === NEAR_MISS) counts.nearMiss++;
      if (rnd() < 0.0005 && author !== subject) {
        committer = subject;
        counts.committed++;
      }
      title = `${pick(WORDS)}: ${Array.from({ length: between(3, 8) }, () => pick(WORDS)).join(' ')}`;
      const dependabot = rnd() < (author === subject ? 0.2 : 0.03);
      let msg = `${title}\n\n`;
      const paragraphs = [];
      let lines = between(5, 40);
      while (lines > 0) {
        const n = Math.min(lines, between(1, 8));
        paragraphs.push(
          Array.from({ length: n }, () => (rnd() < 0.05 ? `See https://example.org/issues/${between(1, 9999)} for details.` : sentence())).join('\n'),
        );
        lines -= n;
      }
      if (rnd() < 0.0015) {
        // the address in a prose line: a mention (not a trailer)
        paragraphs.push(`Reported by ${subject.email} on the mailing list.`);
        counts.mentions++;
      }
      if (dependabot) {
        paragraphs.push(
          '---\nupdated-dependencies:\n- dependency-name: github.com/example/lib\n  dependency-type: direct:production\n  update-type: version-update:semver-minor\n...',
        );
        counts.dependabot++;
      }
      msg += `${paragraphs.join('\n\n')}\n\n`;
      const trailers = [`Signed-off-by: ${author.name} <${author.email}>`];
      if (author === subject) {
        counts.signoffs++;
        if (dependabot) counts.signoffsAfterDashes++;
      }
      const n = between(2, 6) - 1;
      for (let t = 0; t < n; t++) {
        const key = pick(KEYS);
        let who = pick(devs);
        if (author !== subject && rnd() < 0.002) {
          who = subject;
          if (key === 'Co-authored-by') counts.coauthors++;
          else counts.trailers++;
        }
        const email = who === subject && rnd() < 0.5 ? who.email.toUpperCase() : who.email;
        trailers.push(`${key}: ${who.name} <${email}>`);
      }
      msg += `${trailers.join('\n')}\n`;
      tip = await commit(ref, author, committer, msg, [tip]);
    }
    if (tip === main) break; // no room left for a pull request
    counts.refs++;
    const merger = pick(devs.slice(0, 40));
    main = await commit(
      'refs/heads/main',
      merger,
      { name: 'GitHub', email: 'noreply@github.com' },
      `Merge pull request #${pr} from ${merger.login}/branch-${pr}\n\n${title}\n`,
      main ? [main, tip] : [tip],
    );
    counts.merges++;
    if (pr % 100 === 0) {
      await write(`reset refs/tags/v0.${pr / 100}.0\nfrom :${main}\n\n`);
      counts.refs++;
    }
  }
  counts.refs++; // main
  await new Promise((r) => out.end(r));
  spawnSync('git', ['init', '-q', '--bare', '-b', 'main', REPO], { env: gitEnv, stdio: 'inherit' });
  const fi = spawnSync('bash', ['-c', `git fast-import --quiet < ${JSON.stringify(streamFile)}`], { cwd: REPO, env: gitEnv, stdio: 'inherit' });
  if (fi.status !== 0) throw new Error('git fast-import failed');
  spawnSync('git', ['gc', '-q'], { cwd: REPO, env: gitEnv, stdio: 'inherit' });
  rmSync(streamFile);
  writeConfig(REPO);
  const manifest = { generatorVersion: GENERATOR_VERSION, commits: o.commits, seed: o.seed, counts };
  writeFileSync(MANIFEST, `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

function writeConfig(repo) {
  mkdirSync(DIR, { recursive: true });
  writeFileSync(
    CONFIG,
    `controller: { name: Bench, contact: privacy@example.org }\nstateDir: state\nsources:\n  - { name: repo, kind: git, repos: [${JSON.stringify(repo)}] }\n`,
  );
}

async function main() {
  const o = parseOptions(process.argv.slice(2), { commits: 25_000, runs: 5, seed: 20241129, force: false });
  if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js'))) throw new Error('dist/ is missing: run `npm run build` first');
  const real = process.env['BENCH_GIT_REPO'] ? resolve(process.env['BENCH_GIT_REPO']) : null;
  const email = real ? process.env['BENCH_GIT_EMAIL'] : SUBJECT;
  if (!email) throw new Error('BENCH_GIT_REPO needs BENCH_GIT_EMAIL: the address to export');
  let manifest;
  if (real) {
    writeConfig(real);
    const n = Number(spawnSync('git', ['-C', real, 'rev-list', '--all', '--count'], { env: gitEnv, encoding: 'utf8' }).stdout.trim());
    const refs = spawnSync('git', ['-C', real, 'for-each-ref', '--format=x'], { env: gitEnv, encoding: 'utf8' }).stdout.split('\n').length - 1;
    manifest = { commits: n, counts: { refs }, real };
  } else {
    manifest = existsSync(MANIFEST) ? JSON.parse(readFileSync(MANIFEST, 'utf8')) : null;
    if (
      o.force ||
      !manifest ||
      manifest.generatorVersion !== GENERATOR_VERSION ||
      manifest.commits !== o.commits ||
      manifest.seed !== o.seed ||
      !existsSync(REPO)
    ) {
      log(`generating ${o.commits} commits in ${REPO} ...`);
      const t0 = Date.now();
      manifest = await generate(o);
      log(`generated in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${JSON.stringify(manifest.counts)}`);
    } else writeConfig(REPO);
  }
  const c = manifest.counts;
  const total = real ? manifest.commits : c.commits;
  const repoArg = real ?? 'repo.git';
  // node's own peak RSS (GNU time's %M is the largest of node and its git child)
  const probe = join(DIR, 'rss-probe.mjs');
  writeFileSync(probe, "process.on('exit', () => process.stderr.write(`\\nself-maxrss-kib ${process.resourceUsage().maxRSS}\\n`));\n");
  let found = null;
  const pc = () => {
    const r = measure(process.execPath, ['--import', probe, CLI, '--json', '-q', '-c', CONFIG, 'export', '--email', email]);
    r.selfKiB = Number(/self-maxrss-kib (\d+)/.exec(r.stderr)?.[1] ?? NaN);
    if (r.status !== 0) throw new Error(`privacyctl export exited ${r.status}: ${r.stderr.slice(0, 400)}`);
    const j = JSON.parse(r.stdout);
    const by = {};
    for (const rec of j.records) by[rec.type] = (by[rec.type] ?? 0) + 1;
    const got = { commit: by.commit ?? 0, signoff: by.signoff ?? 0, coauthor: by['co-author'] ?? 0, trailer: by.trailer ?? 0, mention: by.mention ?? 0 };
    if (!real) {
      const want = { commit: c.authored + c.committed, signoff: c.signoffs, coauthor: c.coauthors, trailer: c.trailers, mention: c.mentions };
      if (JSON.stringify(got) !== JSON.stringify(want)) throw new Error(`privacyctl found ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
    }
    const stats = j.sources[0].stats;
    if (stats.commits !== total) throw new Error(`privacyctl read ${stats.commits} commits, expected ${total}`);
    found = got;
    return r;
  };
  // The same fields of every commit on every ref, as the adapter asks git for them.
  const base = () => {
    const r = measure('bash', ['-c', `git -C ${JSON.stringify(repoArg)} -c log.mailmap=false --no-pager log --all -z '${LOG_FORMAT}' > /dev/null`]);
    if (r.status !== 0) throw new Error(`baseline exited ${r.status}: ${r.stderr.slice(0, 400)}`);
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
    log(
      `run ${i + 1}/${o.runs}: privacyctl ${(p[i].ms / 1000).toFixed(2)} s (node ${(p[i].selfKiB / 1024).toFixed(0)} MiB, with git ${(p[i].rssKiB / 1024).toFixed(0)} MiB), baseline ${(b[i].ms / 1000).toFixed(2)} s (${(b[i].rssKiB / 1024).toFixed(0)} MiB)`,
    );
  }
  const pm = median(p.map((r) => r.ms));
  const pcCpu = median(p.map((r) => r.cpuMs));
  const bcCpu = median(b.map((r) => r.cpuMs));
  const bm = median(b.map((r) => r.ms));
  const rss = Math.max(...p.map((r) => r.rssKiB)) / 1024;
  const self = Math.max(...p.map((r) => r.selfKiB)) / 1024;
  const baseRss = Math.max(...b.map((r) => r.rssKiB)) / 1024;
  const version = spawnSync('git', ['--version'], { encoding: 'utf8' }).stdout.trim();
  const when = new Date().toISOString().replace('T', ' ').slice(0, 16);
  const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  const what = real ? `real clone ${real}` : `generated, ${c.merges} merges, ${c.dependabot} with a YAML --- block`;
  process.stdout.write(
    [
      `Run on ${when} UTC: ${cpus().length} CPUs (load ${load}), Node ${process.version}, ${version}, ${total.toLocaleString('en')} commits on ${c.refs.toLocaleString('en')} refs (${what}), median of ${o.runs}`,
      '',
      '| case | privacyctl (wall) | baseline (wall) | ratio | CPU user+sys: privacyctl / baseline | peak RSS: node / node or its git child / baseline git | found |',
      '|---|---|---|---|---|---|---|',
      `| export --email | ${(pm / 1000).toFixed(2)} s | ${(bm / 1000).toFixed(2)} s | ${(pm / bm).toFixed(1)}× | ${(pcCpu / 1000).toFixed(2)} s / ${(bcCpu / 1000).toFixed(2)} s | ${self.toFixed(0)} / ${rss.toFixed(0)} / ${baseRss.toFixed(0)} MiB | ${Object.entries(
        found,
      )
        .map(([k, v]) => `${v} ${k}`)
        .join(', ')} |`,
      '',
    ].join('\n'),
  );
}

main().catch((err) => {
  log(`bench/git.js: ${err.message}`);
  process.exit(1);
});
