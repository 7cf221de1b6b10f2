#!/usr/bin/env node
// Tiny shim: the program is built into dist/ (by `npm ci` via the prepare script): tsc's output,
// bundled into dist/bundle/ (scripts/bundle.mjs).
import('../dist/bundle/main.js').then((m) => m.main(process.argv)).catch((err) => {
  process.stderr.write(`privacyctl: cannot start (${err && err.message ? err.message : err}); run \`npm ci\` to build dist/.\n`);
  process.exit(1);
});
