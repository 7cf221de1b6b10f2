// kill -9 in the middle of `erase --apply`: every file is either exactly as before or exactly as an
// uninterrupted run leaves it (no other person's data lost or half-written), and a re-run of the
// same command finishes with the same result as an uninterrupted one (see docs/decisions.md, "Plans, journal, receipts").
import { afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ANN, ANN_LATE_ROW, BOOTH, CSV_FILES, bigBooth, cleanupWorkspaces, listFiles, makeWorkspace, read, run, sleep, spawnCli, without } from './helpers.js';

afterEach(cleanupWorkspaces);

const ERASE = ['erase', '--email', ANN, '--apply', '--yes'];
const HIDDEN_TEMP = /^\.[^/]+\.privacyctl-[^/]*\.tmp$/;

function prepare(content: Buffer): string {
  const ws = makeWorkspace();
  writeFileSync(join(ws, BOOTH), content);
  ORIGINAL = new Set(listFiles(ws));
  return ws;
}

function journalText(ws: string): string {
  const dir = join(ws, '.privacyctl', 'journal');
  if (!existsSync(dir)) return '';
  let text = '';
  for (const f of readdirSync(dir)) {
    if (!f.endsWith('.ndjson')) continue;
    try {
      text += readFileSync(join(dir, f), 'utf8');
    } catch {
      // renamed under us
    }
  }
  return text;
}

/** Files in the data directories that are not the CSV sources (leftover temporaries). */
/** Files in the workspace that were not there before the run (the demo grows other sources' files). */
function strayFiles(ws: string, before: ReadonlySet<string> = ORIGINAL): string[] {
  return listFiles(ws).filter((f) => !before.has(f));
}
let ORIGINAL: ReadonlySet<string> = new Set();

/** Start the erase and send `sig` as soon as the journal shows the first source finished (or `until` holds). */
async function eraseAndKill(
  ws: string,
  sig: NodeJS.Signals = 'SIGKILL',
  until: (journal: string) => boolean = (j) => j.includes('"event":"source-end"'),
): Promise<{ journal: string; exited: boolean; code: number | null; stderr: string }> {
  const child = spawnCli(ws, ERASE);
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout!.resume();
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  let exited = false;
  void exit.then(() => {
    exited = true;
  });
  const deadline = Date.now() + 20_000;
  while (!exited && Date.now() < deadline) {
    if (until(journalText(ws))) break;
    await sleep(1);
  }
  const exitedBeforeKill = exited;
  child.kill(sig);
  const how = await exit;
  return { journal: journalText(ws), exited: exitedBeforeKill || (sig === 'SIGKILL' && how.signal !== 'SIGKILL'), code: how.code, stderr };
}

