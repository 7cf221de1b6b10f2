// A configured repository and the directory git runs in for it: the clone itself, or the cached
// mirror of a bundle. Every failure to reach it is a SourceError naming the repository as
// configured, with a fix.
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { SourceError, errorMessage } from '../../core/errors.js';
import { GitProcessError, gitComplaint, materialiseBundle, runGit } from './git.js';

export interface RepoSpec {
  /** As configured. */
  path: string;
  abs: string;
  /** Name in locators. */
  label: string;
}

/** The directory to run git in: the clone itself, or the cached mirror of a bundle. */
export async function openRepository(source: string, stateDir: string, repo: RepoSpec, signal: AbortSignal): Promise<string> {
  const where = `sources "${source}".repos`;
  let st;
  try {
    st = await fsp.stat(repo.abs);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new SourceError(
      `repository ${repo.path}: ${code === 'ENOENT' ? 'no such file or directory' : code === 'EACCES' ? 'permission denied' : errorMessage(err)}`,
      `check ${where} in the config, or clone the repository to that path`,
    );
  }
  let dir = await fsp.realpath(repo.abs);
  if (st.isFile() && repo.abs.endsWith('.bundle')) {
    try {
      dir = await materialiseBundle(dir, join(stateDir, 'cache', 'git'), signal);
    } catch (err) {
      if (signal.aborted || err instanceof SourceError) throw err;
      if (!(err instanceof GitProcessError)) {
        throw new SourceError(
          `repository ${repo.path}: cannot clone the bundle into the state directory (${errorMessage(err)})`,
          `make ${join(stateDir, 'cache', 'git')} writable, or point stateDir in the config somewhere writable`,
        );
      }
      throw new SourceError(
        `repository ${repo.path}: cannot read the git bundle (${gitComplaint(err)})`,
        'check that the file is a git bundle (`git bundle verify FILE`)',
      );
    }
  } else if (!st.isDirectory()) {
    throw new SourceError(`repository ${repo.path}: not a git repository (not a directory)`, `point ${where} at a clone, or at a file ending in .bundle`);
  }
  try {
    await runGit(dir, ['rev-parse', '--absolute-git-dir'], signal);
  } catch (err) {
    if (signal.aborted) throw err;
    if (!(err instanceof GitProcessError)) throw err;
    const why = gitComplaint(err);
    const dubious = /dubious ownership|safe\.directory/i.test(err.stderr);
    throw new SourceError(
      `repository ${repo.path}: not a git repository (${dubious ? 'owned by another user' : why.replace(/ \(or any of the parent directories\)|: \.git$/g, '')})`,
      dubious
        ? `run \`git config --global --add safe.directory ${dir}\` if you trust it`
        : `point ${where} at a clone (bare or with a working tree); a folder inside another clone does not count`,
    );
  }
  return dir;
}
