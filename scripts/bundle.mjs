#!/usr/bin/env node
// The second step of `npm run build`: bundles tsc's output (dist/) into dist/bundle/, which
// bin/privacyctl.js runs. Starting the CLI is a fixed cost of every run, and loading ~200 small
// ES modules (ours and zod's, mostly) took ~60 ms of it; one bundle loads in a fraction of that.
// The mbox scan worker is a second entry point beside main.js, so that parallel.ts finds it as
// `./scan-worker.js` in the bundle as in dist/. What is imported dynamically goes to a chunk of its
// own, loaded only then (libmime, the ledger); mailparser, Octokit, the database drivers and ora
// stay external (and lazy): large, native, or loaded only on demand anyway.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'dist', 'bundle');
rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: { main: join(root, 'dist', 'cli', 'main.js'), 'scan-worker': join(root, 'dist', 'adapters', 'mbox', 'scan-worker.js') },
  outdir,
  bundle: true,
  splitting: true, // shared code in chunks beside the entries (the same directory: see above)
  chunkNames: '[name]-[hash]',
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: ['mailparser', '@octokit/*', 'pg', 'better-sqlite3', 'ora'],
  // CommonJS packages in an ES module bundle call require()
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  logLevel: 'warning',
});
