// Running git: one child process per question, its output streamed, its failures turned into
// SourceErrors that say which repository, why, and what to do. The child's environment is the
// parent's without GIT_* variables (a hook's GIT_DIR must not redirect us), and repository
// discovery is stopped at the configured directory (a folder inside some other clone is not a
// repository of its own).
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, promises as fsp } from 'node:fs';
import { dirname, join } from 'node:path';
import { SourceError, errorMessage } from '../../core/errors.js';

const STDERR_CAP = 4096;

export function gitEnv(dir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('GIT_')) env[k] = v;
  env['GIT_CEILING_DIRECTORIES'] = dirname(dir);
  env['GIT_TERMINAL_PROMPT'] = '0';
  env['GIT_NO_REPLACE_OBJECTS'] = '1';
  // Block-buffered output: by default git flushes after every commit into a pipe, and reading
  // one small chunk per commit costs more than parsing it.
  env['GIT_FLUSH'] = '0';
  env['LC_ALL'] = 'C';
  return env;
}

/** Options every git command gets: no mailmap rewriting, no signature checks, no pager, no colour. */
const BASE = ['-c', 'log.mailmap=false', '-c', 'log.showSignature=false', '-c', 'core.quotePath=false', '-c', 'color.ui=false', '--no-pager'];

export class GitProcessError extends Error {
  constructor(
    message: string,
    readonly stderr: string,
    readonly code: number | null,
  ) {
    super(message);
  }
}

function gitMissing(err: unknown): SourceError {
  return new SourceError(`cannot run git (${errorMessage(err)})`, 'install git (2.20 or later) and make sure it is on PATH');
}

/**
 * Stream the stdout of `git args` in `dir`. Throws GitProcessError when git exits non-zero
 * (after the output it produced), a SourceError when git cannot be started.
 */
export async function* streamGit(dir: string, args: string[], signal: AbortSignal, input?: string): AsyncGenerator<Buffer> {
  const child = spawn('git', [...BASE, ...args], { cwd: dir, env: gitEnv(dir), stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    if (stderr.length < STDERR_CAP) stderr += d.toString('utf8');
  });
  let spawnError: unknown = null;
  const exited = new Promise<number | null>((resolve) => {
    child.on('error', (err) => {
      spawnError = err;
      resolve(null);
    });
    child.on('close', (code) => resolve(code));
  });
  const onAbort = () => child.kill('SIGTERM');
  signal.addEventListener('abort', onAbort, { once: true });
  if (input !== undefined) {
    child.stdin!.on('error', () => undefined); // git may exit before reading all of it
    child.stdin!.end(input);
  }
  try {
    for await (const chunk of child.stdout! as AsyncIterable<Buffer>) {
      if (signal.aborted) throw signal.reason ?? new Error('aborted');
      yield chunk;
    }
    const code = await exited;
    if (spawnError) throw gitMissing(spawnError);
    if (signal.aborted) throw signal.reason ?? new Error('aborted');
    if (code !== 0) throw new GitProcessError(`git ${args[0]} exited with ${code}`, stderr.trim(), code);
  } finally {
    signal.removeEventListener('abort', onAbort);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  }
}

/** The whole stdout of a short git command. */
export async function runGit(dir: string, args: string[], signal: AbortSignal, input?: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of streamGit(dir, args, signal, input)) parts.push(c);
  return Buffer.concat(parts);
}

/** First line of git's complaint, for messages. */
export function gitComplaint(err: unknown): string {
  if (err instanceof GitProcessError) {
    const line = err.stderr.split('\n').find((l) => l.trim() !== '') ?? err.message;
    return line.replace(/^(fatal|error):\s*/, '').trim();
  }
  return errorMessage(err);
}

export async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) h.update(chunk);
  return h.digest('hex');
}

/**
 * A bundle (`*.bundle`) as a bare mirror under `cacheRoot`. The mirror's name carries the
 * bundle's digest, so a changed bundle gets a fresh clone, and a clone is only ever renamed
 * into place whole: a directory that exists is complete, and concurrent runs share it.
 * Returns the mirror's directory.
 */
export async function materialiseBundle(bundle: string, cacheRoot: string, signal: AbortSignal): Promise<string> {
  const key = createHash('sha256').update(bundle).digest('hex').slice(0, 12);
  const base = bundle
    .slice(bundle.lastIndexOf('/') + 1)
    .replace(/\.bundle$/, '')
    .replace(/[^A-Za-z0-9._-]/g, '_');
  const prefix = `${base}-${key}-`;
  const digest = (await sha256File(bundle)).slice(0, 16);
  const dir = join(cacheRoot, `${prefix}${digest}.git`);
  if (await fsp.stat(join(dir, 'HEAD')).catch(() => null)) return dir;
  await fsp.mkdir(cacheRoot, { recursive: true, mode: 0o700 });
  const tmp = join(cacheRoot, `.${prefix}${digest}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    // No template: a cache needs no sample hooks or description.
    await runGit(cacheRoot, ['clone', '--mirror', '--quiet', '--template=', bundle, tmp], signal);
    try {
      await fsp.rename(tmp, dir);
    } catch (err) {
      // Another run put its clone of the same bundle there first: use that one.
      if (!(await fsp.stat(join(dir, 'HEAD')).catch(() => null))) throw err;
    }
  } finally {
    await fsp.rm(tmp, { recursive: true, force: true }).catch(() => undefined);
  }
  // Clones of earlier versions of this bundle are out of date: remove them (best effort).
  for (const name of await fsp.readdir(cacheRoot).catch(() => [] as string[])) {
    if (name.startsWith(prefix) && name.endsWith('.git') && name !== `${prefix}${digest}.git`) {
      await fsp.rm(join(cacheRoot, name), { recursive: true, force: true }).catch(() => undefined);
    }
  }
  return dir;
}
