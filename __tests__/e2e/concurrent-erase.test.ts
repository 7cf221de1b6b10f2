// Writers at the same time as an erasure: two `erase --apply` runs for different people on one
// large CSV both take effect (privacyctl runs take turns on a file), and an application appending
// rows while a run rewrites the file loses none of them.
import { afterEach, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ANN, ANN_LATE_ROW, BOOTH, bigBooth, cleanupWorkspaces, makeWorkspace, read, sleep, spawnCli, without } from './helpers.js';

afterEach(cleanupWorkspaces);

const ANN_ROW = 'Ann;Example;ann@example.org;Lanternfish Labs;M;vegetarian;2024-10-01\n';
// a generated registration in the middle of bigBooth()
const OTHER = 'user150000@example.com';
const OTHER_ROW = 'User150000;Generated-Surname-450;user150000@example.com;Example Company Number 4913 GmbH & Co. KG;S;;2024-10-05T09:00:00Z\n';

const BIG = bigBooth(readFileSync(join(makeWorkspace(), BOOTH), 'utf8'));
cleanupWorkspaces();

function bigWorkspace(): string {
  const ws = makeWorkspace();
  writeFileSync(join(ws, BOOTH), BIG);
  return ws;
}

/** Run the CLI without blocking (several at once); resolves with its exit code and stderr. */
function start(ws: string, args: string[]): Promise<{ code: number | null; stderr: string }> {
  const child = spawnCli(ws, args);
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout!.resume();
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stderr })));
}

const erase = (ws: string, email: string) => start(ws, ['erase', '--email', email, '--apply', '--yes']);

describe('two erase --apply runs at once on one 300,000-row CSV', () => {
  it('20 pairs: both exit 0 and both rows are gone every time, every other byte identical', async () => {
    expect(BIG.includes(OTHER_ROW)).toBe(true);
    const expected = without(without(without(BIG, ANN_ROW), ANN_LATE_ROW), OTHER_ROW);
    const outcomes: string[] = [];
    for (let pair = 1; pair <= 20; pair++) {
      const ws = bigWorkspace();
      const [a, b] = await Promise.all([erase(ws, ANN), erase(ws, OTHER)]);
      const now = read(ws, BOOTH);
      const left = [now.includes(ANN_ROW) || now.includes(ANN_LATE_ROW) ? 'ann' : '', now.includes(OTHER_ROW) ? 'other' : ''].filter(Boolean);
      if (a.code !== 0 || b.code !== 0 || !now.equals(expected)) {
        outcomes.push(
          `pair ${pair}: exits ${a.code}/${b.code}, rows left: ${left.join(', ') || 'none'}, file ${now.equals(expected) ? 'as expected' : 'differs'}\n${a.stderr.slice(-300)}\n${b.stderr.slice(-300)}`,
        );
      }
      cleanupWorkspaces();
    }
    expect(outcomes).toEqual([]);
  }, 400_000);
});

// An application writing the file as applications do: open, append one row, close; every few ms.
const APPENDER = `
const fs = require('node:fs');
const [file, stop] = process.argv.slice(1);
let i = 0;
const tick = () => {
  if (fs.existsSync(stop)) return process.stdout.write(String(i));
  fs.appendFileSync(file, 'Appended;Row' + i + ';appended' + i + '@example.com;Appender Co;M;;2024-10-09\\n');
  i++;
  setTimeout(tick, 1 + (i % 4));
};
tick();`;

describe('an application appending rows while erase --apply rewrites the file', () => {
  it('never loses a line (5 runs)', async () => {
    const expected = without(without(BIG, ANN_ROW), ANN_LATE_ROW);
    const outcomes: string[] = [];
    for (let run = 1; run <= 5; run++) {
      const ws = bigWorkspace();
      const file = join(ws, BOOTH);
      const stop = join(ws, 'stop-appending');
      const appender = spawn(process.execPath, ['-e', APPENDER, file, stop], { stdio: ['ignore', 'pipe', 'inherit'] });
      let count = '';
      appender.stdout.on('data', (d: Buffer) => (count += d.toString()));
      const appenderDone = new Promise((resolve) => appender.on('close', resolve));
      await sleep(50);
      const r = await erase(ws, ANN);
      await sleep(200); // appends after the rewrite, too
      writeFileSync(stop, '');
      await appenderDone;
      const n = Number(count);
      const now = read(ws, BOOTH);
      const head = now.subarray(0, expected.length);
      const tail = now.subarray(expected.length).toString('utf8').split('\n').filter(Boolean);
      const want = Array.from({ length: n }, (_, i) => `Appended;Row${i};appended${i}@example.com;Appender Co;M;;2024-10-09`);
      const lost = want.filter((l) => !tail.includes(l));
      const ok = r.code === 0 && head.equals(expected) && lost.length === 0 && tail.length === n && n > 0;
      if (!ok)
        outcomes.push(
          `run ${run}: exit ${r.code}, ${n} appended, ${lost.length} lost, ${tail.length} after the kept rows, kept rows ${head.equals(expected) ? 'identical' : 'differ'}\n${r.stderr.slice(-300)}`,
        );
      cleanupWorkspaces();
    }
    expect(outcomes).toEqual([]);
  }, 300_000);
});
