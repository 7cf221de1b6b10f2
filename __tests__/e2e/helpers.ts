// Helpers for the end-to-end tests: every test works on a temporary copy of the demo config and
// fixtures, and spawns the built CLI (`npm run build` first) — never importing src/.
import { spawn, spawnSync, type ChildProcess, type SpawnSyncReturns } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDocument, type YAMLMap, type YAMLSeq } from 'yaml';

export const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..');
export const BIN = join(ROOT, 'bin', 'privacyctl.js');

export const SURVEY = 'fixtures/demo/surveys/contributor-survey-2024.csv';
export const BOOTH = 'fixtures/demo/events/booth-registrations-2024.csv';
export const CONTEST = 'fixtures/demo/contest/logo-contest-entries.csv';
export const CSV_FILES = [SURVEY, BOOTH, CONTEST] as const;

export const ANN = 'ann@example.org';
/** ann's second booth row in bigBooth(), near its end. */
export const ANN_LATE_ROW = 'Ann;Example;ann@example.org;Lanternfish Labs;S;;2024-10-06\n';
export const ANSI = /\x1b\[/;

if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js'))) {
  throw new Error(`${ROOT}/dist is missing: run \`npm run build\` before the e2e tests`);
}

const workspaces: string[] = [];

/**
 * A temporary copy of privacyctl.yaml and fixtures/; removed by cleanupWorkspaces().
 * By default the config keeps only the demo's CSV sources, so that these tests pin the CSV
 * behaviour however many other sources the demo grows; `sources: 'all'` copies it whole.
 */
export function makeWorkspace(opts: { withFixtures?: boolean; sources?: 'csv' | 'all' } = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'privacyctl-e2e-'));
  workspaces.push(dir);
  if (opts.withFixtures !== false) {
    let text = readFileSync(join(ROOT, 'privacyctl.yaml'), 'utf8');
    if (opts.sources !== 'all') {
      // Cut the other sources out of the text itself, so the CSV entries stay byte for byte
      // as written (tests edit them by text replacement).
      const sources = parseDocument(text).get('sources') as YAMLSeq<YAMLMap>;
      for (const item of [...sources.items].reverse()) {
        if (item.get('kind') === 'csv' || !item.range) continue;
        const lineStart = text.lastIndexOf('\n', item.range[0]) + 1;
        text = text.slice(0, lineStart) + text.slice(item.range[2]);
      }
    }
    writeFileSync(join(dir, 'privacyctl.yaml'), text);
    cpSync(join(ROOT, 'fixtures'), join(dir, 'fixtures'), { recursive: true });
  }
  return dir;
}

