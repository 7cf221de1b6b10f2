// Web access logs in the combined log format (Apache/nginx), plain or gzip: finding a person's
// lines by client IP, and truncating that IP (IPv4 /24, IPv6 /48) in an atomic rewrite that
// copies every other line byte for byte.
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { promises as fsp } from 'node:fs';
import { isIPv4, isIPv6 } from 'node:net';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { createGunzip, createGzip } from 'node:zlib';
import { fileChunks, type AtomicWriter, type RewriteInput } from '../../core/atomic-file.js';
import { SourceError, errorMessage } from '../../core/errors.js';

const LF = 0x0a;

/** Canonical text of an IP address (IPv4 dotted quad; IPv6 as RFC 5952), or null. */
export function canonicalIp(raw: string): string | null {
  let s = raw.trim().toLowerCase();
  if (s.startsWith('[') && s.endsWith(']')) s = s.slice(1, -1);
  if (isIPv4(s)) return s;
  if (!isIPv6(s)) return null;
  const groups = expandIPv6(s);
  if (!groups) return null;
  // IPv4-mapped (::ffff:a.b.c.d) is the IPv4 address.
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return `${groups[6]! >> 8}.${groups[6]! & 255}.${groups[7]! >> 8}.${groups[7]! & 255}`;
  }
  return compressIPv6(groups);
}

