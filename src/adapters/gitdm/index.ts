// The gitdm adapter: CNCF gitdm affiliation files. developers_affiliations*.txt blocks (a login,
// its addresses, its affiliation history) and email-map lines that name the subject are found;
// erasure removes those blocks and lines in one atomic rewrite per file that copies every other
// byte as it was, and with `erase: forbidden-hashes` also appends the SHA-1 / SHA-256 of the
// person's identities to forbidden-sha1.csv / forbidden-sha256.csv. discoverMany reads each file
// once for a whole batch; identities() lists every address and login the files hold (for
// `replay`).
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { atomicRewrite } from '../../core/atomic-file.js';
import { SourceError, errorMessage } from '../../core/errors.js';
import {
  IdentityCollector,
  impliedIdentities,
  matchAddress,
  normalizeEmail,
  normalizeGithub,
  type Identity,
  type IdentityMatcher,
  type MatchedIdentity,
} from '../../core/identity.js';
import type { IdentityLink, PersonalRecord } from '../../core/record.js';
import { CandidateSet, NeedleIndex, SubjectsByValue, addressNeedles, foldNeedle, foldText } from '../../core/needle-index.js';
import type { AdapterContext, AdapterEnv, AdapterFactory, CheckResult, ErasureStep, SourceAdapter, StepResult, TaggedItem } from '../types.js';
import { formatFromName, gitdmSourceSchema, type GitdmFormat, type GitdmSourceConfig } from './config.js';
import { parseEmailMapLine, readAffiliations, readLines, type Block, type Line } from './parse.js';

interface FileSpec {
  path: string;
  abs: string;
  format: GitdmFormat;
}

interface Found {
  /** The subject's identities in this block / line. */
  matched: MatchedIdentity[];
  /** Identities written there that are not (yet) the subject's: candidate links. */
  others: Identity[];
}

export const FORBIDDEN_FILES = { sha1: 'forbidden-sha1.csv', sha256: 'forbidden-sha256.csv' } as const;

function digestOf(bufs: Buffer[]): string {
  const h = createHash('sha256');
  for (const b of bufs) h.update(b);
  return h.digest('hex');
}

export function matchBlock(block: Block, subject: IdentityMatcher): Found {
  const matched: MatchedIdentity[] = [];
  const others: Identity[] = [];
  const login = normalizeGithub(block.login);
  if (login !== null) {
    if (subject.matchCell('github', login) !== null) matched.push({ type: 'github', value: login, field: 'login' });
    else others.push({ type: 'github', value: login });
  }
  for (const raw of block.emails) {
    const m = matchAddress(raw, 'emails', subject);
    if (m.hit) {
      if (!matched.some((x) => x.type === m.hit!.type && x.value === m.hit!.value)) matched.push(m.hit);
    } else if (m.value !== null) others.push({ type: 'email', value: m.value });
  }
  return { matched, others };
}

/**
 * Whose a block is, for the subject. A block holds one login and its addresses; real files also
 * hold blocks of several people (merged by mistake, or a shared login such as `alex`). So a block
 * is removed only when every entry in it is the subject's: its login, and each address. Anything
 * else in it — a login or an address not known to be theirs, an entry that is no address
 * (`name at domain`) — may be another person's, and the block becomes a manual step that says
 * what is ambiguous; nothing in it is changed.
 */
export interface BlockVerdict {
  /** The login is the subject's (its affiliation history is theirs to see). */
  loginMine: boolean;
  /** The block's login is written but not known to be the subject's. */
  loginOther: boolean;
  /** Addresses not known to be the subject's; of them, GitHub noreply addresses of accounts other than the block's login. */
  otherAddresses: number;
  otherNoreply: number;
  /** Entries of the address list that are no address. */
  unreadable: number;
  /** Every entry is the subject's: the block may be removed whole. */
  whole: boolean;
}

