#!/usr/bin/env node
// Benchmark of the github adapter (not part of `npm test`): `npm run build && node bench/github.js`.
// Runs the fake GitHub of the tests (__tests__/fake-github/server.js) with a fixed latency per
// request (default 50 ms) and times the adapter's discover() for
//   - an ordinary contributor (the demo world's ann-example: a handful of items), and
//   - a prolific one with N items (default 3,000: 40 % commits, 27 % issues and pull requests
//     authored, 20 % threads commented on, 13 % pull requests reviewed),
// by handle and by address, with the adapter's default settings (real waits: none happen here,
// the fake sets no rate limit). Prints one markdown table on stdout; progress on stderr.
//   node bench/github.js [--items N] [--latency MS] [--runs K]
import { dirname, join } from 'node:path';
import { cpus } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { log, median, parseOptions } from './lib.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const imp = (p) => import(pathToFileURL(join(ROOT, p)).href);
const { createGithubAdapter, clearGithubCache, githubSourceSchema } = await imp('dist/adapters/github/index.js');
const { IdentityMatcher } = await imp('dist/core/identity.js');
const { FakeGitHub, demoWorld } = await imp('__tests__/fake-github/server.js');

/** The demo world plus a prolific contributor `pat-prolific` (pat@example.org) with `n` items. */
function prolificWorld(n) {
  const w = demoWorld();
  w.users.push({ login: 'pat-prolific', id: 2001, name: 'Pat Prolific', email: 'pat@example.org' });
  w.members['pat-prolific'] = 'member';
  w.teams[1].members['pat-prolific'] = 'member';
  const commits = Math.round(n * 0.4);
  const authored = Math.round(n * 0.27);
  const commented = Math.round(n * 0.2);
  const reviewed = n - commits - authored - commented;
  const t0 = Date.UTC(2016, 0, 1);
  const at = (i, total) => new Date(t0 + Math.floor((i * 9 * 365 * 86_400_000) / total)).toISOString().replace(/\.\d{3}Z$/, 'Z');
  for (let i = 0; i < commits; i++) {
    w.commits.push({
      repo: i % 3 ? 'lanternfish' : 'docs',
      sha: `p${i.toString(16)}`.padStart(40, '0'),
      message: `Change ${i}`,
      login: 'pat-prolific',
      email: 'pat@example.org',
      name: 'Pat Prolific',
      date: at(i, commits),
    });
  }
  let number = 1000;
  for (let i = 0; i < authored; i++) {
    w.issues.push({
      repo: 'lanternfish',
      number: number++,
      title: `Pat's issue ${i}`,
      body: `Details ${i}`,
      user: 'pat-prolific',
      created_at: at(i, authored),
      pull: i % 2 === 0,
      comments: [],
    });
  }
  for (let i = 0; i < commented; i++) {
    w.issues.push({
      repo: 'lanternfish',
      number: number++,
      title: `Someone's issue ${i}`,
      body: 'Theirs',
      user: 'cy-other',
      created_at: at(i, commented),
      comments: [
        { id: 100_000 + i, user: 'cy-other', body: 'Cy', created_at: at(i, commented) },
        { id: 200_000 + i, user: 'pat-prolific', body: `Pat's comment ${i}`, created_at: at(i, commented) },
      ],
    });
  }
  for (let i = 0; i < reviewed; i++) {
    w.issues.push({
      repo: 'docs',
      number: number++,
      title: `Someone's PR ${i}`,
      body: 'Theirs',
      user: 'cy-other',
      created_at: at(i, reviewed),
      pull: true,
      comments: [],
      reviews: [{ id: 300_000 + i, user: 'pat-prolific', body: `Pat's review ${i}`, state: 'APPROVED', submitted_at: at(i, reviewed) }],
    });
  }
  return w;
}

async function measure(fake, ids, tuning) {
  clearGithubCache();
  const cfg = githubSourceSchema.parse({ name: 'gh', kind: 'github', org: 'lanternfish', baseUrl: fake.base, tokenEnv: 'PRIVACYCTL_BENCH_GH_TOKEN' });
  const adapter = createGithubAdapter(cfg, { configDir: ROOT, stateDir: join(ROOT, '.privacyctl') }, tuning);
  const stats = {};
  const warnings = [];
  let records = 0;
  let links = 0;
  const before = fake.requests;
  const t = process.hrtime.bigint();
  const ctx = { signal: new AbortController().signal, log: { info() {}, warn: (m) => warnings.push(m) }, stats };
  for await (const item of adapter.discover(new IdentityMatcher(ids), ctx)) {
    if (item.kind === 'identity-link') links++;
    else records++;
  }
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  if (stats.requests !== fake.requests - before) throw new Error(`request count mismatch: adapter ${stats.requests}, fake ${fake.requests - before}`);
  return { ms, records, links, stats, warnings };
}

const opts = parseOptions(process.argv.slice(2), { items: 3000, latency: 50, runs: 3 });
process.env.PRIVACYCTL_BENCH_GH_TOKEN = 'test-token';
const fake = new FakeGitHub(prolificWorld(opts.items), { latencyMs: opts.latency });
await fake.start();
const N = opts.items.toLocaleString('en');
const UNPACED = { maxPerMinute: 0 };
const cases = [
  { name: 'ordinary contributor, `--github ann-example`', ids: [{ type: 'github', value: 'ann-example' }] },
  { name: 'ordinary contributor, `--email ann@example.org`', ids: [{ type: 'email', value: 'ann@example.org' }] },
  {
    name: `${N} items, \`--github pat-prolific\`, default pacing (800 requests a minute)`,
    ids: [{ type: 'github', value: 'pat-prolific' }],
    expect: opts.items,
    runs: 1,
  },
  { name: `${N} items, \`--github pat-prolific\`, pacing off`, ids: [{ type: 'github', value: 'pat-prolific' }], expect: opts.items, tuning: UNPACED },
  { name: `${N} items, \`--email pat@example.org\``, ids: [{ type: 'email', value: 'pat@example.org' }] },
];
const rows = [];
try {
  for (const c of cases) {
    const runs = [];
    for (let i = 0; i < (c.runs ?? opts.runs); i++) {
      const r = await measure(fake, c.ids, c.tuning);
      log(`${c.name}: run ${i + 1}: ${r.records} records, ${r.stats.requests} requests, ${(r.ms / 1000).toFixed(2)} s`);
      if (c.expect !== undefined && r.records < c.expect) throw new Error(`expected at least ${c.expect} records, got ${r.records}`);
      if (r.warnings.length) throw new Error(`warnings: ${r.warnings.join('; ')}`);
      runs.push(r);
    }
    const last = runs[runs.length - 1];
    rows.push(
      `| ${c.name} | ${last.records} | ${last.links} | ${last.stats.requests} | ${last.stats.searches ?? 0} (${last.stats.searchSplits ?? 0} split) | ${(median(runs.map((r) => r.ms)) / 1000).toFixed(2)} s | ${runs.length} |`,
    );
  }
} finally {
  await fake.stop();
}
const now = new Date()
  .toISOString()
  .replace(/:\d\d\.\d+Z$/, ' UTC')
  .replace('T', ' ');
process.stdout.write(
  `Run ${now}: ${cpus().length} CPUs, Node ${process.version}, fake GitHub on 127.0.0.1 with ${opts.latency} ms latency per request, median of the runs shown, one discover() round (no identity expansion).\n\n` +
    '| case | records | identity links | requests | searches | wall time | runs |\n|---|---|---|---|---|---|---|\n' +
    `${rows.join('\n')}\n`,
);
