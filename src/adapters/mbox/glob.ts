// Expand the configured paths: literal files, or globs with `*`, `?` and `**` (Node 20 has no
// fs.glob). Results are sorted and de-duplicated; a literal path is kept even when it is missing,
// so that the caller can report it by name.
import { promises as fsp } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';

export interface ResolvedFile {
  /** Absolute path. */
  file: string;
  /** The path as the user knows it: relative to the config directory when inside it. */
  label: string;
}

const MAGIC = /[*?]/;

function segmentRegex(seg: string): RegExp {
  let re = '';
  for (const c of seg) {
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

async function entries(dir: string): Promise<Array<{ name: string; dir: boolean; file: boolean }>> {
  try {
    const list = await fsp.readdir(dir, { withFileTypes: true });
    // A symbolic link to a file is that file (an archive linked into place is searched and
    // rewritten like any other); links to directories are not followed, so `**` cannot loop.
    const linkedFile = async (name: string) => (await fsp.stat(join(dir, name)).catch(() => null))?.isFile() ?? false;
    return Promise.all(list.map(async (d) => ({ name: d.name, dir: d.isDirectory(), file: d.isFile() || (d.isSymbolicLink() && (await linkedFile(d.name))) })));
  } catch {
    return [];
  }
}

async function walk(base: string, segs: string[], out: Set<string>): Promise<void> {
  if (segs.length === 0) {
    out.add(base);
    return;
  }
  const [seg, ...rest] = segs as [string, ...string[]];
  if (seg === '**') {
    await walk(base, rest, out);
    for (const e of await entries(base)) if (e.dir && !e.name.startsWith('.')) await walk(join(base, e.name), segs, out);
    return;
  }
  if (!MAGIC.test(seg)) {
    await walk(join(base, seg), rest, out);
    return;
  }
  const re = segmentRegex(seg);
  for (const e of await entries(base)) {
    if (e.name.startsWith('.') && !seg.startsWith('.')) continue;
    if (!re.test(e.name)) continue;
    if (rest.length === 0 ? e.file : e.dir) await walk(join(base, e.name), rest, out);
  }
}

export async function expandPaths(patterns: string[], baseDir: string): Promise<ResolvedFile[]> {
  const files = new Set<string>();
  for (const p of patterns) {
    const abs = isAbsolute(p) ? p : resolve(baseDir, p);
    if (!MAGIC.test(p)) {
      files.add(abs);
      continue;
    }
    const parts = abs.split(sep);
    const i = parts.findIndex((s) => MAGIC.test(s) || s === '**');
    const root = parts.slice(0, i).join(sep) || sep;
    const found = new Set<string>();
    await walk(root, parts.slice(i), found);
    for (const f of found) files.add(f);
  }
  return [...files].sort().map((file) => {
    const rel = relative(baseDir, file);
    return { file, label: rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel.split(sep).join('/') : file };
  });
}

export function hasGlob(p: string): boolean {
  return MAGIC.test(p);
}
