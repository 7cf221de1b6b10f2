// The git adapter: commits authored or committed by the subject on every ref, every trailer
// that names them (Signed-off-by, Co-authored-by, Reviewed-by, Cc, …), the other lines of a
// message that name them (mentions), and people files at the tip of the default branch
// (vendored trees left out). History is read by one streaming `git log --all`
// per repository with NUL-separated fields, so memory does not grow with the history.
// discoverMany reads each repository's history and people files once for a whole batch;
// identities() lists, in the same one pass per repository, every address and login discover
// could match (for `replay`).
// Contributions are retained (core/policy.ts); people-file entries are manual edits. The
// adapter has no erase(): it never rewrites history.
import { promises as fsp } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { SourceError, errorMessage } from '../../core/errors.js';
import {
  IdentityCollector,
  impliedIdentities,
  normalizeEmail,
  normalizeGithub,
  type Identity,
  type IdentityMatcher,
  type MatchedIdentity,
} from '../../core/identity.js';
import { CONTRIBUTION_RETENTION, SIGNOFF_RETENTION } from '../../core/policy.js';
import type { IdentityLink, PersonalRecord } from '../../core/record.js';
import type { AdapterContext, AdapterEnv, AdapterFactory, CheckResult, SourceAdapter, TaggedItem } from '../types.js';
import { gitSourceSchema, type GitSourceConfig } from './config.js';
import { GitProcessError, gitComplaint, materialiseBundle, runGit, streamGit } from './git.js';
import { CandidateSet, NeedleIndex, SubjectsByValue, addressNeedles, foldNeedle, foldText } from '../../core/needle-index.js';
import { isExcluded, parsePeopleFile, peopleFileKind, type PeopleEntry, type PeopleFileKind } from './people-files.js';
import { addressesIn, canonicalKey, handlesIn, parseTrailers, splitIdent, trailerType } from './trailers.js';

interface RepoSpec {
  /** As configured. */
  path: string;
  abs: string;
  /** Name in locators. */
  label: string;
}

/** %H %an %ae %aI %cn %ce %cI %B: eight NUL-separated fields; commits separated by NUL too (-z). */
const LOG_FORMAT = '--format=format:%H%x00%an%x00%ae%x00%aI%x00%cn%x00%ce%x00%cI%x00%B';
const FIELDS = 8;

interface Ident {
  where: string;
  name: string;
  email: string;
  /** Canonical address, or null when it is not one. */
  value: string | null;
  hit: MatchedIdentity | null;
}

interface PeopleFile {
  path: string;
  kind: PeopleFileKind;
  /** The entries of each line that has any, in line order. */
  lines: Map<number, PeopleEntry[]>;
}

interface PeopleFiles {
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

export function normName(name: string): string {
  return name.normalize('NFC').trim().replace(/\s+/g, ' ').toLowerCase();
}

export class GitAdapter implements SourceAdapter {
  readonly kind = 'git';
  readonly name: string;
  readonly identityTypes = ['email', 'github'] as const;
  private readonly repos: RepoSpec[];

  constructor(
    private readonly cfg: GitSourceConfig,
    private readonly env: AdapterEnv,
  ) {
    this.name = cfg.name;
    const specs = cfg.repos.map((r) => (typeof r === 'string' ? { path: r } : r));
    const base = (p: string) =>
      p
        .replace(/\/+$/, '')
        .split('/')
        .pop()!
        .replace(/\.(bundle|git)$/, '') || p;
    const counts = new Map<string, number>();
    for (const s of specs) if (!('name' in s && s.name)) counts.set(base(s.path), (counts.get(base(s.path)) ?? 0) + 1);
    this.repos = specs.map((s) => ({
      path: s.path,
      abs: isAbsolute(s.path) ? s.path : resolve(env.configDir, s.path),
      label: ('name' in s && s.name) || ((counts.get(base(s.path)) ?? 0) > 1 ? s.path : base(s.path)),
    }));
  }

