// The audit trail against someone who edits the state directory: every kind of tampering below
// makes `audit verify` fail and say where — the key catches changed, forged and re-chained
// entries, the anchors (the ledger, the stored receipts, a head kept elsewhere) catch what the key
// cannot: entries cut off the end, an emptied or older trail, and rewrites by someone who holds
// the key. And a trail that cannot take an entry (a torn last line, a failed anchor) fails the
// run instead of going unaudited, until it is repaired.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { createHash, createHmac } from 'node:crypto';
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { AuditHeadResult, AuditRepairResult, AuditVerifyResult, EraseReceiptResult } from '../../src/cli/results.js';
import { ANN, cleanupWorkspaces, expectSameFiles, makeWorkspace, run, runJson, snapshot } from './helpers.js';

afterAll(cleanupWorkspaces);

const GENESIS = '0'.repeat(64);
type Entry = Record<string, unknown> & { seq: number; prev: string; hash: string };
type Problem = { where: string; reason: string };

const stateOf = (ws: string) => join(ws, '.privacyctl');
const trailOf = (ws: string) => join(stateOf(ws), 'audit.ndjson');
const entries = (ws: string): Entry[] =>
  readFileSync(trailOf(ws), 'utf8')
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as Entry);
const writeEntries = (ws: string, list: Entry[]) => writeFileSync(trailOf(ws), list.map((e) => `${JSON.stringify(e)}\n`).join(''));
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const keyedBy = (ws: string) => {
  const key = Buffer.from(readFileSync(join(stateOf(ws), 'audit.key'), 'utf8').trim(), 'hex');
  return (text: string) => createHmac('sha256', key).update(text).digest('hex');
};

/** What a forger does: renumber and re-link the entries from index `from` on, hashing each with `digest`. */
function rechain(list: Entry[], from: number, digest: (text: string) => string): Entry[] {
  let prev = from === 0 ? GENESIS : list[from - 1]!.hash;
  return list.map((e, i) => {
    if (i < from) return e;
    const { hash: _old, ...body } = { ...e, seq: i + 1, prev };
    const hash = digest(JSON.stringify(body));
    prev = hash;
    return { ...body, hash };
  });
}

function forged(seq: number, prev: string, digest: (text: string) => string): Entry {
  const body = { seq, ts: new Date().toISOString(), user: 'mallory', command: 'find', exitCode: 0, prev };
  return { ...body, hash: digest(JSON.stringify(body)) };
}

