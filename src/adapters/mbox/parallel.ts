// discover and discoverMany over large archives on worker threads. The files are cut into jobs
// (byte ranges of about JOB_BYTES; a range holds the messages that start in it, so the jobs tile
// the messages: splitter.ts); each worker takes the next job from a shared counter (no round trip
// through the main thread, which may be busy decoding) and sends its results back; the main
// thread takes the jobs' results in file order, so the records, their order and the stats are
// what a scan on the main thread gives.
//
// discover (one subject, `one` jobs): a worker sends the number of messages and the offsets of
// the candidates that pass both pre-filter stages. discoverMany (`many` jobs: a batch of
// subjects): a worker runs many.ts's pre-filter and sends the candidates' offsets and subjects.
// Either way the main thread decodes the candidates itself, while the workers scan on: each
// thread that decodes pays mailparser's load and a cold JIT, which did not pay on the workers.
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { SourceError } from '../../core/errors.js';
import { ManyNeedles, manyCandidates } from './many.js';
import { passesStageTwo, stageOneKeep, stageTwoTests } from './needles.js';
import { scanMbox } from './scanner.js';
import { messageEnd, splitMbox, truncationOf, type Truncation } from './splitter.js';

/** Files at least this large (together) are scanned on worker threads. */
export const PARALLEL_MIN_BYTES = 64 << 20;
/** The size of a job: small enough to share the work out evenly, large enough to cost nothing to hand out. */
export const JOB_BYTES = 32 << 20;
const MAX_WORKERS = 4;

export interface ScanJob {
  /** Index of the file in the caller's list. */
  file: number;
  path: string;
  label: string;
  /** The messages that start in [from, to) (to: Infinity for the end of the file). */
  from: number;
  to: number;
}

export interface JobBatch {
  messages: number;
  /** (start, end, headerEnd) file offsets of each candidate message, in file order. */
  candidates: number[];
  /** The file's last batch (its last message ends at the end of the file). */
  final: boolean;
  truncation: Truncation | null;
}

/** What every job looks for: stage-1 patterns (latin1 strings of their bytes) and the subject's needles. */
export interface JobSetup {
  patterns: string[];
  needles: string[];
  chunkSize?: number;
}

/** A candidate of a `many` job: its file offsets, and the subjects whose records the main thread builds from it (ascending). */
export interface ManyCandidate {
  start: number;
  end: number;
  subjects: number[];
}

export interface ManyBatch {
  messages: number;
  candidates: ManyCandidate[];
  final: boolean;
  truncation: Truncation | null;
}

/** What `many` jobs look for: each subject's needles (subjectNeedles). */
export interface ManySetup {
  subjects: string[][];
  chunkSize?: number;
}

/** A worker's data: its kind of jobs and their setup, every job, and the counter the workers take jobs from. */
export type WorkerSetup = ({ kind: 'one'; setup: JobSetup } | { kind: 'many'; setup: ManySetup }) & {
  jobs: ScanJob[];
  next: SharedArrayBuffer;
};

/** Candidates a worker gathers before it sends them on without waiting for the end of its job. */
export const FLUSH_CANDIDATES = 64;

/** Jobs for these files: one per JOB_BYTES of each. */
export function planJobs(files: Array<{ path: string; label: string; size: number }>, jobBytes = JOB_BYTES): ScanJob[] {
  const jobs: ScanJob[] = [];
  files.forEach((f, file) => {
    const n = Math.max(1, Math.ceil(f.size / jobBytes));
    for (let k = 0; k < n; k++) {
      jobs.push({
        file,
        path: f.path,
        label: f.label,
        from: k === 0 ? 0 : Math.floor((k * f.size) / n),
        to: k === n - 1 ? Infinity : Math.floor(((k + 1) * f.size) / n),
      });
    }
  });
  return jobs;
}