  async check(signal: AbortSignal): Promise<CheckResult> {
    try {
      let commits = 0;
      for (const repo of this.repos) {
        const dir = await this.open(repo, signal);
        const out = await runGit(dir, ['rev-list', '--all', '--count'], signal);
        commits += Number(out.toString('utf8').trim()) || 0;
      }
      return { ok: true, detail: `${this.repos.length} repositor${this.repos.length === 1 ? 'y' : 'ies'} readable, ${commits} commits on all refs` };
    } catch (err) {
      return { ok: false, detail: errorMessage(err) };
    }
  }

  async *discover(subject: IdentityMatcher, ctx: AdapterContext): AsyncIterable<PersonalRecord | IdentityLink> {
    const linked = new Set<string>();
    for (const repo of this.repos) {
      const dir = await this.open(repo, ctx.signal);
      ctx.stats['repositories'] = (ctx.stats['repositories'] ?? 0) + 1;
      const people = this.peopleFilesAhead(repo, dir, ctx);
      yield* this.scanHistory(repo, dir, subject, ctx, linked);
      if (people) yield* this.scanPeopleFiles(repo, await people, subject, linked, ctx);
    }
  }

  /**
   * One `git log` and one read of the people files per repository for all the subjects. Each
   * subject's records come from the same code as in discover, run with its own matcher and its
   * own set of reported links, in the same order (repository by repository, history then people
   * files), so each gets exactly what discover would give it.
   */
  async *discoverMany(subjects: readonly IdentityMatcher[], ctx: AdapterContext): AsyncIterable<TaggedItem> {
    if (subjects.length === 0) return;
    const linked = subjects.map(() => new Set<string>());
    for (const repo of this.repos) {
      const dir = await this.open(repo, ctx.signal);
      ctx.stats['repositories'] = (ctx.stats['repositories'] ?? 0) + 1;
      const people = this.peopleFilesAhead(repo, dir, ctx);
      yield* this.scanHistoryMany(repo, dir, subjects, ctx, linked);
      if (people) yield* this.scanPeopleFilesMany(repo, await people, subjects, linked, ctx);
    }
  }

  /**
   * Every identity by which discover could find a record here (`replay`): the canonical address
   * of every author, committer and reported trailer (Signed-off-by, Co-authored-by, …) on all
   * refs, with the login a GitHub noreply address names, and every address and login of the
   * people files at the tip. One `git log` per repository, parsed as discover parses it; each
   * distinct identity is yielded once (one Set for the source).
   */
  async *identities(ctx: AdapterContext): AsyncIterable<Identity> {
    const ids = new IdentityCollector();
    for (const repo of this.repos) {
      const dir = await this.open(repo, ctx.signal);
      ctx.stats['repositories'] = (ctx.stats['repositories'] ?? 0) + 1;
      const ahead = this.peopleFilesAhead(repo, dir, ctx);
      const out: Identity[] = [];
      yield* this.streamLog(
        repo,
        dir,
        ctx,
        (f) => {
          // As matchIdent reads an address: the canonical address, and the login of a noreply one.
          ids.email(f[2]!.toString('utf8'));
          ids.email(f[5]!.toString('utf8'));
          // Every address and `@handle` in the message: discover matches them in any trailer
          // and as mentions anywhere else. No `@` in the message: nothing to list.
          if (f[7]!.includes(0x40) || f[7]!.includes(0x21)) {
            const body = f[7]!.toString('utf8');
            for (const t of parseTrailers(body)) ids.email(splitIdent(t.value).email);
            for (const a of addressesIn(body)) ids.email(a);
            for (const h of handlesIn(body)) {
              const login = normalizeGithub(h);
              if (login !== null) ids.add({ type: 'github', value: login });
            }
          }
          out.push(...ids.take());
        },
        out,
      );
      const people = ahead && (await ahead);
      if (!people) continue;
      // peopleLine matches each entry by its own type and canonical value (no noreply login).
      for (const file of people.files) for (const entries of file.lines.values()) for (const e of entries) ids.add({ type: e.type, value: e.value });
      yield* ids.take();
    }
  }