describe('interrupted erase', () => {
  let big: Buffer;
  let before: Map<string, Buffer>;
  let erased: Map<string, Buffer>;

  // the reference: the same erase, uninterrupted, on a copy of the same big data
  beforeAll(() => {
    const original = readFileSync(join(makeWorkspace(), BOOTH), 'utf8');
    big = bigBooth(original);
    const ref = prepare(big);
    before = new Map(CSV_FILES.map((f) => [f, read(ref, f)]));
    const refRun = run(ref, ERASE, { timeout: 60_000 });
    expect(refRun.code).toBe(0);
    erased = new Map(CSV_FILES.map((f) => [f, read(ref, f)]));
    cleanupWorkspaces();
  }, 60_000);

  it('kill -9 after each journal entry in turn: every file old-or-new each time, and every re-run ends like an uninterrupted run', async () => {
    const points = new Set<number>();
    for (let k = 1; k <= 10; k++) {
      const ws = prepare(big);
      const { journal } = await eraseAndKill(ws, 'SIGKILL', (j) => j.split('\n').filter(Boolean).length >= k);
      points.add(journal.split('\n').filter(Boolean).length);
      for (const f of CSV_FILES) {
        const now = read(ws, f);
        expect({ k, f, oldOrNew: now.equals(before.get(f)!) || now.equals(erased.get(f)!) }).toEqual({ k, f, oldOrNew: true });
      }
      const again = run(ws, ERASE, { timeout: 60_000 });
      expect({ k, code: again.code }).toEqual({ k, code: 0 });
      for (const f of CSV_FILES) expect({ k, f, same: read(ws, f).equals(erased.get(f)!) }).toEqual({ k, f, same: true });
      cleanupWorkspaces();
    }
    // the kills landed at several different points of the run, not all at one
    expect(points.size).toBeGreaterThanOrEqual(3);
  }, 180_000);

  it('kill -9: every file old-or-new, and a re-run finishes exactly like an uninterrupted run', async () => {
    for (const f of CSV_FILES) expect(erased.get(f)!.equals(before.get(f)!)).toBe(false);
    // the reference itself: exactly ann's two rows gone from the big file
    expect(erased.get(BOOTH)!.equals(without(without(big, 'Ann;Example;ann@example.org;Lanternfish Labs;M;vegetarian;2024-10-01\n'), ANN_LATE_ROW))).toBe(true);

    const ws = prepare(big);
    const { journal, exited } = await eraseAndKill(ws);
    expect(exited).toBe(false); // it was killed, not finished
    expect(journal).toContain('"event":"source-end"');
    expect(journal).not.toContain('"event":"complete"');
    // the unfinished plan is kept for the re-run: its identities, never the records' data
    const kept = readdirSync(join(ws, '.privacyctl', 'journal')).filter((f) => f.endsWith('.plan.json'));
    expect(kept).toHaveLength(1);
    const plan = readFileSync(join(ws, '.privacyctl', 'journal', kept[0]!), 'utf8');
    expect(plan).toContain(ANN);
    expect(plan).not.toMatch(/Loved the mentoring|vegetarian|Lanternfish Labs/);

    // every real file is exactly the old bytes or exactly the fully-erased bytes
    const states: Record<string, string> = {};
    for (const f of CSV_FILES) {
      const now = read(ws, f);
      const isOld = now.equals(before.get(f)!);
      const isNew = now.equals(erased.get(f)!);
      states[f] = isOld ? 'old' : isNew ? 'erased' : `neither (${now.length} bytes)`;
    }
    for (const [f, state] of Object.entries(states)) expect([f, state]).toEqual([f, expect.stringMatching(/^(old|erased)$/)]);
    expect(Object.values(states)).toContain('erased'); // the first source had finished
    // a temporary file may survive kill -9, but only as a hidden .*.privacyctl-*.tmp beside its file
    for (const f of strayFiles(ws)) expect(f.split('/').pop()).toMatch(HIDDEN_TEMP);
    for (const f of strayFiles(ws)) expect(CSV_FILES.map((c) => dirname(c))).toContain(dirname(f));

    // the same command again: finishes, reports the resumption, leaves the uninterrupted result
    const again = run(ws, ERASE, { timeout: 60_000 });
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/resumed/i);
    expect(again.stdout).toContain('survey-2024'); // erased by the killed run, still on the receipt
    for (const f of CSV_FILES) expect(read(ws, f).equals(erased.get(f)!)).toBe(true);
    for (const f of strayFiles(ws)) {
      expect(f.split('/').pop()).toMatch(HIDDEN_TEMP);
      expect(read(ws, f).toString('utf8').toLowerCase()).not.toContain(ANN); // no copy of her data survives
    }

    const v = run(ws, ['verify', '--email', ANN]);
    expect(v.code).toBe(0);
    const done = run(ws, ERASE);
    expect(done.code).toBe(0);
    for (const f of CSV_FILES) expect(read(ws, f).equals(erased.get(f)!)).toBe(true);
  }, 60_000);

  it('Ctrl-C (SIGINT): exit 130 at a safe point, no temporary file left, and the re-run resumes', async () => {
    const ws = prepare(big);
    const r = await eraseAndKill(ws, 'SIGINT');
    expect(r.code).toBe(130);
    expect(r.stderr).toMatch(/re-run/);
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(r.journal).not.toContain('"event":"complete"');
    for (const f of CSV_FILES) {
      const now = read(ws, f);
      expect(now.equals(before.get(f)!) || now.equals(erased.get(f)!)).toBe(true);
    }
    expect(strayFiles(ws)).toEqual([]);

    const again = run(ws, ERASE, { timeout: 60_000 });
    expect(again.code).toBe(0);
    for (const f of CSV_FILES) expect(read(ws, f).equals(erased.get(f)!)).toBe(true);
    expect(strayFiles(ws)).toEqual([]);
    expect(run(ws, ['verify', '--email', ANN]).code).toBe(0);
  }, 60_000);
});