/** The stage-1 and stage-2 filters of a setup (one per thread). */
export function jobRunner(setup: JobSetup): { patterns: Buffer[]; tests: Array<(text: string) => boolean>; keepHit: ReturnType<typeof stageOneKeep> } {
  const patterns = setup.patterns.map((p) => Buffer.from(p, 'latin1'));
  return { patterns, tests: stageTwoTests(setup.needles), keepHit: stageOneKeep(patterns) };
}

/** One job's batches, on whichever thread runs it. */
export async function* runJob(job: ScanJob, runner: ReturnType<typeof jobRunner>, setup: JobSetup, signal?: AbortSignal): AsyncGenerator<JobBatch> {
  const { patterns, tests } = runner;
  for await (const batch of scanMbox(job.path, patterns, {
    label: job.label,
    from: job.from,
    to: job.to,
    reuse: true,
    signal,
    chunkSize: setup.chunkSize,
    keepHit: runner.keepHit,
  })) {
    const candidates: number[] = [];
    for (const h of batch.hits) {
      const start = batch.starts[h.index]!;
      if (!passesStageTwo(batch.buf, start, h.headerEnd, tests)) continue;
      candidates.push(batch.offset + start, batch.offset + messageEnd(batch, h.index), batch.offset + h.headerEnd);
    }
    yield { messages: batch.starts.length, candidates, final: batch.final, truncation: batch.final ? truncationOf(batch) : null };
  }
}

/** The `many` pre-filter on one thread. */
export function manyRunner(setup: ManySetup): { needles: ManyNeedles } {
  return { needles: new ManyNeedles(setup.subjects) };
}

/** One `many` job's batches. */
export async function* runManyJob(job: ScanJob, runner: ReturnType<typeof manyRunner>, setup: ManySetup, signal?: AbortSignal): AsyncGenerator<ManyBatch> {
  for await (const batch of splitMbox(job.path, { label: job.label, from: job.from, to: job.to, reuse: true, signal, chunkSize: setup.chunkSize })) {
    const candidates = manyCandidates(batch, runner.needles).map((m) => ({ start: batch.offset + m.start, end: batch.offset + m.end, subjects: m.subjects }));
    yield { messages: batch.starts.length, candidates, final: batch.final, truncation: batch.final ? truncationOf(batch) : null };
  }
}

/** The compiled worker script beside this module; null when running from the TypeScript sources (tests). */
export function workerScript(): URL | null {
  const url = new URL('./scan-worker.js', import.meta.url);
  return url.protocol === 'file:' && existsSync(fileURLToPath(url)) ? url : null;
}

/**
 * How many worker threads to scan `bytes` of archives with: none below PARALLEL_MIN_BYTES, or
 * without a worker script; else one per CPU (this thread mostly waits: most messages are
 * decoded without mailparser, in microseconds), at most 4 (the scan is bound by memory bandwidth
 * before that). PRIVACYCTL_MBOX_WORKERS
 * overrides (0: scan on this thread), for measurements.
 */
export function workerCount(bytes: number, jobs: number): number {
  const env = process.env['PRIVACYCTL_MBOX_WORKERS'];
  if (env !== undefined && env !== '') {
    const n = Number(env);
    return Number.isInteger(n) && n > 0 ? Math.min(n, jobs) : 0;
  }
  if (bytes < PARALLEL_MIN_BYTES || workerScript() === null) return 0;
  return Math.max(1, Math.min(availableParallelism(), MAX_WORKERS, jobs));
}

export type WorkerMessage<B = JobBatch> =
  | { id: number; type: 'batch'; batch: B }
  | { id: number; type: 'done' }
  | { id: number; type: 'error'; error: { name: string; message: string; hint?: string; code?: string } };

interface JobState<B> {
  batches: B[];
  done: boolean;
  error?: Error;
}