function ledger<T>(ws: string, fn: (db: Database.Database) => T): T {
  const db = new Database(join(stateOf(ws), 'ledger.db'));
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

const moveLedgerHead = (ws: string, e: Entry) => ledger(ws, (db) => db.prepare('UPDATE audit_head SET seq = ?, hash = ?').run(e.seq, e.hash));

function receiptFile(ws: string): string {
  const dir = join(stateOf(ws), 'receipts');
  const files = readdirSync(dir);
  expect(files).toHaveLength(1);
  return join(dir, files[0]!);
}

function editReceipt(ws: string, edit: (r: Record<string, unknown>) => void): void {
  const file = receiptFile(ws);
  const r = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  edit(r);
  writeFileSync(file, JSON.stringify(r, null, 2));
}

function verify(ws: string, args: string[] = []): { code: number | null; ok: boolean; problems: Problem[]; stderr: string; json: AuditVerifyResult } {
  const r = runJson<AuditVerifyResult>(ws, ['--json', 'audit', 'verify', ...args]);
  return { code: r.code, ok: r.json.ok, problems: r.json.problems, stderr: r.stderr, json: r.json };
}

/** A workspace with a trail of 10 entries made by real commands: an erasure (with its receipt) at 8. */
let built: string;
let olderTrail: string;
let headAt10: string;
beforeAll(() => {
  built = makeWorkspace();
  const runs = [
    ['find', '--email', ANN],
    ['requests', 'add', '--type', 'erasure', '--email', ANN],
    ['find', '--github', 'ann-example'],
    ['requests', 'list'],
    ['sources'],
    ['export', '--email', ANN, '-o', 'ann.json'],
    ['find', '--email', ANN],
    ['erase', '--email', ANN, '--apply', '--yes'],
    ['suppressed', '--email', ANN],
    ['requests', 'list'],
  ];
  for (const [i, args] of runs.entries()) {
    expect(run(built, args).code).toBe(0);
    if (i === 5) olderTrail = readFileSync(trailOf(built), 'utf8');
  }
  headAt10 = run(built, ['audit', 'head']).stdout.trim();
}, 120_000);

/** A copy of the built workspace's state, to tamper with. */
function fresh(): string {
  const ws = makeWorkspace();
  cpSync(stateOf(built), stateOf(ws), { recursive: true });
  return ws;
}

describe('audit verify on an untouched trail', () => {
  it('says intact, with the head, the ledger and the receipt agreeing', () => {
    const ws = fresh();
    const list = entries(ws);
    expect(list.map((e) => e.command)).toEqual(['find', 'add', 'find', 'list', 'sources', 'export', 'find', 'erase', 'suppressed', 'list']);
    const r = verify(ws);
    expect(r).toMatchObject({ code: 0, ok: true, problems: [] });
    expect(r.json).toMatchObject({ entries: 10, head: { seq: 10, hash: list[9]!.hash }, anchor: { seq: 10, hash: list[9]!.hash }, unanchored: 0, receipts: 1 });
    expect(JSON.parse(readFileSync(receiptFile(ws), 'utf8')).auditHead).toEqual({ seq: 7, hash: list[6]!.hash });

    expect(headAt10).toBe(`10:${list[9]!.hash}`);
    const human = run(ws, ['audit', 'verify', '--head', headAt10]);
    expect(human.code).toBe(0);
    expect(human.stdout).toBe(`audit trail intact: 10 entries, head ${headAt10}; matches the ledger, 1 stored receipt, --head\n`);
  });

  it('accepts an older head given by hand once the trail has grown past it', () => {
    const ws = fresh();
    expect(run(ws, ['find', '--email', ANN]).code).toBe(0);
    expect(verify(ws, ['--head', headAt10])).toMatchObject({ code: 0, ok: true });
    expect(runJson<AuditHeadResult>(ws, ['--json', 'audit', 'head']).json).toMatchObject({ seq: 11, entries: 11 });
  });

  it('says empty on a fresh state directory, where the head is 0:000…', () => {
    const ws = makeWorkspace();
    const r = run(ws, ['audit', 'verify']);
    expect(r).toMatchObject({ code: 0, stdout: 'audit trail empty: no run has been recorded yet\n' });
    expect(run(ws, ['audit', 'head']).stdout).toBe(`0:${GENESIS}\n`);
    expect(existsSync(join(stateOf(ws), 'audit.key'))).toBe(false); // verify creates nothing
  });

  it('refuses a --head that is not SEQ:HASH (exit 2)', () => {
    const r = run(fresh(), ['audit', 'verify', '--head', '10:abc']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--head must be SEQ:HASH');
  });
});

// Each kind: what the tamperer does, and where verify must then point.
const TAMPERING: Array<[string, (ws: string) => string[] | void, string, RegExp]> = [
  ['delete the last line', (ws) => writeEntries(ws, entries(ws).slice(0, -1)), 'ledger', /trail ends at entry 9/],
  ['delete the last 5 lines', (ws) => writeEntries(ws, entries(ws).slice(0, 5)), 'ledger', /trail ends at entry 5/],
  ['empty the file', (ws) => writeFileSync(trailOf(ws), ''), 'ledger', /trail ends at entry 0/],
  ['delete the file', (ws) => rmSync(trailOf(ws)), 'ledger', /trail ends at entry 0/],
  ['cut the last line in half', (ws) => writeFileSync(trailOf(ws), readFileSync(trailOf(ws)).subarray(0, -100)), 'ledger', /trail ends at entry 9/],
  [
    'append a forged line with its sha256 hash recomputed',
    (ws) => writeEntries(ws, [...entries(ws), forged(11, entries(ws)[9]!.hash, sha256)]),
    'line 11',
    /keyed hash/,
  ],
  [
    'edit a middle line',
    (ws) =>
      writeEntries(
        ws,
        entries(ws).map((e, i) => (i === 4 ? { ...e, exitCode: 3 } : e)),
      ),
    'line 5',
    /keyed hash/,
  ],
  [
    'edit a middle line and re-chain the rest with sha256',
    (ws) =>
      writeEntries(
        ws,
        rechain(
          entries(ws).map((e, i) => (i === 4 ? { ...e, user: 'mallory' } : e)),
          4,
          sha256,
        ),
      ),
    'line 5',
    /keyed hash/,
  ],
  [
    'delete a middle line and re-chain the rest with sha256',
    (ws) =>
      writeEntries(
        ws,
        rechain(
          entries(ws).filter((_, i) => i !== 4),
          4,
          sha256,
        ),
      ),
    'line 5',
    /keyed hash/,
  ],
  [
    'insert a forged line in the middle and re-chain the rest with sha256',
    (ws) => writeEntries(ws, rechain(entries(ws).toSpliced(4, 0, forged(5, '', sha256)), 4, sha256)),
    'line 5',
    /keyed hash/,
  ],
  [
    'reorder two lines',
    (ws) =>
      writeEntries(
        ws,
        entries(ws).map((e, i, all) => (i === 4 ? all[5]! : i === 5 ? all[4]! : e)),
      ),
    'line 5',
    /does not follow/,
  ],
  ['duplicate a line', (ws) => writeEntries(ws, entries(ws).toSpliced(5, 0, entries(ws)[4]!)), 'line 6', /does not follow/],
  [
    'change a sequence number',
    (ws) =>
      writeEntries(
        ws,
        entries(ws).map((e, i) => (i === 4 ? { ...e, seq: 50 } : e)),
      ),
    'line 5',
    /sequence number 50 where 5/,
  ],
  ['delete the first line', (ws) => writeEntries(ws, entries(ws).slice(1)), 'line 1', /does not follow/],
  [
    'replace the whole trail with a freshly chained forged one',
    (ws) =>
      writeEntries(
        ws,
        rechain(
          Array.from({ length: 10 }, (_, i) => forged(i + 1, '', sha256)),
          0,
          sha256,
        ),
      ),
    'line 1',
    /keyed hash/,
  ],
  ['roll the trail back to an older copy', (ws) => writeFileSync(trailOf(ws), olderTrail), 'ledger', /trail ends at entry 6/],
  [
    "delete the last 5 lines and move the ledger's head back to match",
    (ws) => {
      writeEntries(ws, entries(ws).slice(0, 5));
      moveLedgerHead(ws, entries(ws)[4]!);
    },
    'receipt',
    /head 7:.*trail ends at entry 5/,
  ],
  [
    'delete ledger.db and the last 5 lines',
    (ws) => {
      writeEntries(ws, entries(ws).slice(0, 5));
      for (const f of readdirSync(stateOf(ws))) if (f.startsWith('ledger.db')) rmSync(join(stateOf(ws), f));
    },
    'ledger',
    /no head for a trail of 5 entries/,
  ],
  [
    'edit the head in a stored receipt',
    (ws) => editReceipt(ws, (r) => ((r['auditHead'] as Entry).hash = sha256('x'))),
    'receipt',
    /entry 7 of the trail is not the one recorded/,
  ],
  ['remove the head from a stored receipt', (ws) => editReceipt(ws, (r) => delete r['auditHead']), 'receipt', /records no audit head/],
  ['delete the audit key', (ws) => rmSync(join(stateOf(ws), 'audit.key')), 'key', /missing/],
  ['replace the audit key with another', (ws) => writeFileSync(join(stateOf(ws), 'audit.key'), `${sha256('another key')}\n`), 'line 1', /keyed hash/],
  [
    'with the key: edit a middle line, re-chain with the HMAC and move the ledger head',
    (ws) => {
      writeEntries(
        ws,
        rechain(
          entries(ws).map((e, i) => (i === 2 ? { ...e, exitCode: 3 } : e)),
          2,
          keyedBy(ws),
        ),
      );
      moveLedgerHead(ws, entries(ws)[9]!);
    },
    'receipt',
    /entry 7 of the trail is not the one recorded/,
  ],
  [
    'with the key: re-chain with the HMAC, move the ledger head and every receipt head (caught by the head kept elsewhere)',
    (ws) => {
      writeEntries(
        ws,
        rechain(
          entries(ws).map((e, i) => (i === 2 ? { ...e, exitCode: 3 } : e)),
          2,
          keyedBy(ws),
        ),
      );
      moveLedgerHead(ws, entries(ws)[9]!);
      editReceipt(ws, (r) => (r['auditHead'] = { seq: 7, hash: entries(ws)[6]!.hash }));
      return ['--head', headAt10];
    },
    '--head',
    /entry 10 of the trail is not the one recorded/,
  ],
];

describe(`audit verify detects tampering (${TAMPERING.length} kinds)`, () => {
  it.each(TAMPERING)('%s', (_kind, tamper, where, reason) => {
    const ws = fresh();
    const args = tamper(ws) ?? [];
    const r = verify(ws, args);
    expect(r.code).toBe(1);
    expect(r.ok).toBe(false);
    expect(r.problems).toContainEqual({ where: where === 'receipt' ? expect.stringMatching(/^receipt /) : where, reason: expect.stringMatching(reason) });
    expect(r.stderr).toContain('fails verification');
    // nor is its head handed out for an external log (where only that log can tell)
    if (args.length === 0) expect(run(ws, ['audit', 'head']).code).toBe(1);
  });
});

describe('a run the trail cannot record fails, and the trail is repaired explicitly', () => {
  it('a torn last line: runs fail (exit 1) naming `audit repair`, erasures refuse to start; repair sets it aside and records that', () => {
    const ws = fresh();
    const torn = '{"seq":11,"ts":"2026-';
    writeFileSync(trailOf(ws), torn, { flag: 'a' });

    const sources = run(ws, ['sources']);
    expect(sources.code).toBe(1);
    expect(sources.stdout).toContain('survey-2024'); // its own output still stands
    expect(sources.stderr).toContain('could not record it');
    expect(sources.stderr).toContain('privacyctl audit repair');

    const before = snapshot(ws);
    const erase = run(ws, ['erase', '--email', 'bob@example.org', '--apply', '--yes']);
    expect(erase.code).toBe(1);
    expect(erase.stderr).toContain('nothing was erased');
    expect(erase.stderr).toContain('privacyctl audit repair');
    expectSameFiles(ws, before);

    expect(verify(ws).problems).toEqual([{ where: 'line 11', reason: expect.stringMatching(/^incomplete/) }]);

    const repair = runJson<AuditRepairResult>(ws, ['--json', 'audit', 'repair']);
    expect(repair.code).toBe(0);
    expect(repair.json).toMatchObject({ repaired: true, bytes: torn.length, entry: 11 });
    expect(readFileSync((repair.json as Extract<AuditRepairResult, { repaired: true }>).quarantined, 'utf8')).toBe(torn);
    expect(entries(ws).at(-1)).toMatchObject({
      seq: 11,
      command: 'audit repair',
      repair: { quarantined: expect.stringMatching(/^audit\.ndjson\.torn-/), bytes: torn.length },
    });

    expect(verify(ws)).toMatchObject({ code: 0, ok: true });
    expect(run(ws, ['sources']).code).toBe(0);
    expect(run(ws, ['audit', 'repair']).stdout).toContain('nothing to repair');
  });

  it('repair refuses what is not a crash: a last line cut in half leaves a trail shorter than its anchor', () => {
    const ws = fresh();
    const cut = readFileSync(trailOf(ws)).subarray(0, -100);
    writeFileSync(trailOf(ws), cut);
    const r = run(ws, ['audit', 'repair']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('ends at entry 9, but the ledger recorded entry 10');
    expect(readFileSync(trailOf(ws))).toEqual(cut);
    expect(readdirSync(stateOf(ws)).filter((f) => f.includes('.torn-'))).toEqual([]);
  });

  it('a trail cut short refuses every run until it is restored; an erasure does not start', () => {
    const ws = fresh();
    writeEntries(ws, entries(ws).slice(0, 5));
    const find = run(ws, ['find', '--email', ANN]);
    expect(find.code).toBe(1);
    expect(find.stderr).toContain('the audit trail ends at entry 5, but the ledger recorded entry 10');
    const before = snapshot(ws);
    const erase = run(ws, ['erase', '--email', 'bob@example.org', '--apply', '--yes']);
    expect(erase.code).toBe(1);
    expect(erase.stderr).toContain('nothing was erased');
    expectSameFiles(ws, before);
    expect(entries(ws)).toHaveLength(5); // nothing chained onto the cut trail
  });

  it('an anchor that cannot be recorded fails the erase after its receipt; the entry is anchored by the next run, never reported as tampering', () => {
    const ws = makeWorkspace();
    expect(run(ws, ['find', '--email', ANN]).code).toBe(0);
    // The ledger refuses to record the head (as a full disk or a locked database would).
    const refuse = (db: Database.Database) => db.exec(`CREATE TRIGGER no_head BEFORE UPDATE ON audit_head BEGIN SELECT RAISE(ABORT, 'disk full'); END;`);
    ledger(ws, refuse);

    const erase = runJson<EraseReceiptResult>(ws, ['--json', 'erase', '--email', ANN, '--apply', '--yes']);
    expect(erase.code).toBe(1);
    expect(erase.json.summary.erased).toBe(3); // the receipt is printed: the erasure happened
    expect(erase.stderr).toContain('erase finished (exit 0; what it printed above stands), but the audit trail');
    expect(erase.stderr).toContain('could not be recorded in the ledger (disk full)');
    expect(entries(ws).at(-1)).toMatchObject({ seq: 2, command: 'erase' });

    // One entry past the ledger's head is what a crash between the two writes leaves: not tampering.
    const between = verify(ws);
    expect(between).toMatchObject({ code: 0, ok: true, json: { entries: 2, unanchored: 1 } });
    expect(between.stderr).toContain('not yet recorded in the ledger');
    // While the ledger still refuses, no further entry is written ahead of it.
    expect(run(ws, ['sources']).code).toBe(1);
    expect(entries(ws)).toHaveLength(2);

    ledger(ws, (db) => db.exec('DROP TRIGGER no_head'));
    expect(run(ws, ['sources']).code).toBe(0);
    expect(verify(ws)).toMatchObject({ code: 0, ok: true, json: { entries: 3, unanchored: 0 } });
  });
});

describe('a lock left behind by a process that is gone is taken over', () => {
  function deadPid(): number {
    const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    return Number(child.stdout);
  }
  const leaveLock = (ws: string, content: string) => {
    const lock = `${trailOf(ws)}.lock`;
    writeFileSync(lock, content);
    const anHourAgo = new Date(Date.now() - 3_600_000);
    utimesSync(lock, anHourAgo, anHourAgo);
  };

  it.each([
    ['a dead pid', () => String(deadPid())],
    ['no pid', () => ''],
  ])('holding %s: later runs are recorded and exit 0', (_what, content) => {
    const ws = fresh();
    leaveLock(ws, content());
    const r = run(ws, ['sources']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(entries(ws).at(-1)).toMatchObject({ seq: 11, command: 'sources' });
    expect(verify(ws)).toMatchObject({ code: 0, ok: true });
  });
});
