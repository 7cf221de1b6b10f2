// Unit tests that race two processes need the source as plain JavaScript a child `node` can
// import; bundling it with esbuild here (milliseconds) means they no longer need the built dist/.
// The bundle lives under node_modules/.cache so its bare imports (proper-lockfile,
// better-sqlite3) resolve from the project's node_modules.
import { build } from 'esbuild';
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const OUT_DIR = join(ROOT, 'node_modules', '.cache', 'privacyctl-tests');

/**
 * One ESM file re-exporting, for each source file (a path from the project root, e.g.
 * 'src/state/ledger.ts'), the names listed; returns its absolute path. A name is per test file.
 */
export async function bundleForChild(name: string, exports: Record<string, string[]>): Promise<string> {
  mkdirSync(OUT_DIR, { recursive: true });
  const outfile = join(OUT_DIR, `${name}.mjs`);
  const contents = Object.entries(exports)
    .map(([source, names]) => `export { ${names.join(', ')} } from ${JSON.stringify(join(ROOT, source))};`)
    .join('\n');
  await build({
    stdin: { contents, resolveDir: ROOT, sourcefile: `${name}.ts`, loader: 'ts' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    outfile,
    logLevel: 'silent',
  });
  return outfile;
}
