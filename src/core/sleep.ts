// Waiting that Ctrl-C ends: the platform's timer, rejecting with the signal's own reason (the
// typed error the run was aborted with) rather than a generic AbortError.
import { setTimeout as delay } from 'node:timers/promises';

export async function sleep(ms: number, signal: AbortSignal): Promise<void> {
  try {
    await delay(ms, undefined, { signal });
  } catch (err) {
    if (signal.aborted) throw signal.reason;
    throw err;
  }
}