export function judgeBlock(block: Block, subject: IdentityMatcher, found = matchBlock(block, subject)): BlockVerdict {
  const loginMine = found.matched.some((m) => m.field === 'login');
  const loginOther = block.login !== '' && !loginMine;
  const login = normalizeGithub(block.login);
  let otherAddresses = 0;
  let otherNoreply = 0;
  for (const raw of block.emails) {
    const m = matchAddress(raw, '', subject);
    if (m.hit || m.value === null) continue;
    otherAddresses++;
    // GitHub's noreply address of an account other than the block's: the block holds two accounts.
    if (impliedIdentities({ type: 'email', value: m.value }).some((i) => i.identity.value !== login)) otherNoreply++;
  }
  // An entry of the comma-separated list in which no word is an address (`ann at example dot org`).
  const list = block.lines[0]!.text.slice(block.lines[0]!.text.indexOf(':') + 1);
  const unreadable = list.split(',').filter(
    (e) =>
      e.trim() !== '' &&
      !e
        .trim()
        .split(/\s+/)
        .some((w) => normalizeEmail(w) !== null),
  ).length;
  return { loginMine, loginOther, otherAddresses, otherNoreply, unreadable, whole: !loginOther && otherAddresses === 0 && unreadable === 0 };
}

function count(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** The manual step for a block that is not wholly the subject's: what is ambiguous, and what to do. */
function blockManual(file: string, line: number, v: BlockVerdict): string {
  const parts: string[] = [];
  if (v.otherAddresses > 0) {
    const k = v.otherNoreply;
    const noreply =
      k === 0
        ? ''
        : v.otherAddresses === 1
          ? ' (the noreply address of another GitHub account)'
          : ` (${k} of them ${k === 1 ? 'the noreply address' : 'noreply addresses'} of another GitHub account${k === 1 ? '' : 's'})`;
    parts.push(`${count(v.otherAddresses, 'address', 'addresses')}${noreply}`);
  }
  if (v.unreadable > 0)
    parts.push(`${count(v.unreadable, 'entry', 'entries')} that ${v.unreadable === 1 ? 'is' : 'are'} no address (one written out, such as "name at domain")`);
  const listed = parts.join(' and ');
  const head = v.loginMine
    ? `this person's block also lists ${listed} not known to be theirs`
    : `the block's login is not known to be this person's${listed ? `, and it lists ${listed} not known to be theirs either` : ''}`;
  const ifNot = v.loginMine
    ? "if not, the block mixes people: keep what is the others' (their addresses, and the affiliation lines if they are theirs) and remove the rest"
    : "if not, remove only this person's address(es) from that line";
  return `${file} line ${line}: ${head}; nothing was removed. If those are theirs too, accept them with --include-identity (they are listed as candidate identities) and erase again: the block is then removed whole; ${ifNot}`;
}

export class GitdmAdapter implements SourceAdapter {
  readonly kind = 'gitdm';
  readonly name: string;
  readonly identityTypes = ['email', 'github'] as const;
  private readonly files: FileSpec[];

  constructor(
    private readonly cfg: GitdmSourceConfig,
    private readonly env: AdapterEnv,
  ) {
    this.name = cfg.name;
    this.files = cfg.files.map((f) => {
      const path = typeof f === 'string' ? f : f.path;
      const format = typeof f === 'string' ? formatFromName(f)! : f.format;
      return { path, abs: this.abs(path), format };
    });
  }

  private abs(p: string): string {
    return isAbsolute(p) ? p : resolve(this.env.configDir, p);
  }

  async check(_signal: AbortSignal): Promise<CheckResult> {
    try {
      let bytes = 0;
      for (const f of this.files) bytes += (await this.stat(f)).size;
      if (this.cfg.erase === 'forbidden-hashes') await this.forbiddenDirOk();
      return { ok: true, detail: `${this.files.length} file${this.files.length === 1 ? '' : 's'} readable, ${bytes} bytes` };
    } catch (err) {
      return { ok: false, detail: errorMessage(err) };
    }
  }

  async *discover(subject: IdentityMatcher, ctx: AdapterContext): AsyncIterable<PersonalRecord | IdentityLink> {
    const needles = subject.needles(['email', 'github']).map(foldNeedle);
    if (needles.length === 0) return;
    const linked = new Set<string>();
    // A cheap, complete pre-filter (the folded text holds one of the needles); exact matching follows.
    const mightHold = (text: string) => {
      const t = foldText(text);
      return needles.some((n) => t.includes(n));
    };
    for (const f of this.files) {
      await this.stat(f);
      ctx.stats['files'] = (ctx.stats['files'] ?? 0) + 1;
      if (f.format === 'affiliations') {
        for await (const item of readAffiliations(f.abs, ctx.signal)) {
          if (item.kind === 'block' && mightHold(item.lines[0]!.text)) yield* this.blockRecords(f, item, subject, linked);
        }
      } else {
        for await (const l of readLines(f.abs, ctx.signal)) {
          const r = mightHold(l.text) ? this.emailMapRecord(f, l, subject) : null;
          if (r) yield r;
        }
      }
    }
  }

  /**
   * Each file read once for all the subjects. A block or line goes to the subjects whose
   * addresses (or the noreply addresses of whose logins) occur in it, found by one lookup per
   * `@` / `!` in an index of all of them (NeedleIndex), and to those whose login is the block's;
   * then each subject's records are made by the same code as in discover, with its own matcher.
   */
  async *discoverMany(subjects: readonly IdentityMatcher[], ctx: AdapterContext): AsyncIterable<TaggedItem> {
    const index = new NeedleIndex<number>();
    let any = false;
    subjects.forEach((s, i) => {
      if (s.needles(['email', 'github']).length === 0) return; // as discover: nothing to look for
      any = true;
      for (const n of addressNeedles(s)) index.add(n, i);
    });
    if (!any) return;
    const logins = new SubjectsByValue(subjects, ['github']);
    const linked = subjects.map(() => new Set<string>());
    const candidates = new CandidateSet(subjects.length);
    for (const f of this.files) {
      await this.stat(f);
      ctx.stats['files'] = (ctx.stats['files'] ?? 0) + 1;
      if (f.format === 'affiliations') {
        for await (const item of readAffiliations(f.abs, ctx.signal)) {
          if (item.kind !== 'block') continue;
          candidates.reset();
          index.scan(foldText(item.lines[0]!.text), candidates.add);
          const login = normalizeGithub(item.login);
          if (login !== null) logins.lookup('github', login, candidates.add);
          for (const i of candidates.list) {
            for (const x of this.blockRecords(f, item, subjects[i]!, linked[i]!)) yield { subject: i, item: x };
          }
        }
      } else {
        for await (const l of readLines(f.abs, ctx.signal)) {
          candidates.reset();
          index.scan(foldText(l.text), candidates.add);
          for (const i of candidates.list) {
            const r = this.emailMapRecord(f, l, subjects[i]!);
            if (r) yield { subject: i, item: r };
          }
        }
      }
    }
  }

  /**
   * Every identity by which discover could find a block or line (`replay`): each block's login,
   * and every address of the blocks and the email-map lines — written `user!domain` or
   * `user@domain`, canonicalised to `user@domain` — with the login a GitHub noreply address names
   * (discover matches that against the subject's login). Each distinct identity once.
   */
  async *identities(ctx: AdapterContext): AsyncIterable<Identity> {
    const ids = new IdentityCollector();
    for (const f of this.files) {
      await this.stat(f);
      ctx.stats['files'] = (ctx.stats['files'] ?? 0) + 1;
      if (f.format === 'affiliations') {
        for await (const item of readAffiliations(f.abs, ctx.signal)) {
          if (item.kind !== 'block') continue;
          const login = normalizeGithub(item.login);
          if (login !== null) ids.add({ type: 'github', value: login });
          for (const raw of item.emails) ids.email(raw); // as matchEmail reads an address
          yield* ids.take();
        }
      } else {
        for await (const l of readLines(f.abs, ctx.signal)) {
          const entry = parseEmailMapLine(l.text);
          if (entry) ids.email(entry.email);
          yield* ids.take();
        }
      }
    }
  }

  private async stat(f: FileSpec) {
    try {
      const st = await fsp.stat(f.abs);
      if (!st.isFile()) throw Object.assign(new Error('not a regular file'), { code: 'ENOTFILE' });
      await fsp.access(f.abs, fsp.constants.R_OK);
      return st;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : errorMessage(err);
      throw new SourceError(`${f.path}: cannot read the file (${why})`, `check sources "${this.name}".files in the config`);
    }
  }

  private async forbiddenDirOk(): Promise<string> {
    const dir = this.abs(this.cfg.forbiddenDir!);
    const st = await fsp.stat(dir).catch(() => null);
    if (!st?.isDirectory())
      throw new SourceError(`forbiddenDir ${this.cfg.forbiddenDir}: no such directory`, `create it, or fix sources "${this.name}".forbiddenDir in the config`);
    return dir;
  }

  /** The subject's record (and candidate links) in one block, exactly matched. */
  private *blockRecords(f: FileSpec, item: Block, subject: IdentityMatcher, linked: Set<string>): Iterable<PersonalRecord | IdentityLink> {
    const { matched, others } = matchBlock(item, subject);
    if (matched.length === 0) return;
    const locator = `${f.path}:${item.line}`;
    const emails = item.emails.filter((raw) => matchAddress(raw, '', subject).hit !== null);
    const verdict = judgeBlock(item, subject, { matched, others });
    const categories = new Set(verdict.loginMine ? ['affiliation', 'online.handle'] : []);
    if (emails.length) categories.add('contact.email');
    // Their login's affiliation history is theirs to see; a block named by a login not known to
    // be theirs keeps its history to itself.
    const data = {
      file: f.path,
      line: item.line,
      ...(verdict.loginMine ? { login: item.login } : {}),
      ...(emails.length ? { emails } : {}),
      ...(verdict.loginMine ? { affiliations: item.affiliations.map((a) => ({ ...a })) } : {}), // a copy: in a batch, several subjects may get this block
      // Identities in the block that are not confirmed as the subject's are withheld here
      // and reported as candidate identities.
      ...(verdict.loginMine && others.length ? { otherIdentitiesInBlock: others.length } : {}),
    };
    const base = { source: this.name, type: 'affiliation', locator, matched, categories: [...categories].sort(), data };
    if (verdict.whole) {
      yield {
        ...base,
        disposition: 'erase',
        action: 'remove-block',
        erasure: { file: f.path, line: item.line, digest: digestOf(item.lines.map((l) => l.bytes)), identities: matched.map((m) => `${m.type}:${m.value}`) },
      };
    } else {
      yield { ...base, disposition: 'manual', manual: blockManual(f.path, item.line, verdict) };
    }
    for (const to of others) {
      const key = `${matched[0]!.type}:${matched[0]!.value}>${to.type}:${to.value}`;
      if (linked.has(key)) continue;
      linked.add(key);
      yield {
        kind: 'identity-link',
        from: { type: matched[0]!.type, value: matched[0]!.value },
        to,
        strength: 'candidate',
        source: this.name,
        locator,
        reason: `a gitdm block (${f.path} line ${item.line}) lists both for one developer`,
      };
    }
  }

  /** The subject's record for one email-map line, or null, exactly matched. */
  private emailMapRecord(f: FileSpec, l: Line, subject: IdentityMatcher): PersonalRecord | null {
    const entry = parseEmailMapLine(l.text);
    if (!entry) return null;
    const m = matchAddress(entry.email, 'email', subject);
    if (!m.hit) return null;
    return {
      source: this.name,
      type: 'affiliation',
      locator: `${f.path}:${l.line}`,
      matched: [m.hit],
      categories: ['affiliation', 'contact.email'],
      data: { file: f.path, line: l.line, email: entry.email, company: entry.company, ...(entry.until ? { until: entry.until } : {}) },
      disposition: 'erase',
      action: 'remove-line',
      erasure: { file: f.path, line: l.line, digest: digestOf([l.bytes]), identities: [`${m.hit.type}:${m.hit.value}`] },
    };
  }

  // ---- erasing ----

  async *erase(steps: ErasureStep[], subject: IdentityMatcher, ctx: AdapterContext): AsyncIterable<StepResult> {
    const byFile = new Map<string, ErasureStep[]>();
    for (const s of steps) {
      const file = String(s.params['file'] ?? '');
      byFile.set(file, [...(byFile.get(file) ?? []), s]);
    }
    const results: StepResult[] = [];
    for (const [path, list] of byFile) {
      const f = this.files.find((x) => x.path === path);
      if (!f) {
        for (const s of list) results.push({ stepId: s.id, status: 'failed', detail: `${path} is no longer one of this source's files` });
        continue;
      }
      await this.stat(f);
      const wanted = new Set(list.map((s) => String(s.params['digest'] ?? '')));
      const found = new Set<string>();
      try {
        await atomicRewrite(
          f.abs,
          async (out, input) => {
            found.clear(); // a try again on content that changed meanwhile starts afresh
            let changed = false;
            const drop = (digest: string, stillMine: boolean) => {
              if (!wanted.has(digest) || !stillMine) return false;
              found.add(digest);
              changed = true;
              return true;
            };
            if (f.format === 'affiliations') {
              for await (const item of readAffiliations(input, ctx.signal)) {
                if (item.kind === 'line') {
                  await out.write(item.line.bytes);
                  continue;
                }
                const bytes = item.lines.map((l) => l.bytes);
                // Only planned blocks that are still wholly the subject's: a plan is a file, and a file can be edited.
                if (drop(digestOf(bytes), judgeBlock(item, subject).whole && matchBlock(item, subject).matched.length > 0)) continue;
                for (const b of bytes) await out.write(b);
              }
            } else {
              for await (const l of readLines(input, ctx.signal)) {
                const entry = parseEmailMapLine(l.text);
                if (entry && drop(digestOf([l.bytes]), matchAddress(entry.email, '', subject).hit !== null)) continue;
                await out.write(l.bytes);
              }
            }
            return changed;
          },
          { rewriteReadOnly: this.cfg.rewriteReadOnly, label: f.path },
        );
      } catch (err) {
        if (err instanceof SourceError || ctx.signal.aborted) throw err;
        throw new SourceError(
          `${f.path}: could not rewrite the file: ${errorMessage(err)}`,
          'check that the file and its directory are writable; nothing was changed',
        );
      }
      for (const s of list) results.push({ stepId: s.id, status: found.has(String(s.params['digest'] ?? '')) ? 'done' : 'gone' });
    }
    if (this.cfg.erase === 'forbidden-hashes') {
      const ids = new Set<string>();
      for (const s of steps) for (const id of (s.params['identities'] as string[] | undefined) ?? []) ids.add(id);
      if (ids.size > 0) await this.appendForbidden([...ids].map((k) => k.slice(k.indexOf(':') + 1)));
    }
    yield* results;
  }

  /** Append the SHA-1 and SHA-256 of each value not already listed (idempotent). */
  private async appendForbidden(values: string[]): Promise<void> {
    const dir = await this.forbiddenDirOk();
    for (const algo of ['sha1', 'sha256'] as const) {
      const file = join(dir, FORBIDDEN_FILES[algo]);
      const hashes = values.map((v) => createHash(algo).update(v, 'utf8').digest('hex'));
      // Published with the gitdm files: readable by all, whatever the process umask (077 in the CLI).
      await fsp.writeFile(file, '', { flag: 'wx' }).then(
        () => fsp.chmod(file, 0o644),
        () => undefined,
      ); // there already, mostly
      try {
        await atomicRewrite(
          file,
          async (out, input) => {
            const existing = (await input.read()).toString('utf8');
            const have = new Set(existing.split(/\r?\n/).map((l) => l.trim().toLowerCase()));
            const add = [...new Set(hashes)].filter((h) => !have.has(h));
            if (add.length === 0) return false;
            await out.write(existing);
            if (existing !== '' && !existing.endsWith('\n')) await out.write('\n');
            await out.write(add.map((h) => `${h}\n`).join(''));
            return true;
          },
          { rewriteReadOnly: this.cfg.rewriteReadOnly },
        );
      } catch (err) {
        if (err instanceof SourceError) throw err;
        throw new SourceError(`${file}: cannot update the list (${errorMessage(err)})`);
      }
    }
  }
}

export const gitdmFactory: AdapterFactory<GitdmSourceConfig> = {
  kind: 'gitdm',
  schema: gitdmSourceSchema,
  suggestedFacts: {
    categories: ['online.handle', 'contact.email', 'affiliation'],
    purpose: ['contribution statistics (company affiliation of contributors)'],
    legalBasis: 'legitimate-interest',
    recipients: ['the public (the files are published in the gitdm repository and used by CNCF DevStats)'],
    retention: 'kept while you contribute to the project; removed on request',
    origin: 'compiled by the project and the CNCF from commit metadata, public profiles and corrections sent by contributors',
    transfers: 'the files are public, readable from any country',
  },
  create: (cfg, env) => new GitdmAdapter(cfg, env),
};
