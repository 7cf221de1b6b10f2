#!/usr/bin/env node
// The second step of `npm run build`: bundles the CLI into dist/cli/main.js (over tsc's file of
// that name), which bin/privacyctl.js runs. Starting the CLI is a fixed cost of every run, and
// loading ~200 small ES modules (ours and zod's, mostly) took ~60 ms of it; one bundle loads in a
// fraction of that. tsc's other files in dist/ stay as they are (tests load state modules from
// them), and tsc's dist/cli/main.js alone would run too, only slower.
// The mbox scan worker is a second entry point beside main.js, and the shared chunks sit there
// too, so that parallel.ts, wherever it is bundled, finds the worker as `./scan-worker.js`. What
// is imported dynamically goes to a chunk of its own, loaded only then (libmime, the ledger);
// mailparser, Octokit, the database drivers and ora stay external (and lazy): large, native, or
// loaded only on demand anyway.
import { build } from 'esbuild';
import { readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'dist', 'cli');
// the chunks of an earlier build (their names carry a hash)
for (const f of readdirSync(outdir)) if (/^bundle-.*\.js(\.map)?$/.test(f)) rmSync(join(outdir, f));
await build({
  entryPoints: { main: join(root, 'src', 'cli', 'main.ts'), 'scan-worker': join(root, 'src', 'adapters', 'mbox', 'scan-worker.ts') },
  outdir,
  bundle: true,
  splitting: true,
  chunkNames: 'bundle-[name]-[hash]',
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  external: ['mailparser', '@octokit/*', 'pg', 'better-sqlite3', 'ora'],
  // jsonc-parser's "main" is a UMD build whose require() calls esbuild cannot follow: bundle its ES module build
  alias: { 'jsonc-parser': 'jsonc-parser/lib/esm/main.js' },
  // CommonJS packages in an ES module bundle call require()
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  logLevel: 'warning',
});
