// Progress per source on stderr: a spinner on a TTY, one plain line per source otherwise.
import type { ApplyProgress } from '../core/apply.js';
import type { ProgressSink, SourceStatus } from '../core/engine.js';
import type { Output } from './output.js';

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

export function discoveryProgress(out: Output): ProgressSink {
  const running = new Set<string>();
  const show = () => {
    if (running.size > 0) out.progress(`searching ${[...running].join(', ')}`);
    else out.stopSpinner();
  };
  return {
    sourceStarted(name) {
      running.add(name);
      show();
    },
    sourceFinished(s: SourceStatus) {
      running.delete(s.name);
      const ms = `${s.durationMs} ms`;
      if (s.status === 'ok') out.progressDone(true, `${s.name}: ${plural(s.records, 'record')} (${ms})`);
      else if (s.skip === 'unavailable') out.progressDone('skipped', `${s.name}${s.optional ? ' (optional)' : ''}: not searched: ${s.reason}`);
      else if (s.status === 'skipped') out.detail(`- ${s.name}: skipped (${s.reason})`);
      else if (s.partial) out.progressDone(false, `${s.name}: ${plural(s.records, 'record')}, only partly searched: ${s.reason}`);
      else out.progressDone(false, `${s.name}: failed: ${s.reason}`);
      show();
    },
  };
}

export function applyProgress(out: Output): ApplyProgress {
  return {
    sourceStarted(name) {
      out.progress(`erasing in ${name}`);
    },
    sourceApplied(name, ok, detail) {
      out.stopSpinner();
      out.progressDone(ok, `${name}: ${detail}`);
    },
  };
}
