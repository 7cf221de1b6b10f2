// The people files at the tip of the default branch, read from git (parsed by people-files.ts),
// and the subject's records and candidate links on their lines: one subject, or a batch whose
// lines go to the subjects they name.
import { SourceError } from '../../core/errors.js';
import type { IdentityMatcher } from '../../core/identity.js';
import { CandidateSet, SubjectsByValue } from '../../core/needle-index.js';
import type { IdentityLink, PersonalRecord } from '../../core/record.js';
import type { AdapterContext, TaggedItem } from '../types.js';
import type { GitSourceConfig } from './config.js';
import { GitProcessError, runGit } from './git.js';
import { isExcluded, parsePeopleFile, peopleFileKind, type PeopleEntry, type PeopleFileKind } from './people-files.js';
import type { RepoSpec } from './repository.js';

export interface PeopleFile {
  path: string;
  kind: PeopleFileKind;
  /** The entries of each line that has any, in line order. */
  lines: Map<number, PeopleEntry[]>;
}

export interface PeopleFiles {
  branch: string;
  tip: string;
  files: PeopleFile[];
}

function entriesByLine(entries: PeopleEntry[]): Map<number, PeopleEntry[]> {
  const byLine = new Map<number, PeopleEntry[]>();
  for (const e of entries) {
    const list = byLine.get(e.line);
    if (list) list.push(e);
    else byLine.set(e.line, [e]);
  }
  return byLine;
}

/** The people files at the tip of the default branch (or `branch`), read in one `git cat-file --batch`. */
async function readPeopleFiles(cfg: GitSourceConfig, repo: RepoSpec, dir: string, ctx: AdapterContext): Promise<PeopleFiles | null> {
  const rev = cfg.branch ? `refs/heads/${cfg.branch}` : 'HEAD';
  let tip: string;
  try {
    tip = (await runGit(dir, ['rev-parse', '--verify', '-q', `${rev}^{commit}`], ctx.signal)).toString('utf8').trim();
  } catch (err) {
    if (!(err instanceof GitProcessError)) throw err;
    if (cfg.branch) {
      throw new SourceError(
        `repository ${repo.path}: no branch "${cfg.branch}"`,
        `fix sources "${cfg.name}".branch in the config, or leave it out to use the repository's HEAD`,
      );
    }
    ctx.log.info(`${cfg.name}: ${repo.label} has no default branch; its people files were not read`);
    return null;
  }
  let branch = cfg.branch ?? '';
  if (!branch) {
    try {
      branch = (await runGit(dir, ['symbolic-ref', '-q', '--short', 'HEAD'], ctx.signal)).toString('utf8').trim();
    } catch {
      branch = 'HEAD';
    }
  }
  // Regular files only: a submodule (gitlink) holds another project, a symlink is not the file.
  const listing = (await runGit(dir, ['ls-tree', '-r', '-z', '--full-tree', tip], ctx.signal)).toString('utf8');
  const files: Array<{ path: string; kind: PeopleFileKind; object: string }> = [];
  let excluded = 0;
  for (const entry of listing.split('\0')) {
    const m = /^(100644|100755) blob ([0-9a-f]+)\t(.+)$/s.exec(entry);
    if (!m || m[3]!.includes('\n')) continue;
    const kind = peopleFileKind(m[3]!);
    if (kind === null) continue;
    // Vendored copies of other projects (and the configured exclude: globs): their people are not this project's.
    if (isExcluded(m[3]!, cfg.exclude)) {
      excluded++;
      continue;
    }
    files.push({ path: m[3]!, kind, object: m[2]! });
  }
  if (excluded) ctx.stats['peopleFilesExcluded'] = (ctx.stats['peopleFilesExcluded'] ?? 0) + excluded;
  const out: PeopleFiles = { branch, tip, files: [] };
  if (files.length === 0) return out;
  ctx.stats['peopleFiles'] = (ctx.stats['peopleFiles'] ?? 0) + files.length;
  const batch = await runGit(dir, ['cat-file', '--batch'], ctx.signal, files.map((f) => `${f.object}\n`).join(''));
  let pos = 0;
  for (const file of files) {
    const nl = batch.indexOf(0x0a, pos);
    if (nl === -1) break;
    const header = batch.toString('utf8', pos, nl);
    pos = nl + 1;
    const m = /^[0-9a-f]+ (\w+) (\d+)$/.exec(header);
    if (!m) continue; // "missing": a submodule or an odd path
    const size = Number(m[2]);
    const content = batch.subarray(pos, pos + size);
    pos += size + 1;
    if (m[1] !== 'blob') continue;
    out.files.push({ path: file.path, kind: file.kind, lines: entriesByLine(parsePeopleFile(file.kind, content.toString('utf8'))) });
  }
  return out;
}

/**
 * The people files, read while the history streams (ls-tree of a large tree and cat-file take
 * a noticeable part of a run otherwise); null when not configured. Its failure surfaces when
 * awaited, after the history, as before.
 */
export function peopleFilesAhead(cfg: GitSourceConfig, repo: RepoSpec, dir: string, ctx: AdapterContext): Promise<PeopleFiles | null> | null {
  if (!cfg.peopleFiles) return null;
  const p = readPeopleFiles(cfg, repo, dir, ctx);
  p.catch(() => undefined); // handled where it is awaited; not an unhandled rejection if the history fails first
  return p;
}

export function* scanPeopleFiles(
  source: string,
  repo: RepoSpec,
  people: PeopleFiles | null,
  subject: IdentityMatcher,
  linked: Set<string>,
  ctx: AdapterContext,
): Iterable<PersonalRecord | IdentityLink> {
  if (!people) return;
  for (const file of people.files) {
    for (const [line, all] of file.lines) yield* peopleLine(source, repo, people, file, line, all, subject, linked, ctx.note?.bind(ctx));
  }
}

