// A virtual clock for code that paces or waits (the GitHub client's GithubClock): sleeping
// records the wait asked for and moves virtual time forward instead of waiting, so tests
// assert the waits requested rather than elapsed wall-clock time.
export interface FakeClock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** Every wait asked for, in ms, in the order asked. */
  readonly waits: number[];
}

export function fakeClock(start = 1_700_000_000_000): FakeClock {
  let now = start;
  const waits: number[] = [];
  const pending: Array<{ at: number; seq: number; resolve: () => void }> = [];
  let seq = 0;
  let scheduled = false;
  // Wake the earliest sleeper once the code that is running now has yielded, then the next:
  // concurrent sleepers wake in the order of their deadlines, time never goes back.
  const wake = () => {
    scheduled = false;
    pending.sort((a, b) => a.at - b.at || a.seq - b.seq);
    const next = pending.shift();
    if (!next) return;
    now = Math.max(now, next.at);
    next.resolve();
    if (pending.length > 0) schedule();
  };
  const schedule = () => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(wake);
  };
  return {
    now: () => now,
    waits,
    sleep(ms, signal) {
      waits.push(ms);
      if (signal?.aborted) return Promise.reject(signal.reason);
      return new Promise<void>((resolve) => {
        pending.push({ at: now + ms, seq: seq++, resolve });
        schedule();
      });
    },
  };
}
