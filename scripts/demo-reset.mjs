#!/usr/bin/env node
// `npm run demo:reset`: the demo as a fresh clone has it — fixtures/ restored from git (an
// `erase --apply` rewrites them) and the demo's state directory removed (ledger, receipts,
// journals, the seeded accounts database, the git cache), so the README's examples start over.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
try {
  execFileSync('git', ['checkout', '--', 'fixtures'], { cwd: root, stdio: 'inherit' });
} catch {
  process.stderr.write('demo:reset: fixtures/ could not be restored with git (is this a clone of the repository?)\n');
  process.exit(1);
}
rmSync(join(root, '.privacyctl'), { recursive: true, force: true });
process.stdout.write('demo reset: fixtures/ restored, .privacyctl/ removed\n');
