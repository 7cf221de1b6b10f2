#!/usr/bin/env node
// Tiny shim: the program lives in dist/ (built by `npm ci` via the prepare script: tsc, then one
// bundle of the CLI at dist/cli/main.js, scripts/bundle.mjs).
// With --debug, stack traces name the TypeScript sources: Node reads the source maps only of
// modules loaded after they are enabled, so here, before the bundle is imported.
if (process.argv.includes('--debug')) process.setSourceMapsEnabled(true);
import('../dist/cli/main.js')
  .then((m) => m.main(process.argv))
  .catch((err) => {
    process.stderr.write(`privacyctl: cannot start (${err && err.message ? err.message : err}); run \`npm ci\` to build dist/.\n`);
    process.exit(1);
  });