/** discover's jobs: see runJobsOn. */
export function runJobs(
  jobs: ScanJob[],
  setup: JobSetup,
  workers: number,
  signal?: AbortSignal,
  started?: (threads: number) => void,
): AsyncGenerator<{ job: ScanJob; batch: JobBatch }> {
  const local = () => {
    const runner = jobRunner(setup);
    return (job: ScanJob) => runJob(job, runner, setup, signal);
  };
  const data = () => ({ kind: 'one' as const, setup });
  return runJobsOn(jobs, workers, data, local, signal, started);
}

/** discoverMany's jobs: see runJobsOn. */
export function runManyJobs(
  jobs: ScanJob[],
  setup: ManySetup,
  workers: number,
  signal?: AbortSignal,
  started?: (threads: number) => void,
): AsyncGenerator<{ job: ScanJob; batch: ManyBatch }> {
  const local = () => {
    const runner = manyRunner(setup);
    return (job: ScanJob) => runManyJob(job, runner, setup, signal);
  };
  return runJobsOn(jobs, workers, () => ({ kind: 'many' as const, setup }), local, signal, started);
}

/**
 * Every job's batches, in job order. `workers` threads run the jobs (0, or no worker script:
 * this thread runs them, one after another, with `local`); a job's results wait, if need be,
 * until the jobs before it are taken. `started`: told how many worker threads run them (0: none).
 */
async function* runJobsOn<B>(
  jobs: ScanJob[],
  workers: number,
  data: () => { kind: 'one'; setup: JobSetup } | { kind: 'many'; setup: ManySetup },
  local: () => (job: ScanJob) => AsyncGenerator<B>,
  signal?: AbortSignal,
  started?: (threads: number) => void,
): AsyncGenerator<{ job: ScanJob; batch: B }> {
  const script = workers > 0 ? workerScript() : null;
  started?.(script ? Math.min(workers, jobs.length) : 0);
  if (!script) {
    const run = local();
    for (const job of jobs) for await (const batch of run(job)) yield { job, batch };
    return;
  }
  const states: Array<JobState<B>> = jobs.map(() => ({ batches: [], done: false }));
  let wake: (() => void) | null = null;
  const notify = () => {
    const w = wake;
    wake = null;
    w?.();
  };
  const pool: Worker[] = [];
  const failed = (err: unknown) => {
    // a worker that died (not a job's error): every job it may have had fails with it
    for (const s of states) if (!s.done) s.error ??= err instanceof Error ? err : new Error(String(err));
    notify();
  };
  const workerData: WorkerSetup = { ...data(), jobs, next: new SharedArrayBuffer(4) };
  signal?.addEventListener('abort', notify);
  try {
    for (let i = 0; i < Math.min(workers, jobs.length); i++) {
      const w = new Worker(script, { workerData });
      w.on('message', (m: WorkerMessage<B>) => {
        const s = states[m.id]!;
        if (m.type === 'batch') s.batches.push(m.batch);
        else {
          s.done = true;
          if (m.type === 'error') s.error = workerError(m.error);
        }
        notify();
      });
      w.on('error', failed);
      // (a worker leaves, with exit code 0, when no job is left to take; its messages still come)
      w.on('exit', (code) => {
        if (code !== 0) failed(new Error(`an mbox scan worker stopped (exit code ${code})`));
      });
      pool.push(w);
    }
    for (let id = 0; id < jobs.length; id++) {
      const s = states[id]!;
      for (;;) {
        if (signal?.aborted) throw signal.reason ?? new Error('aborted');
        while (s.batches.length > 0) yield { job: jobs[id]!, batch: s.batches.shift()! };
        if (s.error) throw s.error;
        if (s.done) break;
        await new Promise<void>((resolve) => (wake = resolve));
      }
    }
  } finally {
    signal?.removeEventListener('abort', notify);
    for (const w of pool) {
      w.removeAllListeners('exit');
      void w.terminate();
    }
  }
}

function workerError(e: { name: string; message: string; hint?: string; code?: string }): Error {
  if (e.name === 'SourceError') return new SourceError(e.message, e.hint);
  const err = new Error(e.message) as NodeJS.ErrnoException;
  if (e.code) err.code = e.code;
  return err;
}
