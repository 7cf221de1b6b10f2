// The erasure journal: one line per event, fsync'd, written before and after each source's
// erasure. A re-run after Ctrl-C, kill -9 or a source outage reads it to report what the
// interrupted run already did. It holds plan ids, step ids and locators — never identities.
import { appendFileSync, closeSync, fsyncSync, openSync, readFileSync, renameSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { redactSecrets } from '../core/secrets.js';
import { scrubDeep, type Scrub } from './scrub.js';
import type { StateDir } from './state-dir.js';

export type JournalEvent =
  | { event: 'start'; planId: string }
  | { event: 'source-begin'; source: string }
  | { event: 'step'; stepId: string; source: string; type: string; locator: string; action: string; status: 'done' | 'gone' | 'failed'; detail?: string }
  | { event: 'source-end'; source: string; ok: boolean; reason?: string }
  | { event: 'complete'; planId: string };

export type JournalEntry = JournalEvent & { ts: string };

export class Journal {
  readonly file: string;
  private constructor(file: string, readonly previous: JournalEntry[]) {
    this.file = file;
  }

  /** Open the journal for this subject; `previous` holds an unfinished earlier run's entries. */
  static open(state: StateDir, subjectKey: string): Journal {
    const dir = state.ensure('journal');
    const file = join(dir, `${subjectKey}.ndjson`);
    let previous: JournalEntry[] = [];
    if (existsSync(file)) {
      previous = readFileSync(file, 'utf8')
        .split('\n')
        .filter((l) => l.trim() !== '')
        .flatMap((l) => {
          try {
            return [JSON.parse(l) as JournalEntry];
          } catch {
            return []; // a line torn by kill -9 mid-write
          }
        });
      if (previous.at(-1)?.event === 'complete') {
        renameSync(file, join(dir, `${subjectKey}.${Date.now()}.done.ndjson`));
        previous = [];
      }
    }
    return new Journal(file, previous);
  }

  get interrupted(): boolean {
    return this.previous.length > 0;
  }

  /** Steps an interrupted earlier run carried out. */
  previousSteps(): Array<Extract<JournalEntry, { event: 'step' }>> {
    return this.previous.filter((e): e is Extract<JournalEntry, { event: 'step' }> => e.event === 'step' && e.status === 'done');
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
}

/** Sources an earlier, interrupted run of `planId` finished: a resumed run skips them. */
export function completedSources(entries: JournalEntry[], planId: string): Set<string> {
  const done = new Set<string>();
  let current = '';
  for (const e of entries) {
    if (e.event === 'start') current = e.planId;
    else if (e.event === 'source-end' && e.ok && current === planId) done.add(e.source);
  }
  return done;
}
