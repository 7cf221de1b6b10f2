// The erasure journal, one per plan: `journal/<planId>.ndjson`, one fsync'd line per event,
// written before and after each source's erasure. Beside it, while the erasure is unfinished,
// `journal/<planId>.plan.json` keeps the plan itself — the full identity set included — so that a
// re-run after Ctrl-C, kill -9 or a source outage carries out the same plan for the same
// identities, even once the record that linked an identity (an account row, a Slack profile) is
// gone. When the erasure is finished (receipt stored, suppression list written) the plan file is
// deleted and the journal renamed `*.done.ndjson`: the events hold plan ids, step ids, locators
// and salted hashes only — never identities.
import { appendFileSync, closeSync, existsSync, fsyncSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../core/atomic-file.js';
import { identityKey, type Identity } from '../core/identity.js';
import type { ErasurePlan } from '../core/plan.js';
import { redactSecrets } from '../core/secrets.js';
import { scrubDeep, type Scrub } from './scrub.js';
import type { StateDir } from './state-dir.js';

export type JournalEvent =
  | { event: 'start'; planId: string }
  | { event: 'source-begin'; source: string }
  | { event: 'step'; stepId: string; source: string; type: string; locator: string; action: string; status: 'done' | 'gone' | 'failed'; detail?: string }
  | { event: 'source-end'; source: string; ok: boolean; reason?: string; notes?: string[] }
  // Written before the receipt file, so that a re-run replaces that file rather than storing a
  // second receipt of the same erasure.
  | { event: 'receipt'; file: string }
  | { event: 'complete'; planId: string };

export type JournalEntry = JournalEvent & { ts: string };

type StepEntry = Extract<JournalEntry, { event: 'step' }>;

export class Journal {
  private constructor(
    readonly file: string,
    private readonly planFile: string,
    readonly previous: JournalEntry[],
  ) {}

  /** The journal of this plan; `previous` holds an unfinished earlier run's entries. */
  static open(state: StateDir, planId: string): Journal {
    const dir = state.ensure('journal');
    const file = join(dir, `${planId}.ndjson`);
    const planFile = join(dir, `${planId}.plan.json`);
    let previous = existsSync(file) ? readEntries(file) : [];
    if (existsSync(file) && !endsWithNewline(file)) appendFileSync(file, '\n'); // after a torn line: the next entry starts a line of its own
    if (previous.at(-1)?.event === 'complete') {
      // finished, but killed before it was put away
      retire(file, planFile);
      previous = [];
    }
    return new Journal(file, planFile, previous);
  }

  /**
   * The plan of an unfinished erasure that covers one of these identities (the newest, if
   * several), or the plan with this id: what a re-run must finish before anything else.
   */
  static unfinished(state: StateDir, match: { identities?: Identity[]; planId?: string }): ErasurePlan | undefined {
    const dir = join(state.path, 'journal');
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return undefined;
    }
    // An erasure killed after its `complete` entry but before it was put away is finished: put
    // away now, never carried out again (that would store a second receipt of it).
    for (const name of names.filter((n) => /^[^.]+\.ndjson$/.test(n))) {
      const file = join(dir, name);
      if (readEntries(file).at(-1)?.event === 'complete') retire(file, file.replace(/\.ndjson$/, '.plan.json'));
    }
    const wanted = new Set((match.identities ?? []).map(identityKey));
    const found: Array<{ plan: ErasurePlan; mtime: number }> = [];
    for (const name of names.filter((n) => n.endsWith('.plan.json') && existsSync(join(dir, n)))) {
      const path = join(dir, name);
      let plan: ErasurePlan;
      try {
        plan = JSON.parse(readFileSync(path, 'utf8')) as ErasurePlan;
      } catch {
        continue; // written atomically: never torn; not ours otherwise
      }
      const hit = plan.planId === match.planId || plan.subject.identities.some((i) => wanted.has(identityKey(i)));
      if (hit) found.push({ plan, mtime: statSync(path).mtimeMs });
    }
    return found.sort((a, b) => b.mtime - a.mtime)[0]?.plan;
  }

  get interrupted(): boolean {
    return this.previous.length > 0;
  }

  /** Steps an interrupted earlier run carried out. */
  previousSteps(): StepEntry[] {
    return this.previous.filter((e): e is StepEntry => e.event === 'step' && e.status === 'done');
  }

  /** Sources an interrupted earlier run started: what changed there since the plan may be its own work. */
  begunSources(): Set<string> {
    return new Set(this.previous.flatMap((e) => (e.event === 'source-begin' ? [e.source] : [])));
  }

  /** Sources an interrupted earlier run finished: a resumed run does not erase there again. */
  completedSources(): Set<string> {
    return new Set(this.previous.flatMap((e) => (e.event === 'source-end' && e.ok ? [e.source] : [])));
  }

  /** The notes of a source an interrupted earlier run finished (the receipt states them). */
  sourceNotes(source: string): string[] | undefined {
    return this.previous.flatMap((e) => (e.event === 'source-end' && e.ok && e.source === source && e.notes ? [e.notes] : [])).at(-1);
  }

  /** The receipt file of this erasure, if an earlier run of this plan got that far. */
  storedReceipt(): string | undefined {
    return this.previous.flatMap((e) => (e.event === 'receipt' ? [e.file] : [])).at(-1);
  }

  /** Keep the plan (identities included) until the erasure is finished. */
  async keepPlan(plan: ErasurePlan): Promise<void> {
    if (existsSync(this.planFile)) return;
    // Not the records' data: a resumed run needs the identities, the steps and what the receipt
    // lists, and the state directory keeps no more of a person than it must.
    const kept: ErasurePlan = { ...plan, records: plan.records.map(({ data: _data, ...rest }) => ({ ...rest, data: {} })) };
    await writeFileAtomic(this.planFile, `${JSON.stringify(kept)}\n`, 0o600);
  }

  /** Applied to every entry before it is written: keeps identities out of locators and details. */
  scrub: Scrub = (t) => t;

  append(event: JournalEvent): void {
    const fd = openSync(this.file, 'a', 0o600);
    try {
      appendFileSync(fd, `${redactSecrets(JSON.stringify(scrubDeep({ ts: new Date().toISOString(), ...event }, this.scrub)))}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }

  /** The erasure is finished and recorded: forget its identities and put the journal away. */
  finish(planId: string): void {
    this.append({ event: 'complete', planId });
    retire(this.file, this.planFile);
  }
}

function readEntries(file: string): JournalEntry[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .flatMap((l) => {
      try {
        return [JSON.parse(l) as JournalEntry];
      } catch {
        return []; // a line torn by kill -9 mid-write
      }
    });
}

function endsWithNewline(file: string): boolean {
  const text = readFileSync(file);
  return text.length === 0 || text[text.length - 1] === 0x0a;
}

function retire(file: string, planFile: string): void {
  rmSync(planFile, { force: true });
  if (existsSync(file)) renameSync(file, file.replace(/\.ndjson$/, `.${Date.now()}.done.ndjson`));
}
