// Progress per source on stderr: a spinner on a TTY, one plain line per source otherwise.
import type { ApplyProgress } from '../core/apply.js';
import type { ProgressSink, SourceStatus } from '../core/engine.js';
import type { Output } from './output.js';

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

export function discoveryProgress(out: Output): ProgressSink {
  const running = new Set<string>();
  // what was printed per source: a later round's line only when its count changed, so that the
  // last line of each source is the count the plan or export then shows
  const printed = new Map<string, string>();
  const show = () => {
    if (running.size > 0) out.progress(`searching ${[...running].join(', ')}`);
    else out.stopSpinner();
  };
  return {
    sourceStarted(name) {
      running.add(name);
      show();
    },
    sourceFinished(s: SourceStatus, again = false) {
      running.delete(s.name);
      const ms = `${s.durationMs} ms`;
      const seen = `${s.status}:${s.records}`;
      if (printed.get(s.name) === seen) return show();
      printed.set(s.name, seen);
      if (s.stats && out.verbose)
        out.detail(
          `  ${s.name}: ${Object.entries(s.stats)
            .map(([k, v]) => `${k} ${v}`)
            .join(', ')}`,
        );
      if (s.status === 'ok')
        out.progressDone(true, `${s.name}: ${plural(s.records, 'record')} (${ms}${again ? ', searched again with the identities linked since' : ''})`);
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