export function cleanupWorkspaces(): void {
  for (const dir of workspaces.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** The child's environment: no CI, NO_COLOR, FORCE_COLOR (and no jest NODE_OPTIONS) unless given. */
export function childEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of ['CI', 'NO_COLOR', 'FORCE_COLOR', 'NODE_OPTIONS', 'PRIVACYCTL_CONFIG', 'GITHUB_ACTIONS']) delete env[k];
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function toResult(r: SpawnSyncReturns<string>): RunResult {
  if (r.error) throw r.error;
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** Run the CLI with pipes (no TTY) in `cwd`. */
export function run(cwd: string, args: string[], opts: { env?: Record<string, string | undefined>; input?: string; timeout?: number } = {}): RunResult {
  return toResult(
    spawnSync(process.execPath, [BIN, ...args], {
      cwd,
      env: childEnv(opts.env),
      input: opts.input ?? '',
      encoding: 'utf8',
      timeout: opts.timeout ?? 30_000,
      maxBuffer: 64 * 1024 * 1024,
    }),
  );
}

/**
 * Run the CLI and parse its stdout as JSON (fails the test with stderr if it does not parse).
 * T: the command's result type from src/cli/results.ts (e.g. runJson<FindResult>). The `any`
 * default only keeps callers not yet typed compiling; new calls should name their type.
 */
export function runJson<T = any>(cwd: string, args: string[], opts: Parameters<typeof run>[2] = {}): RunResult & { json: T } {
  const r = run(cwd, args, opts);
  let json: T;
  try {
    json = JSON.parse(r.stdout) as T;
  } catch (err) {
    throw new Error(
      `stdout of privacyctl ${args.join(' ')} is not JSON (exit ${r.code}): ${String(err)}\nstdout: ${r.stdout.slice(0, 500)}\nstderr: ${r.stderr.slice(0, 500)}`,
      { cause: err },
    );
  }
  return { ...r, json };
}

export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The CLI as a shell command line. */
export function cliCommand(args: string[]): string {
  return [process.execPath, BIN, ...args].map(shellQuote).join(' ');
}

/** Run a shell command line with bash (for pipes). */
export function runShell(cwd: string, command: string, opts: { env?: Record<string, string | undefined>; timeout?: number } = {}): RunResult {
  return toResult(
    spawnSync('bash', ['-c', command], { cwd, env: childEnv(opts.env), encoding: 'utf8', timeout: opts.timeout ?? 30_000, maxBuffer: 64 * 1024 * 1024 }),
  );
}

/**
 * Run the CLI on a pseudo-terminal with util-linux `script`; stdout and stderr arrive mixed (with \r).
 * `cols` sets the terminal size first (a pty made by `script` without a terminal of its own is 0×0).
 * `redirect` is appended to the command line (e.g. `2>err.txt`, to keep stderr out of the capture).
 * The output is capped: a run that floods the terminal is killed and reported as such.
 */
export function runPty(
  cwd: string,
  args: string[],
  opts: { env?: Record<string, string | undefined>; cols?: number; timeout?: number; maxBytes?: number; redirect?: string } = {},
): RunResult & { flooded: boolean; timedOut: boolean } {
  const size = opts.cols ? `stty cols ${opts.cols} rows 40 2>/dev/null; ` : '';
  const r = spawnSync('script', ['-qefc', `${size}exec ${cliCommand(args)}${opts.redirect ? ` ${opts.redirect}` : ''}`, '/dev/null'], {
    cwd,
    env: childEnv(opts.env),
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
    timeout: opts.timeout ?? 20_000,
    killSignal: 'SIGKILL',
    maxBuffer: opts.maxBytes ?? 4 * 1024 * 1024,
  });
  const err: NodeJS.ErrnoException | undefined = r.error;
  const flooded = err?.code === 'ENOBUFS';
  const timedOut = err?.code === 'ETIMEDOUT';
  if (err && !flooded && !timedOut) throw err;
  return { code: r.status, signal: r.signal, stdout: r.stdout ?? '', stderr: r.stderr ?? '', flooded, timedOut };
}

/**
 * Run the CLI on a pty and answer its first `[y/N]` question with `answer` (typed on the terminal).
 * Resolves with the mixed terminal output and the exit code.
 */
export function runPtyAnswering(
  cwd: string,
  args: string[],
  answer: string,
  opts: { timeout?: number } = {},
): Promise<{ code: number | null; output: string; asked: boolean }> {
  return new Promise((resolve) => {
    const child = spawn('script', ['-qefc', `stty cols 100 rows 40 2>/dev/null; exec ${cliCommand(args)}`, '/dev/null'], {
      cwd,
      env: childEnv(),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let output = '';
    let asked = false;
    const onData = (d: Buffer) => {
      output += d.toString('utf8');
      if (!asked && output.includes('[y/N]')) {
        asked = true;
        child.stdin.write(answer);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeout ?? 15_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      child.stdin.destroy();
      resolve({ code, output, asked });
    });
  });
}

/** Every regular file under `dir` (relative paths), skipping the state directory. */
export function listFiles(dir: string, opts: { includeState?: boolean } = {}): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) {
        if (!opts.includeState && e.name === '.privacyctl') continue;
        walk(p);
      } else out.push(relative(dir, p));
    }
  };
  walk(dir);
  return out.sort();
}

/** The bytes of every file under `dir` (without the state directory). */
export function snapshot(dir: string): Map<string, Buffer> {
  return new Map(listFiles(dir).map((f) => [f, readFileSync(join(dir, f))]));
}

export function expectSameFiles(dir: string, before: Map<string, Buffer>): void {
  const now = snapshot(dir);
  const changed = [...new Set([...before.keys(), ...now.keys()])].filter((f) => !before.get(f)?.equals(now.get(f) ?? Buffer.alloc(0)) || !now.has(f));
  if (changed.length > 0) throw new Error(`files changed: ${changed.join(', ')}`);
}

export function read(dir: string, file: string): Buffer {
  return readFileSync(join(dir, file));
}

export function modeOf(path: string): number {
  return statSync(path).mode & 0o777;
}

/** Remove the first occurrence of `row` (with its line terminator) from `file`; throws if absent. */
export function without(file: Buffer, row: string): Buffer {
  const text = file.toString('utf8');
  const at = text.indexOf(row);
  if (at === -1) throw new Error(`row not found: ${row.slice(0, 60)}`);
  return Buffer.from(text.slice(0, at) + text.slice(at + row.length), 'utf8');
}

/** Replace the first occurrence of `from` in `file` by `to`; throws if absent. */
export function replaced(file: Buffer, from: string, to: string): Buffer {
  const text = file.toString('utf8');
  const at = text.indexOf(from);
  if (at === -1) throw new Error(`text not found: ${from.slice(0, 60)}`);
  return Buffer.from(text.slice(0, at) + to + text.slice(at + from.length), 'utf8');
}

export function spawnCli(cwd: string, args: string[], env: Record<string, string | undefined> = {}): ChildProcess {
  return spawn(process.execPath, [BIN, ...args], { cwd, env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** The demo booth file plus ~300k fictional registrations, and one more row for ann near the end. */
export function bigBooth(original: string): Buffer {
  const sizes = ['S', 'M', 'L', 'XL'];
  const rows: string[] = [];
  for (let i = 0; i < 300_000; i++) {
    const day = String((i % 28) + 1).padStart(2, '0');
    rows.push(
      `User${i};Generated-Surname-${i % 997};user${i}@example.com;Example Company Number ${i % 5003} GmbH & Co. KG;${sizes[i % 4]};;2024-10-${day}T09:${String(i % 60).padStart(2, '0')}:00Z\n`,
    );
    if (i === 299_000) rows.push(ANN_LATE_ROW);
  }
  return Buffer.from(original + rows.join(''), 'utf8');
}
