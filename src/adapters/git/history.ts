// Reading a repository's history: one streaming `git log --all` with NUL-separated fields, cut
// into commits as it arrives so memory does not grow with the history, and the pre-filters that
// decide which commits are matched exactly (commit-records.ts) for one subject or a batch.
import { SourceError } from '../../core/errors.js';
import type { IdentityMatcher } from '../../core/identity.js';
import { CandidateSet, NeedleIndex, addressNeedles, foldNeedle, foldText } from '../../core/needle-index.js';
import type { IdentityLink, PersonalRecord } from '../../core/record.js';
import type { AdapterContext, TaggedItem } from '../types.js';
import { commitRecords } from './commit-records.js';
import { GitProcessError, gitComplaint, streamGit } from './git.js';
import type { RepoSpec } from './repository.js';

/** %H %an %ae %aI %cn %ce %cI %B: eight NUL-separated fields; commits separated by NUL too (-z). */
const LOG_FORMAT = '--format=format:%H%x00%an%x00%ae%x00%aI%x00%cn%x00%ce%x00%cI%x00%B';
const FIELDS = 8;

/**
 * Stream `git log --all` of a repository: `onCommit` gets each commit's eight fields (valid
 * during the call only); what it puts in `out` is yielded after each chunk of git's output.
 */
export async function* streamLog<X>(repo: RepoSpec, dir: string, ctx: AdapterContext, onCommit: (f: Buffer[]) => void, out: X[]): AsyncGenerator<X> {
  let fields: Buffer[] = [];
  let carry: Buffer | null = null;
  let commits = 0;
  const handle = () => {
    commits++;
    onCommit(fields);
    fields = [];
  };
  try {
    for await (const chunk of streamGit(dir, ['log', '--all', '-z', '--encoding=UTF-8', '--no-color', LOG_FORMAT], ctx.signal)) {
      const buf: Buffer = carry ? Buffer.concat([carry, chunk]) : chunk;
      let pos = 0;
      for (let nul = buf.indexOf(0, pos); nul !== -1; nul = buf.indexOf(0, pos)) {
        fields.push(buf.subarray(pos, nul));
        pos = nul + 1;
        if (fields.length === FIELDS) handle();
      }
      carry = pos < buf.length ? Buffer.from(buf.subarray(pos)) : null;
      if (out.length > 0) yield* out.splice(0);
    }
    if (carry || fields.length > 0) {
      fields.push(carry ?? Buffer.alloc(0));
      if (fields.length === FIELDS) handle();
      else if (fields.length > 1)
        throw new SourceError(`repository ${repo.path}: unexpected output from git log (${fields.length} fields)`, 'check the git version (2.20 or later)');
    }
    yield* out.splice(0);
  } catch (err) {
    if (err instanceof GitProcessError) {
      // An empty repository (no refs) is not an error: it has no history to search.
      if (/does not have any commits|bad default revision/i.test(err.stderr)) return;
      throw new SourceError(`repository ${repo.path}: git log failed (${gitComplaint(err)})`, 'check that the clone is complete (`git fsck`) and readable');
    }
    throw err;
  } finally {
    ctx.stats['commits'] = (ctx.stats['commits'] ?? 0) + commits;
  }
}

export async function* scanHistory(
  source: string,
  repo: RepoSpec,
  dir: string,
  subject: IdentityMatcher,
  ctx: AdapterContext,
  linked: Set<string>,
): AsyncGenerator<PersonalRecord | IdentityLink> {
  const needles = subject.needles(['email', 'github']).map(foldNeedle);
  if (needles.length === 0) return;
  const out: Array<PersonalRecord | IdentityLink> = [];
  const emit = (x: PersonalRecord | IdentityLink) => void out.push(x);
  yield* streamLog(
    repo,
    dir,
    ctx,
    (f) => {
      // A cheap, complete pre-filter on the raw addresses and message; exact matching follows.
      const ae = f[2]!.toString('utf8');
      const ce = f[5]!.toString('utf8');
      const body = f[7]!.toString('utf8');
      const hay = foldText(`${ae}\u0000${ce}`);
      const bodyHay = foldText(body);
      if (!needles.some((n) => hay.includes(n)) && !needles.some((n) => bodyHay.includes(n))) return;
      commitRecords(source, repo, f, ae, ce, body, subject, linked, emit);
    },
    out,
  );
}

/**
 * The history for many subjects. The pre-filter looks every `@` / `!` of a commit's addresses
 * and message up in one index of all the subjects' addresses (NeedleIndex): its cost per commit
 * hardly depends on the number of subjects, and it names every subject whose address occurs in
 * the commit, so no subject misses a commit its exact matcher would accept.
 */
export async function* scanHistoryMany(
  source: string,
  repo: RepoSpec,
  dir: string,
  subjects: readonly IdentityMatcher[],
  ctx: AdapterContext,
  linked: Array<Set<string>>,
): AsyncGenerator<TaggedItem> {
  const index = new NeedleIndex<number>();
  let any = false;
  subjects.forEach((s, i) => {
    if (s.needles(['email', 'github']).length === 0) return; // as discover: no history read for them
    any = true;
    for (const n of addressNeedles(s)) index.add(n, i);
    // `@login` in a message is a mention of them (discover's filter finds the bare login).
    for (const login of s.needles(['github'])) if (login !== '') index.add(foldNeedle(`@${login}`), i);
  });
  if (!any) return;
  const out: TaggedItem[] = [];
  const candidates = new CandidateSet(subjects.length);
  yield* streamLog(
    repo,
    dir,
    ctx,
    (f) => {
      const ae = f[2]!.toString('utf8');
      const ce = f[5]!.toString('utf8');
      const body = f[7]!.toString('utf8');
      candidates.reset();
      index.scan(foldText(`${ae}\u0000${ce}\u0000${body}`), candidates.add);
      for (const i of candidates.list) commitRecords(source, repo, f, ae, ce, body, subjects[i]!, linked[i]!, (item) => void out.push({ subject: i, item }));
    },
    out,
  );
}
