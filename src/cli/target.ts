// Where a command writes its output (-o, --plan-out): stdout, a file, or a bundle directory.
// Resolved before any source is read, so a path that cannot be written writes nothing.
import { accessSync, constants, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { UsageError } from '../core/errors.js';

export type Target = { kind: 'stdout' } | { kind: 'file'; path: string } | { kind: 'bundle'; dir: string };

/** The nearest directory on the way to `path` that exists (where missing ones will be created). */
function nearestExisting(path: string): string {
  let dir = path;
  for (;;) {
    try {
      if (statSync(dir).isDirectory()) return dir;
      throw new UsageError(`${dir} is a file, not a directory`, 'choose another path');
    } catch (err) {
      if (err instanceof UsageError) throw err;
      const up = dirname(dir);
      if (up === dir) return dir;
      dir = up;
    }
  }
}

/**
 * `-o FILE`, `-o DIR/` (or an existing directory: a bundle), `-` or nothing (stdout). Missing
 * directories on the way are created (0700) when the output is written; the nearest existing
 * one must be writable now.
 */
export function resolveTarget(output: string | undefined): Target {
  if (output === undefined || output === '-') return { kind: 'stdout' };
  const path = resolve(output);
  let isDir = output.endsWith('/');
  try {
    isDir ||= statSync(path).isDirectory();
  } catch {
    // does not exist yet
  }
  const parent = isDir ? dirname(path.replace(/\/+$/, '')) : dirname(path);
  const existing = nearestExisting(parent);
  try {
    accessSync(existing, constants.W_OK);
  } catch {
    throw new UsageError(`-o ${output}: cannot write there (${existing} is not writable)`, 'choose another path');
  }
  return isDir ? { kind: 'bundle', dir: path } : { kind: 'file', path };
}
