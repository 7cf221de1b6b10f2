// A worker thread of parallel.ts: takes jobs from the shared counter until there are none left,
// and posts each job's results back: in one message at the end of the job, or sooner when many
// candidates have gathered.
import { parentPort, workerData } from 'node:worker_threads';
import {
  FLUSH_CANDIDATES,
  jobRunner,
  manyRunner,
  runJob,
  runManyJob,
  type JobBatch,
  type ManyBatch,
  type ScanJob,
  type WorkerMessage,
  type WorkerSetup,
} from './parallel.js';

const data = workerData as WorkerSetup;
const port = parentPort!;
const next = new Int32Array(data.next);

interface Acc {
  messages: number;
  candidates: unknown[];
  final: boolean;
  truncation: JobBatch['truncation'];
}

let run: (job: ScanJob) => AsyncGenerator<JobBatch | ManyBatch>;
let perCandidate: number; // array entries a candidate takes
if (data.kind === 'one') {
  const setup = data.setup;
  const runner = jobRunner(setup);
  run = (job) => runJob(job, runner, setup);
  perCandidate = 3;
} else {
  const setup = data.setup;
  const runner = manyRunner(setup);
  run = (job) => runManyJob(job, runner, setup);
  perCandidate = 1;
}

const fresh = (): Acc => ({ messages: 0, candidates: [], final: false, truncation: null });
const post = (m: WorkerMessage<Acc>) => port.postMessage(m);

for (;;) {
  const id = Atomics.add(next, 0, 1);
  if (id >= data.jobs.length) break;
  try {
    let acc = fresh();
    for await (const b of run(data.jobs[id]!)) {
      acc.messages += b.messages;
      for (const c of b.candidates) acc.candidates.push(c);
      acc.final = b.final;
      acc.truncation = b.truncation;
      if (acc.candidates.length >= perCandidate * FLUSH_CANDIDATES) {
        post({ id, type: 'batch', batch: acc });
        acc = fresh();
      }
    }
    if (acc.messages > 0 || acc.candidates.length > 0 || acc.final) post({ id, type: 'batch', batch: acc });
    post({ id, type: 'done' });
  } catch (err) {
    const e = err as Error & { hint?: string; code?: string };
    post({ id, type: 'error', error: { name: e.name ?? 'Error', message: e.message ?? String(err), hint: e.hint, code: e.code } });
  }
}
