// Shared by the benchmark scripts: timing a command (wall time, CPU time and peak RSS from GNU
// time), medians, checks that stop a benchmark instead of timing a failure.
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const GNU_TIME = '/usr/bin/time';
export const log = (m) => process.stderr.write(`${m}\n`);
export const secs = (ms) => `${(ms / 1000).toFixed(2)} s`;

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/**
 * Run `cmd args` once, timed with hrtime around spawnSync; peak RSS (%M, KiB) and CPU time
 * (user + system: steadier than wall time on a busy machine) from GNU time when it is there.
 * `stdoutFile`: send stdout there (a baseline's `> copy`); otherwise it is captured.
 */
export function measure(cmd, args, { cwd, env = process.env, stdoutFile, timeOut = join(tmpdir(), `privacyctl-bench-${process.pid}.time`) } = {}) {
  const haveTime = existsSync(GNU_TIME);
  const argv = haveTime ? [GNU_TIME, ['-f', '%e %M %U %S', '-o', timeOut, cmd, ...args]] : [cmd, args];
  const fd = stdoutFile ? openSync(stdoutFile, 'w') : undefined;
  try {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(argv[0], argv[1], { cwd, stdio: ['ignore', fd ?? 'pipe', 'pipe'], maxBuffer: 64 << 20, env: { ...env, NO_COLOR: '1' } });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r.error) throw r.error;
    let rssKiB = NaN;
    let cpuMs = NaN;
    if (haveTime) {
      const m = /(\S+) (\d+) (\S+) (\S+)\s*$/.exec(readFileSync(timeOut, 'utf8'));
      if (m) {
        rssKiB = Number(m[2]);
        cpuMs = (Number(m[3]) + Number(m[4])) * 1000;
      }
    }
    return { ms, rssKiB, cpuMs, status: r.status, stdout: r.stdout?.toString() ?? '', stderr: r.stderr?.toString() ?? '' };
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Stop the benchmark (exit 1) when a run did not do what it should: a failure is never timed. */
export function check(cond, what, r) {
  if (!cond) {
    log(`check failed: ${what}${r ? `\n  exit ${r.status}\n  stdout: ${r.stdout.slice(0, 600)}\n  stderr: ${r.stderr.slice(0, 600)}` : ''}`);
    process.exit(1);
  }
}

/**
 * `--name value` options from `defaults`: a boolean default makes a flag, a number default a
 * positive integer (`1_000_000` allowed). Anything else is an error naming the options.
 */
export function parseOptions(argv, defaults) {
  const o = { ...defaults };
  const usage = () =>
    Object.entries(defaults)
      .map(([k, v]) => (typeof v === 'boolean' ? `--${k}` : `--${k} N`))
      .join(', ');
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const k = a.replace(/^--/, '');
    if (!a.startsWith('--') || !(k in defaults)) throw new Error(`unknown option ${a} (options: ${usage()})`);
    if (typeof defaults[k] === 'boolean') {
      o[k] = true;
      continue;
    }
    const v = Number(String(argv[++i]).replace(/_/g, ''));
    if (!Number.isInteger(v) || v < 1) throw new Error(`${a} needs a positive integer`);
    o[k] = v;
  }
  return o;
}

/** A small seeded PRNG (mulberry32): the generated data is the same on every run. */
export function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
