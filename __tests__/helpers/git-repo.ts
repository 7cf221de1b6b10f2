// Test repositories built with git fast-import: commits with given authors, committers, messages
// and branches, and files on the last commit of main.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { gitSourceSchema } from '../../src/adapters/git/config.js';
import { gitFactory } from '../../src/adapters/git/index.js';
import type { SourceAdapter } from '../../src/adapters/types.js';

export function git(cwd: string, args: string[], input?: string): string {
  const r = spawnSync('git', args, {
    cwd,
    input,
    encoding: 'utf8',
    env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1', GIT_DIR: undefined, GIT_WORK_TREE: undefined },
  });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

export interface FakeCommit {
  author: string;
  committer?: string;
  message: string;
  branch?: string;
}

/** A repository built with git fast-import: commits on `branch`, and files added by the last commit on main. */
export function fastImport(repo: string, commits: FakeCommit[], opts: { bare?: boolean; files?: Record<string, string> } = {}): string {
  fs.mkdirSync(repo, { recursive: true });
  git(repo, ['init', '-q', ...(opts.bare ? ['--bare'] : []), '-b', 'main']);
  const parts: Buffer[] = [];
  let mark = 0;
  const last = new Map<string, number>();
  const lastMain = commits.map((c) => c.branch ?? 'main').lastIndexOf('main');
  commits.forEach((c, i) => {
    const branch = c.branch ?? 'main';
    const msg = Buffer.from(c.message, 'utf8');
    parts.push(
      Buffer.from(
        `commit refs/heads/${branch}\nmark :${++mark}\nauthor ${c.author} ${1700000000 + i} +0000\ncommitter ${c.committer ?? c.author} ${1700000000 + i} +0000\ndata ${msg.length}\n`,
        'utf8',
      ),
      msg,
      Buffer.from('\n'),
    );
    const parent = last.get(branch) ?? last.get('main');
    let s = parent ? `from :${parent}\n` : '';
    s += `M 644 inline f${i % 50}.txt\ndata 2\n${i % 10}\n`;
    if (i === lastMain) {
      for (const [file, text] of Object.entries(opts.files ?? {})) {
        const b = Buffer.from(text, 'utf8');
        parts.push(Buffer.from(`${s}M 644 inline ${file}\ndata ${b.length}\n`, 'utf8'), b, Buffer.from('\n'));
        s = '';
      }
    }
    parts.push(Buffer.from(`${s}\n`, 'utf8'));
    last.set(branch, mark);
  });
  git(repo, ['fast-import', '--quiet'], Buffer.concat(parts).toString('utf8'));
  return repo;
}

/** A git source over these repos (paths relative to dir), its state under dir/.privacyctl. */
export function gitAdapter(dir: string, repos: unknown[], extra: Record<string, unknown> = {}): SourceAdapter {
  const cfg = gitSourceSchema.parse({ name: 'repos', kind: 'git', repos, ...extra });
  return gitFactory.create(cfg, { configDir: dir, stateDir: path.join(dir, '.privacyctl') });
}