function expandIPv6(s: string): number[] | null {
  let text = s.split('%')[0]!;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const p = v4[1]!.split('.').map(Number);
    text = `${text.slice(0, -v4[1]!.length)}${((p[0]! << 8) | p[1]!).toString(16)}:${((p[2]! << 8) | p[3]!).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const fill = tail === undefined ? 0 : 8 - h.length - t.length;
  if (fill < 0) return null;
  const groups = [...h, ...Array(fill).fill('0'), ...t].map((g) => parseInt(g, 16));
  return groups.length === 8 && groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? groups : null;
}

function compressIPv6(groups: number[], hexOf: (g: number) => string = (g) => g.toString(16)): string {
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map(hexOf);
  if (best === -1) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

const pad4 = (g: number) => g.toString(16).padStart(4, '0');

/**
 * The usual ways of writing an address (given in canonical form): an `ip` identity is kept as it
 * was written (lower-cased), and discover matches every spelling with this canonical form, so
 * `replay` hashes these. IPv4: dotted, IPv4-mapped IPv6 (`::ffff:a.b.c.d`, `::ffff:hhhh:hhhh`,
 * `0:0:0:0:0:ffff:a.b.c.d`). IPv6: RFC 5952, all eight groups, zero-padded groups, and
 * zero-padded groups with `::`. The first is the canonical form.
 */
export function ipSpellings(canonical: string): string[] {
  if (isIPv4(canonical)) {
    const p = canonical.split('.').map(Number);
    const hi = ((p[0]! << 8) | p[1]!).toString(16);
    const lo = ((p[2]! << 8) | p[3]!).toString(16);
    return [canonical, `::ffff:${canonical}`, `::ffff:${hi}:${lo}`, `0:0:0:0:0:ffff:${canonical}`];
  }
  const g = expandIPv6(canonical);
  if (!g) return [canonical];
  return [...new Set([canonical, g.map((x) => x.toString(16)).join(':'), g.map(pad4).join(':'), compressIPv6(g, pad4)])];
}

/** The address with its host part removed: IPv4 /24 (a.b.c.0), IPv6 /48 (a:b:c::). */
export function truncateIp(canonical: string): string {
  if (isIPv4(canonical)) return canonical.replace(/\.\d+$/, '.0');
  const g = expandIPv6(canonical)!;
  return compressIPv6([g[0]!, g[1]!, g[2]!, 0, 0, 0, 0, 0]);
}

export interface LogLine {
  ip: string;
  time?: string;
  method?: string;
  path?: string;
  protocol?: string;
  status?: string;
  bytes?: string;
  referer?: string;
  userAgent?: string;
}

const COMBINED = /^(\S+) \S+ (\S+) \[([^\]]*)\] "((?:[^"\\]|\\.)*)" (\S+) (\S+)(?: "((?:[^"\\]|\\.)*)" "((?:[^"\\]|\\.)*)")?/;
const MONTHS: Record<string, string> = {
  Jan: '01',
  Feb: '02',
  Mar: '03',
  Apr: '04',
  May: '05',
  Jun: '06',
  Jul: '07',
  Aug: '08',
  Sep: '09',
  Oct: '10',
  Nov: '11',
  Dec: '12',
};

/** `10/Oct/2000:13:55:36 -0700` → `2000-10-10T13:55:36-07:00`; anything else as it is. */
function isoTime(clf: string): string {
  const m = /^(\d{2})\/(\w{3})\/(\d{4}):(\d{2}:\d{2}:\d{2}) ([+-]\d{2})(\d{2})$/.exec(clf);
  if (!m || !MONTHS[m[2]!]) return clf;
  return `${m[3]}-${MONTHS[m[2]!]}-${m[1]}T${m[4]}${m[5]}:${m[6]}`;
}

export function parseLogLine(text: string): LogLine | null {
  const m = COMBINED.exec(text);
  if (!m) return null;
  const req = m[4]!.split(' ');
  const unq = (s: string | undefined) => (s === undefined || s === '-' ? undefined : s.replace(/\\(.)/g, '$1'));
  return {
    ip: m[1]!,
    time: isoTime(m[3]!),
    ...(req.length >= 2
      ? { method: req[0], path: req.slice(1, req.length >= 3 ? -1 : undefined).join(' '), ...(req.length >= 3 ? { protocol: req[req.length - 1] } : {}) }
      : { path: m[4] }),
    status: m[5],
    bytes: m[6],
    ...(unq(m[7]) !== undefined ? { referer: unq(m[7]) } : {}),
    ...(unq(m[8]) !== undefined ? { userAgent: unq(m[8]) } : {}),
  };
}

export function lineDigest(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex').slice(0, 32);
}

/** The files the configured patterns name (`*` and `?` in the file name), sorted, deduplicated. */
export async function expandLogPaths(patterns: string[], configDir: string): Promise<Array<{ abs: string; shown: string }>> {
  const out = new Map<string, string>();
  for (const p of patterns) {
    const abs = isAbsolute(p) ? p : resolve(configDir, p);
    const name = basename(abs);
    if (!/[*?]/.test(name)) {
      out.set(abs, p);
      continue;
    }
    const re = new RegExp(
      `^${name
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*/g, '.*')
        .replace(/\?/g, '.')}$`,
    );
    let names: string[];
    try {
      names = await fsp.readdir(dirname(abs));
    } catch (err) {
      throw new SourceError(
        `accessLogs ${p}: cannot read the directory (${(err as NodeJS.ErrnoException).code ?? errorMessage(err)})`,
        'check the accessLogs paths in the config',
      );
    }
    for (const n of names.sort()) {
      if (!re.test(n) || n.startsWith('.')) continue;
      const file = join(dirname(abs), n);
      if ((await fsp.stat(file)).isFile()) out.set(file, isAbsolute(p) ? file : relative(configDir, file));
    }
  }
  return [...out].map(([abs, shown]) => ({ abs, shown }));
}

async function isGzip(file: string | RewriteInput): Promise<boolean> {
  const b = Buffer.alloc(2);
  let bytesRead: number;
  if (typeof file === 'string') {
    const fh = await fsp.open(file, 'r');
    try {
      ({ bytesRead } = await fh.read(b, 0, 2, 0));
    } finally {
      await fh.close();
    }
  } else bytesRead = file.readSync(b, 0, 2, 0);
  return bytesRead === 2 && b[0] === 0x1f && b[1] === 0x8b;
}

/** Lines of a (possibly gzip) file as bytes, each with its terminator, and its 1-based number. */
export async function* readLines(file: string | RewriteInput, signal?: AbortSignal): AsyncGenerator<{ bytes: Buffer; content: Buffer; n: number }> {
  const gz = await isGzip(file);
  const chunks = fileChunks(file, 1 << 18);
  const raw = gz ? Readable.from(chunks) : null;
  const stream = raw ? raw.pipe(createGunzip()) : chunks;
  let carry: Buffer | null = null;
  let n = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      if (signal?.aborted) throw signal.reason ?? new Error('aborted');
      const buf: Buffer = carry ? Buffer.concat([carry, chunk]) : chunk;
      let start = 0;
      for (let i = buf.indexOf(LF); i !== -1; i = buf.indexOf(LF, start)) {
        const bytes = buf.subarray(start, i + 1);
        const end = i > start && buf[i - 1] === 0x0d ? i - 1 : i;
        yield { bytes, content: buf.subarray(start, end), n: ++n };
        start = i + 1;
      }
      carry = start < buf.length ? Buffer.from(buf.subarray(start)) : null;
    }
    if (carry && carry.length > 0) yield { bytes: carry, content: carry, n: ++n };
  } finally {
    raw?.destroy();
  }
}

/** The client IP field of a line (up to the first space) and where it ends. */
export function clientIp(content: Buffer): { text: string; end: number } | null {
  const sp = content.indexOf(0x20);
  if (sp <= 0) return null;
  return { text: content.toString('latin1', 0, sp), end: sp };
}

/**
 * Rewrite `file` into `out`, replacing the client IP of the lines chosen by `pick` (given the
 * line's canonical IP and digest) by its truncated form. Returns the digests rewritten.
 */
export async function rewriteLog(
  file: RewriteInput,
  out: AtomicWriter,
  pick: (ip: string, digest: string) => boolean,
  signal?: AbortSignal,
): Promise<Set<string>> {
  const gz = await isGzip(file);
  const done = new Set<string>();
  let write: (b: Buffer) => Promise<void> = (b) => out.write(b);
  let finish = async () => undefined as void;
  if (gz) {
    const z = createGzip();
    const consumer = (async () => {
      for await (const c of z as AsyncIterable<Buffer>) await out.write(c);
    })();
    write = async (b) => {
      if (!z.write(b)) await once(z, 'drain');
    };
    finish = async () => {
      z.end();
      await consumer;
    };
  }
  // Untouched lines that sit next to each other in one read buffer are written as one slice.
  let run: Buffer | null = null;
  const flushRun = async () => {
    if (run) await write(run);
    run = null;
  };
  for await (const line of readLines(file, signal)) {
    const ipField = clientIp(line.content);
    const ip = ipField ? canonicalIp(ipField.text) : null;
    if (ip && ipField) {
      const digest = lineDigest(line.content);
      if (pick(ip, digest)) {
        done.add(digest);
        await flushRun();
        await write(Buffer.concat([Buffer.from(truncateIp(ip), 'latin1'), line.bytes.subarray(ipField.end)]));
        continue;
      }
    }
    const b = line.bytes;
    // run is set inside flushRun's closure: TypeScript narrows it to null here without the assertion
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion
    const r = run as Buffer | null;
    if (r && r.buffer === b.buffer && r.byteOffset + r.length === b.byteOffset) run = Buffer.from(r.buffer, r.byteOffset, r.length + b.length);
    else {
      await flushRun();
      run = b;
    }
  }
  await flushRun();
  await finish();
  return done;
}