  // ---- repositories ----

  /** The directory to run git in: the clone itself, or the cached mirror of a bundle. */
  private async open(repo: RepoSpec, signal: AbortSignal): Promise<string> {
    const where = `sources "${this.name}".repos`;
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
        dir = await materialiseBundle(dir, join(this.env.stateDir, 'cache', 'git'), signal);
      } catch (err) {
        if (signal.aborted || err instanceof SourceError) throw err;
        if (!(err instanceof GitProcessError)) {
          throw new SourceError(
            `repository ${repo.path}: cannot clone the bundle into the state directory (${errorMessage(err)})`,
            `make ${join(this.env.stateDir, 'cache', 'git')} writable, or point stateDir in the config somewhere writable`,
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

  // ---- history ----

  /**
   * Stream `git log --all` of a repository: `onCommit` gets each commit's eight fields (valid
   * during the call only); what it puts in `out` is yielded after each chunk of git's output.
   */
  private async *streamLog<X>(repo: RepoSpec, dir: string, ctx: AdapterContext, onCommit: (f: Buffer[]) => void, out: X[]): AsyncGenerator<X> {
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

  private async *scanHistory(
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
    yield* this.streamLog(
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
        this.commit(repo, f, ae, ce, body, subject, linked, emit);
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
  private async *scanHistoryMany(
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
    yield* this.streamLog(
      repo,
      dir,
      ctx,
      (f) => {
        const ae = f[2]!.toString('utf8');
        const ce = f[5]!.toString('utf8');
        const body = f[7]!.toString('utf8');
        candidates.reset();
        index.scan(foldText(`${ae}\u0000${ce}\u0000${body}`), candidates.add);
        for (const i of candidates.list) this.commit(repo, f, ae, ce, body, subjects[i]!, linked[i]!, (item) => void out.push({ subject: i, item }));
      },
      out,
    );
  }

  private matchIdent(raw: string, field: string, subject: IdentityMatcher): { value: string | null; hit: MatchedIdentity | null } {
    const value = normalizeEmail(raw);
    if (value === null) return { value, hit: null };
    if (subject.matchCell('email', value) !== null) return { value, hit: { type: 'email', value, field } };
    for (const implied of impliedIdentities({ type: 'email', value })) {
      const login = subject.matchCell('github', implied.identity.value);
      if (login !== null) return { value, hit: { type: 'github', value: login, field: `${field} (GitHub noreply address)` } };
    }
    return { value, hit: null };
  }

  /** The subject's addresses (noreply ones included) and `@handles` written in a piece of text. */
  private textHits(text: string, field: string, subject: IdentityMatcher): Array<{ hit: MatchedIdentity; handle: boolean; raw: string }> {
    const out: Array<{ hit: MatchedIdentity; handle: boolean; raw: string }> = [];
    for (const a of addressesIn(text)) {
      const { hit } = this.matchIdent(a, field, subject);
      if (hit) out.push({ hit, handle: false, raw: a });
    }
    for (const h of handlesIn(text)) {
      const login = normalizeGithub(h);
      if (login !== null && subject.matchCell('github', login) !== null)
        out.push({ hit: { type: 'github', value: login, field: `${field} (@handle)` }, handle: true, raw: `@${h}` });
    }
    return out;
  }

  /** The subject's records and candidate links in one commit, exactly matched. */
  private commit(
    repo: RepoSpec,
    f: Buffer[],
    ae: string,
    ce: string,
    body: string,
    subject: IdentityMatcher,
    linked: Set<string>,
    emit: (x: PersonalRecord | IdentityLink) => void,
  ): void {
    const sha = f[0]!.toString('latin1');
    const an = f[1]!.toString('utf8');
    const ce_name = f[4]!.toString('utf8');
    const idents: Ident[] = [
      { where: 'author', name: an, email: ae, ...this.matchIdent(ae, 'author.email', subject) },
      { where: 'committer', name: ce_name, email: ce, ...this.matchIdent(ce, 'committer.email', subject) },
    ];
    const author = idents[0]!;
    const committer = idents[1]!;
    if (author.hit || committer.hit) {
      const data: Record<string, unknown> = { repository: repo.label, commit: sha };
      const categories = new Set(['name', 'contact.email', 'activity.timestamp']);
      if (author.hit) {
        Object.assign(data, { authorName: an, authorEmail: ae, authorDate: f[3]!.toString('latin1') });
        data['subject'] = body.split('\n', 1)[0]!.trim();
        categories.add('contribution');
      }
      if (committer.hit) Object.assign(data, { committerName: ce_name, committerEmail: ce, committerDate: f[6]!.toString('latin1') });
      emit({
        source: this.name,
        type: 'commit',
        locator: `${repo.label}@${sha}`,
        matched: [author.hit, committer.hit].filter((h): h is MatchedIdentity => h !== null),
        categories: [...categories].sort(),
        data,
        disposition: 'retain',
        retention: CONTRIBUTION_RETENTION,
      });
    }
    // Every trailer whose value holds one of the subject's addresses (or a noreply address or
    // `@handle` of theirs) is a contribution record, whatever its key.
    const trailers = parseTrailers(body);
    const inTrailer = new Set<number>();
    for (const t of trailers) {
      for (let l = t.line; l <= t.lastLine; l++) inTrailer.add(l);
      const key = canonicalKey(t.key);
      const { name, email } = splitIdent(t.value);
      const m = this.matchIdent(email, `trailer ${key}`, subject);
      idents.push({ where: `${key} trailer`, name, email, ...m });
      // Another address or handle in the value (`Cc: Bo <bo@…>, Ann <ann@…>`): a record carrying
      // only the subject's identity as written (the value names other people too).
      const other = m.hit ? undefined : this.textHits(t.value, `trailer ${key}`, subject)[0];
      const hit = m.hit ?? other?.hit ?? null;
      if (!hit) continue;
      const own = m.hit !== null;
      const type = trailerType(key);
      emit({
        source: this.name,
        type,
        locator: `${repo.label}@${sha}:message:${t.line}`,
        matched: [hit],
        categories: own && name ? ['contact.email', 'name'] : [hit.type === 'github' && !hit.field.includes('noreply') ? 'online.handle' : 'contact.email'],
        data: {
          repository: repo.label,
          commit: sha,
          trailer: key,
          ...(own ? { ...(name ? { name } : {}), email } : other!.handle ? { github: other!.raw } : { email: other!.raw }),
        },
        disposition: 'retain',
        retention: type === 'signoff' ? SIGNOFF_RETENTION : CONTRIBUTION_RETENTION,
      });
    }
    // The subject's address or handle anywhere else in the message ("reported by ann@…"): their
    // data for an access request, retained with the commit it is part of. Only the line that
    // names them is carried, not the rest of the message.
    if (body.includes('@')) {
      const lines = body.split('\n');
      lines.forEach((text, i) => {
        if (inTrailer.has(i + 1) || !text.includes('@')) return;
        const hits = this.textHits(text, 'message', subject);
        if (hits.length === 0) return;
        const matched = [...new Map(hits.map((h) => [`${h.hit.type}:${h.hit.value}`, h.hit])).values()];
        emit({
          source: this.name,
          type: 'mention',
          locator: `${repo.label}@${sha}:message:${i + 1}`,
          matched,
          categories: [...new Set(hits.map((h) => (h.handle ? 'online.handle' : 'contact.email')))].sort(),
          data: { repository: repo.label, commit: sha, line: i + 1, text: text.replace(/\r$/, '').trim() },
          disposition: 'retain',
          retention: CONTRIBUTION_RETENTION,
        });
      });
    }
    // Candidate links: another address in the same commit written with the same name as one of
    // the subject's (a commit author next to a sign-off). Never followed automatically.
    for (const mine of idents) {
      if (!mine.hit || normName(mine.name) === '') continue;
      for (const other of idents) {
        if (other.hit || other.value === null || normName(other.name) !== normName(mine.name)) continue;
        const key = `${mine.hit.type}:${mine.hit.value}>email:${other.value}`;
        if (linked.has(key)) continue;
        linked.add(key);
        emit({
          kind: 'identity-link',
          from: { type: mine.hit.type, value: mine.hit.value },
          to: { type: 'email', value: other.value },
          strength: 'candidate',
          source: this.name,
          locator: `${repo.label}@${sha}`,
          reason: `the ${mine.where} and the ${other.where} of the same commit carry the same name`,
        });
      }
    }
  }

  // ---- people files ----

  /** The people files at the tip of the default branch (or `branch`), read in one `git cat-file --batch`. */
  private async readPeopleFiles(repo: RepoSpec, dir: string, ctx: AdapterContext): Promise<PeopleFiles | null> {
    const rev = this.cfg.branch ? `refs/heads/${this.cfg.branch}` : 'HEAD';
    let tip: string;
    try {
      tip = (await runGit(dir, ['rev-parse', '--verify', '-q', `${rev}^{commit}`], ctx.signal)).toString('utf8').trim();
    } catch (err) {
      if (!(err instanceof GitProcessError)) throw err;
      if (this.cfg.branch) {
        throw new SourceError(
          `repository ${repo.path}: no branch "${this.cfg.branch}"`,
          `fix sources "${this.name}".branch in the config, or leave it out to use the repository's HEAD`,
        );
      }
      ctx.log.info(`${this.name}: ${repo.label} has no default branch; its people files were not read`);
      return null;
    }
    let branch = this.cfg.branch ?? '';
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
      if (isExcluded(m[3]!, this.cfg.exclude)) {
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
  private peopleFilesAhead(repo: RepoSpec, dir: string, ctx: AdapterContext): Promise<PeopleFiles | null> | null {
    if (!this.cfg.peopleFiles) return null;
    const p = this.readPeopleFiles(repo, dir, ctx);
    p.catch(() => undefined); // handled where it is awaited; not an unhandled rejection if the history fails first
    return p;
  }

  private *scanPeopleFiles(
    repo: RepoSpec,
    people: PeopleFiles | null,
    subject: IdentityMatcher,
    linked: Set<string>,
    ctx: AdapterContext,
  ): Iterable<PersonalRecord | IdentityLink> {
    if (!people) return;
    for (const file of people.files) {
      for (const [line, all] of file.lines) yield* this.peopleLine(repo, people, file, line, all, subject, linked, ctx.note?.bind(ctx));
    }
  }

  /** The people files for many subjects: read and parsed once; each line goes to the subjects it names. */
  private *scanPeopleFilesMany(
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
          for (const item of this.peopleLine(repo, people, file, line, all, subjects[i]!, linked[i]!, ctx.note?.bind(ctx))) yield { subject: i, item };
        }
      }
    }
  }

  /** The subject's record (and candidate links) on one line of a people file, if the line names them. */
  private *peopleLine(
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
      source: this.name,
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
        source: this.name,
        locator: `${repo.label}:${path}:${line}`,
        reason: kind === 'mailmap' ? `${path} line ${line} maps both addresses to one person` : `${path} line ${line} lists both for one maintainer`,
      };
    }
  }
}

export const gitFactory: AdapterFactory<GitSourceConfig> = {
  kind: 'git',
  schema: gitSourceSchema,
  suggestedFacts: {
    categories: ['name', 'contact.email', 'online.handle', 'activity.timestamp', 'contribution', 'project.role'],
    purpose: ['attribution', 'proof of contribution', 'project governance'],
    legalBasis: 'legitimate-interest',
    recipients: ['the public (the repositories are published)'],
    retention:
      'commits and their trailers are kept indefinitely as proof of contribution and for the integrity of the project history; people-file entries until you leave the role',
    origin: 'provided by you when contributing (commit metadata and messages) and by maintainers (people files)',
    transfers: 'the repositories are public, readable from any country',
  },
  create: (cfg, env) => new GitAdapter(cfg, env),
};