/** The people files for many subjects: read and parsed once; each line goes to the subjects it names. */
export function* scanPeopleFilesMany(
  source: string,
  repo: RepoSpec,
  people: PeopleFiles | null,
  subjects: readonly IdentityMatcher[],
  linked: Array<Set<string>>,
  ctx: AdapterContext,
): Iterable<TaggedItem> {
  if (!people) return;
  const index = new SubjectsByValue(subjects, ['email', 'github']);
  const candidates = new CandidateSet(subjects.length);
  for (const file of people.files) {
    for (const [line, all] of file.lines) {
      candidates.reset();
      for (const e of all) index.lookup(e.type, e.value, candidates.add);
      for (const i of candidates.list) {
        for (const item of peopleLine(source, repo, people, file, line, all, subjects[i]!, linked[i]!, ctx.note?.bind(ctx))) yield { subject: i, item };
      }
    }
  }
}

/** The subject's record (and candidate links) on one line of a people file, if the line names them. */
function* peopleLine(
  source: string,
  repo: RepoSpec,
  { branch, tip }: PeopleFiles,
  { path, kind }: PeopleFile,
  line: number,
  all: PeopleEntry[],
  subject: IdentityMatcher,
  linked: Set<string>,
  note: AdapterContext['note'],
): Iterable<PersonalRecord | IdentityLink> {
  const mine = all.filter((e) => subject.matchCell(e.type, e.value) !== null);
  if (mine.length === 0) return;
  const others = all.filter((e) => !mine.includes(e));
  // One person's line (a mailmap entry, a MAINTAINERS table row): names on it are theirs.
  const onePerson = kind === 'mailmap' || (all.filter((e) => e.type === 'email').length <= 1 && all.filter((e) => e.type === 'github').length <= 1);
  const name = onePerson ? mine.find((e) => e.name)?.name : undefined;
  const roles = [...new Set(mine.map((e) => e.role))];
  const written = [...new Set(mine.map((e) => e.raw))];
  const categories = new Set<string>(['project.role']);
  for (const e of mine) categories.add(e.type === 'email' ? 'contact.email' : 'online.handle');
  if (name) categories.add('name');
  const what = written.map((w) => `"${w}"`).join(' and ');
  // A CODEOWNERS pattern whose every owner is this person: removing them leaves it unowned
  // (deleting the line hands its files to an earlier, broader pattern, if any).
  const pattern = kind === 'codeowners' ? mine[0]!.pattern : undefined;
  const lastOwner = pattern !== undefined && mine.length >= (mine[0]!.owners ?? 0);
  if (lastOwner) note?.(`${repo.label} ${path} line ${line}: the pattern ${pattern} is left without an owner once this person is removed; name a new owner`);
  const edit =
    kind === 'mailmap'
      ? `delete line ${line} (it maps this person's addresses)`
      : lastOwner
        ? `remove ${what} from line ${line}: this person is the only owner of ${pattern}: name a new owner for it in the same change`
        : others.length === 0 && kind === 'maintainers' && (mine.every((e) => e.tableRow) || mine.every((e) => e.listItem))
          ? `delete line ${line} (the ${mine[0]!.tableRow ? 'table row' : 'list item'} names only this person)`
          : others.length === 0 && kind !== 'maintainers' && kind !== 'codeowners' // a team may share the pattern
            ? `delete line ${line} (${what})`
            : `remove ${what} from line ${line}, keeping the rest of the line`;
  yield {
    source,
    type: 'people-file-entry',
    locator: `${repo.label}:${path}:${line}`,
    matched: mine.map((e) => ({ type: e.type, value: e.value, field: `${path} (${e.role})` })),
    categories: [...categories].sort(),
    data: {
      repository: repo.label,
      branch,
      commit: tip,
      file: path,
      line,
      role: roles.join('; '),
      ...(mine.some((e) => e.type === 'email')
        ? {
            email: mine
              .filter((e) => e.type === 'email')
              .map((e) => e.raw)
              .join(', '),
          }
        : {}),
      ...(mine.some((e) => e.type === 'github')
        ? {
            github: mine
              .filter((e) => e.type === 'github')
              .map((e) => e.raw)
              .join(', '),
          }
        : {}),
      ...(name ? { name } : {}),
    },
    disposition: 'manual',
    manual: `in repository ${repo.label}, file ${path} on branch ${branch}: ${edit}, then commit the change (the file's history keeps earlier versions)`,
  };
  // Candidate links: the other address of a mailmap entry; the other identity of a one-person row.
  const targets =
    kind === 'mailmap'
      ? mine.flatMap((e) => e.sameEntry ?? [])
      : onePerson && kind === 'maintainers'
        ? others.map((o) => ({ type: o.type, value: o.value }))
        : [];
  for (const to of targets) {
    if (subject.matchCell(to.type, to.value) !== null) continue;
    const from = mine[0]!;
    const key = `${from.type}:${from.value}>${to.type}:${to.value}@${path}:${line}`;
    if (linked.has(key)) continue;
    linked.add(key);
    yield {
      kind: 'identity-link',
      from: { type: from.type, value: from.value },
      to: { type: to.type, value: to.value }, // a copy: in a batch, several subjects may get this line
      strength: 'candidate',
      source,
      locator: `${repo.label}:${path}:${line}`,
      reason: kind === 'mailmap' ? `${path} line ${line} maps both addresses to one person` : `${path} line ${line} lists both for one maintainer`,
    };
  }
}
