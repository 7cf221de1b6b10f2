// The mbox adapter: mailing-list archives. The splitter cuts each file into messages
// (splitter.ts); a byte pre-filter on their case-folded header blocks (the subject's addresses,
// or any RFC 2047 encoded word there, which can hide an address from a raw search) picks the few
// messages worth decoding (scanner.ts; how it works: README.md); a second stage decodes only the
// address headers; the survivors are decoded (decode.ts: plain messages directly, the rest by
// mailparser, loaded only if one needs it), and the match is confirmed on the decoded
// addresses. Large archives are scanned on worker threads, the main thread decoding the
// candidates in file order (parallel.ts). discoverMany does the same for many subjects in one
// pass (one lookup-based pre-filter for all of them: many.ts; each candidate decoded once).
// Erasure (`erase: redact`) rewrites each file atomically, copying every other message byte for byte.
// The records are built in records.ts, the rewrite of a file in erase.ts (the scrubbing: redact.ts);
// this file holds the adapter that ties them together, and its factory.
import { closeSync, openSync, promises as fsp } from 'node:fs';
import { atomicRewrite } from '../../core/atomic-file.js';
import { ConfigError, SourceError, errorMessage } from '../../core/errors.js';
import { IdentityCollector, emailsInCell, type Identity, type IdentityMatcher } from '../../core/identity.js';
import type { IdentityLink, PersonalRecord } from '../../core/record.js';
import type { AdapterContext, AdapterEnv, AdapterFactory, CheckResult, ErasureStep, SourceAdapter, StepResult, TaggedItem } from '../types.js';
import { addressHeaderText } from './bytes.js';
import { decodedWhole, messageBytes, parseMessage, withoutUnusedHeaders, type DecodedMail, type Mailboxes } from './decode.js';
import { mboxSourceSchema, type MboxSourceConfig } from './config.js';
import { rewrite } from './erase.js';
import { expandPaths, type ResolvedFile } from './glob.js';
import { ManyNeedles, manyCandidates } from './many.js';
import { stageOneKeep, stageOnePatterns, stageTwoTests, subjectNeedles } from './needles.js';
import { planJobs, runJobs, runManyJobs, workerCount } from './parallel.js';
import {
  PIPERMAIL_ADDRESS,
  candidates,
  decodeError,
  flatten,
  isPostOf,
  lazyDigest,
  mailboxAddresses,
  readCandidate,
  toRecord,
  type Candidate,
} from './records.js';
import { scanMbox } from './scanner.js';
import { headerEndOf, isEnvelopeLine, messageEnd, splitMbox, truncationOf, type Truncation } from './splitter.js';

export { headerEndOf, messageBytes, withoutUnusedHeaders };
export { MAIL_POST_RETENTION, MAIL_RECEIVED_RETENTION } from './records.js';
export { redactRecipient, tombstone } from './erase.js';

export class MboxAdapter implements SourceAdapter {
  readonly kind = 'mbox';
  readonly name: string;
  readonly identityTypes: readonly string[] = ['email'];
  /** erase(): by file, other people's messages the subject's address was removed from (a rewrite tried again counts once). */
  private scrubbed = new Map<string, number>();

  constructor(
    private readonly cfg: MboxSourceConfig,
    private readonly env: AdapterEnv,
  ) {
    this.name = cfg.name;
  }

  async check(signal: AbortSignal): Promise<CheckResult> {
    try {
      const files = await this.files();
      let bytes = 0;
      for (const f of files) {
        if (signal.aborted) break;
        bytes += (await this.statFile(f)).size;
        await this.checkHead(f);
      }
      return { ok: true, detail: `${files.length} mbox file${files.length === 1 ? '' : 's'}, ${bytes} bytes, readable` };
    } catch (err) {
      return { ok: false, detail: errorMessage(err) };
    }
  }

  async *discover(subject: IdentityMatcher, ctx: AdapterContext): AsyncIterable<PersonalRecord | IdentityLink> {
    const { files, sizes } = await this.readableFiles(ctx);
    ctx.stats['files'] = (ctx.stats['files'] ?? 0) + files.length;
    const needles = subjectNeedles(subject);
    const patterns = stageOnePatterns(needles);
    const jobs = planJobs(files.map((f, i) => ({ path: f.file, label: f.label, size: sizes[i]! })));
    const workers = workerCount(
      sizes.reduce((a, b) => a + b, 0),
      jobs.length,
    );
    if (workers > 0) {
      // Large archives: worker threads scan, this thread decodes (in file order).
      yield* this.discoverParallel(files, jobs, { patterns: patterns.map((p) => p.toString('latin1')), needles }, workers, subject, ctx);
      return;
    }
    const tests = stageTwoTests(needles);
    for (const file of files) {
      const seen = new Set<string>();
      try {
        for await (const batch of scanMbox(file.file, patterns, { signal: ctx.signal, label: file.label, reuse: true, keepHit: stageOneKeep(patterns) })) {
          ctx.stats['messages'] = (ctx.stats['messages'] ?? 0) + batch.starts.length;
          for (const c of candidates(file, batch, tests)) {
            ctx.stats['decoded'] = (ctx.stats['decoded'] ?? 0) + 1;
            const parsed = await this.parseOrSkip(c, ctx, [subject]);
            if (!parsed) continue;
            const rec = toRecord(this.name, this.cfg, c, parsed, subject, lazyDigest(c));
            if (!rec) continue;
            if (seen.has(rec.locator)) rec.locator = `${rec.locator}@${c.offset + c.start}`;
            seen.add(rec.locator);
            yield rec;
          }
          if (batch.final) this.reportTruncation(file, truncationOf(batch), ctx);
        }
      } catch (err) {
        // A file that fails half way (changed under us, I/O error) keeps what was read of it.
        this.fileFailed(err, ctx);
      }
    }
  }

  private async *discoverParallel(
    files: ResolvedFile[],
    jobs: ReturnType<typeof planJobs>,
    setup: { patterns: string[]; needles: string[] },
    workers: number,
    subject: IdentityMatcher,
    ctx: AdapterContext,
  ): AsyncIterable<PersonalRecord | IdentityLink> {
    let current = -1;
    let fd = -1;
    let seen = new Set<string>();
    try {
      for await (const { job, batch } of runJobs(jobs, setup, workers, ctx.signal, countWorkers(ctx))) {
        const file = files[job.file]!;
        if (job.file !== current) {
          if (fd !== -1) closeSync(fd);
          fd = openSync(file.file, 'r');
          current = job.file;
          seen = new Set();
        }
        ctx.stats['messages'] = (ctx.stats['messages'] ?? 0) + batch.messages;
        const cs = batch.candidates;
        for (let k = 0; k < cs.length; k += 3) {
          const start = cs[k]!;
          const c = readCandidate(fd, file, start, cs[k + 1]!, cs[k + 2]);
          ctx.stats['decoded'] = (ctx.stats['decoded'] ?? 0) + 1;
          const parsed = await this.parseOrSkip(c, ctx, [subject]);
          if (!parsed) continue;
          const rec = toRecord(this.name, this.cfg, c, parsed, subject, lazyDigest(c));
          if (!rec) continue;
          if (seen.has(rec.locator)) rec.locator = `${rec.locator}@${start}`;
          seen.add(rec.locator);
          yield rec;
        }
        if (batch.final) this.reportTruncation(file, batch.truncation, ctx);
      }
    } finally {
      if (fd !== -1) closeSync(fd);
    }
  }

  /**
   * discover for many subjects in one pass over each file: one stage-1 search of the headers for
   * all of them (see many.ts), each candidate message decoded once, and each subject's record
   * built with that subject's matcher alone. Subject i gets exactly what discover(subjects[i])
   * yields: the same candidates, records and locators (de-duplicated per subject).
   */
  async *discoverMany(subjects: readonly IdentityMatcher[], ctx: AdapterContext): AsyncIterable<TaggedItem> {
    const { files, sizes } = await this.readableFiles(ctx);
    ctx.stats['files'] = (ctx.stats['files'] ?? 0) + files.length;
    const jobs = planJobs(files.map((f, i) => ({ path: f.file, label: f.label, size: sizes[i]! })));
    const workers = workerCount(
      sizes.reduce((a, b) => a + b, 0),
      jobs.length,
    );
    if (workers > 0) {
      // Large archives: worker threads scan, this thread decodes (in file order).
      yield* this.discoverManyParallel(files, jobs, subjects, workers, ctx);
      return;
    }
    const needles = new ManyNeedles(subjects);
    for (const file of files) {
      const seen = new Map<number, Set<string>>();
      try {
        for await (const batch of splitMbox(file.file, { signal: ctx.signal, label: file.label, reuse: true })) {
          ctx.stats['messages'] = (ctx.stats['messages'] ?? 0) + batch.starts.length;
          for (const m of manyCandidates(batch, needles)) {
            const c: Candidate = { file, buf: batch.buf, offset: batch.offset, start: m.start, end: m.end, headerEnd: m.headerEnd };
            ctx.stats['decoded'] = (ctx.stats['decoded'] ?? 0) + 1;
            const parsed = await this.parseOrSkip(
              c,
              ctx,
              m.subjects.map((i) => subjects[i]!),
            );
            if (!parsed) continue;
            yield* this.tagged(c, parsed, m.subjects, subjects, seen, c.offset + c.start);
          }
          if (batch.final) this.reportTruncation(file, truncationOf(batch), ctx);
        }
      } catch (err) {
        this.fileFailed(err, ctx);
      }
    }
  }

  private async *discoverManyParallel(
    files: ResolvedFile[],
    jobs: ReturnType<typeof planJobs>,
    subjects: readonly IdentityMatcher[],
    workers: number,
    ctx: AdapterContext,
  ): AsyncIterable<TaggedItem> {
    let current = -1;
    let fd = -1;
    let seen = new Map<number, Set<string>>();
    try {
      for await (const { job, batch } of runManyJobs(jobs, { subjects: subjects.map(subjectNeedles) }, workers, ctx.signal, countWorkers(ctx))) {
        const file = files[job.file]!;
        if (job.file !== current) {
          if (fd !== -1) closeSync(fd);
          fd = openSync(file.file, 'r');
          current = job.file;
          seen = new Map();
        }
        ctx.stats['messages'] = (ctx.stats['messages'] ?? 0) + batch.messages;
        for (const m of batch.candidates) {
          ctx.stats['decoded'] = (ctx.stats['decoded'] ?? 0) + 1;
          const c = readCandidate(fd, file, m.start, m.end);
          const parsed = await this.parseOrSkip(
            c,
            ctx,
            m.subjects.map((i) => subjects[i]!),
          );
          if (!parsed) continue;
          yield* this.tagged(c, parsed, m.subjects, subjects, seen, m.start);
        }
        if (batch.final) this.reportTruncation(file, batch.truncation, ctx);
      }
    } finally {
      if (fd !== -1) closeSync(fd);
    }
  }

  /**
   * One candidate's records for each subject it may be: built with that subject's own matcher. A
   * Message-ID seen before in the same file gets the message's offset (`at`) in its locator.
   */
  private *tagged(
    c: Candidate,
    parsed: Parameters<typeof toRecord>[3],
    which: readonly number[],
    subjects: readonly IdentityMatcher[],
    seen: Map<number, Set<string>>,
    at: number,
  ): Iterable<TaggedItem> {
    const digest = lazyDigest(c);
    for (const i of which) {
      const rec = toRecord(this.name, this.cfg, c, parsed, subjects[i]!, digest);
      if (!rec) continue;
      let s = seen.get(i);
      if (!s) seen.set(i, (s = new Set()));
      if (s.has(rec.locator)) rec.locator = `${rec.locator}@${at}`;
      s.add(rec.locator);
      yield { subject: i, item: rec };
    }
  }

  /**
   * Every address by which discover could find a message (`replay`): the addresses in each
   * message's From, Sender, Reply-To, To and Cc, decoded (encoded words) and canonical, and
   * pipermail's "user at domain" form. A header block whose encoded words do not decode is read by
   * mailparser, as discover reads it. Every message's headers are read: a listing, not a search.
   */
  async *identities(ctx: AdapterContext): AsyncIterable<Identity> {
    const files = await this.files();
    for (const f of files) await this.statFile(f);
    const ids = new IdentityCollector();
    for (const file of files) {
      for await (const batch of splitMbox(file.file, { signal: ctx.signal, label: file.label, reuse: true })) {
        ctx.stats['messages'] = (ctx.stats['messages'] ?? 0) + batch.starts.length;
        for (let i = 0; i < batch.starts.length; i++) {
          const start = batch.starts[i]!;
          const end = messageEnd(batch, i);
          const text = addressHeaderText(batch.buf.subarray(start, headerEndOf(batch.buf, start, end)));
          if (text !== null) {
            for (const e of emailsInCell(text)) ids.email(e);
            for (const m of text.matchAll(PIPERMAIL_ADDRESS)) ids.email(`${m[1]}@${m[2]}`);
            continue;
          }
          let parsed: DecodedMail;
          try {
            parsed = await parseMessage(batch.buf.subarray(start, end));
          } catch (err) {
            throw decodeError(file, batch.offset + start, errorMessage(err));
          }
          const fields = [parsed.from, parsed.headers.get('sender') as Mailboxes | undefined, parsed.replyTo, parsed.to, parsed.cc];
          for (const f of fields) for (const a of flatten(f)) for (const address of mailboxAddresses(a)) ids.email(address);
        }
        yield* ids.take();
      }
    }
  }

  async *erase(steps: ErasureStep[], subject: IdentityMatcher, ctx: AdapterContext): AsyncIterable<StepResult> {
    this.scrubbed.clear();
    const byFile = new Map<string, ErasureStep[]>();
    for (const s of steps) {
      const f = String(s.params['file'] ?? '');
      byFile.set(f, [...(byFile.get(f) ?? []), s]);
    }
    const files = await this.files().catch(() => [] as ResolvedFile[]);
    for (const [label, list] of byFile) {
      const file = files.find((f) => f.label === label);
      if (!file) {
        for (const s of list) yield { stepId: s.id, status: 'failed', detail: `${label} is no longer one of this source's files` };
        continue;
      }
      const wanted = new Map<string, ErasureStep[]>();
      for (const s of list) {
        const d = String(s.params['digest'] ?? '');
        wanted.set(d, [...(wanted.get(d) ?? []), s]);
      }
      const results = new Map<string, StepResult>();
      try {
        await this.statFile(file);
        await atomicRewrite(file.file, (out, input) => rewrite(this.name, this.cfg, this.scrubbed, file, out, input, subject, ctx, wanted, results), {
          rewriteReadOnly: this.cfg.rewriteReadOnly,
          label,
        });
      } catch (err) {
        if (err instanceof ConfigError || ctx.signal.aborted) throw err;
        // This file's steps fail, naming it; the other files are still erased (atomicRewrite left this one as it was).
        const why = err instanceof SourceError ? err.message : `${label}: could not rewrite the archive: ${errorMessage(err)}; nothing was changed in it`;
        for (const s of list) yield { stepId: s.id, status: 'failed', detail: why };
        continue;
      }
      for (const s of list) yield results.get(s.id) ?? { stepId: s.id, status: 'gone' };
    }
    // The other files may mention the subject too (a reply quoting them, a Reference to their
    // post): their address goes there as well. One that cannot be read is named in the receipt.
    if (steps.length === 0) return;
    for (const file of files) {
      if (byFile.has(file.label)) continue;
      try {
        await this.statFile(file);
        await this.checkHead(file);
        await atomicRewrite(file.file, (out, input) => rewrite(this.name, this.cfg, this.scrubbed, file, out, input, subject, ctx, new Map(), new Map()), {
          rewriteReadOnly: this.cfg.rewriteReadOnly,
          label: file.label,
        });
      } catch (err) {
        if (err instanceof ConfigError || ctx.signal.aborted) throw err;
        ctx.note?.(
          `${err instanceof SourceError ? err.message : `${file.label}: ${errorMessage(err)}`}: not searched for other messages that mention the subject's address`,
        );
      }
    }
    const scrubbed = [...this.scrubbed.values()].reduce((a, b) => a + b, 0);
    if (scrubbed > 0)
      ctx.note?.(
        `the subject's address was also removed from ${scrubbed} other message${scrubbed === 1 ? '' : 's'} that mention it (trace, resent, follow-up and thread headers; quoted lines and sign-offs in bodies)`,
      );
    // What the raw-byte scrub cannot see is said, so that "erased" never claims it.
    ctx.note?.(
      "not checked: the subject's address inside another message's base64- or quoted-printable-encoded body part, and in VERP bounce addresses; search the archive's decoded text for it by hand",
    );
  }

  // ---- files ----

  /**
   * The files discover can read, with their sizes. One that cannot be read (missing, permission,
   * not an mbox) is named in a partial read and left out, so the others' records still count;
   * when none can be read, the source fails with the first file's reason.
   */
  private async readableFiles(ctx: AdapterContext): Promise<{ files: ResolvedFile[]; sizes: number[] }> {
    const all = await this.files();
    const files: ResolvedFile[] = [];
    const sizes: number[] = [];
    const bad: unknown[] = [];
    for (const f of all) {
      try {
        const size = (await this.statFile(f)).size;
        await this.checkHead(f);
        files.push(f);
        sizes.push(size);
      } catch (err) {
        bad.push(err);
      }
    }
    if (files.length === 0 && bad.length > 0) throw bad[0];
    for (const err of bad) this.fileFailed(err, ctx);
    return { files, sizes };
  }

  /** A file (or a message of it) could not be read: the source is partial, naming it and why. Aborts and unexpected errors propagate. */
  private fileFailed(err: unknown, ctx: AdapterContext): void {
    if (ctx.signal.aborted || !(err instanceof SourceError) || !ctx.partial) throw err;
    ctx.partial(err.message);
  }

  /** A candidate decoded, or null when it does not decode: the source is then partial, naming the message's file and offset. */
  private async parseOrSkip(c: Candidate, ctx: AdapterContext, subjects: readonly IdentityMatcher[]): Promise<DecodedMail | null> {
    try {
      // Its headers first: only a post of one of the subjects needs its body decoded.
      const head = await this.parse(c, true);
      return !decodedWhole(head) && subjects.some((s) => isPostOf(head, s)) ? await this.parse(c) : head;
    } catch (err) {
      this.fileFailed(err, ctx);
      return null;
    }
  }

  private async files(): Promise<ResolvedFile[]> {
    const files = await expandPaths(this.cfg.paths, this.env.configDir);
    if (files.length === 0) {
      throw new SourceError(
        `no file matches ${this.cfg.paths.map((p) => JSON.stringify(p)).join(', ')}`,
        `check sources "${this.name}".paths in the config (relative paths start at the config file's directory)`,
      );
    }
    return files;
  }

  private async statFile(f: ResolvedFile) {
    try {
      const st = await fsp.stat(f.file);
      if (!st.isFile()) throw new Error('not a regular file');
      await fsp.access(f.file, fsp.constants.R_OK);
      return st;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : errorMessage(err);
      throw new SourceError(`${f.label}: cannot read the archive (${why})`, `check sources "${this.name}".paths in the config`);
    }
  }

  private async checkHead(f: ResolvedFile): Promise<void> {
    const fh = await fsp.open(f.file, 'r');
    try {
      const buf = Buffer.alloc(4096);
      const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
      const text = buf.toString('latin1', 0, bytesRead).replace(/^\s+/, '');
      if (text.length === 0) return;
      const line = text.split(/\r?\n/)[0]!;
      if (!isEnvelopeLine(line)) throw new SourceError(`${f.label}: not an mbox file (it does not begin with a "From sender date" envelope line)`);
    } finally {
      await fh.close();
    }
  }

  /** A candidate message decoded (once, whatever the number of subjects). */
  private async parse(c: Candidate, headersOnly = false): Promise<DecodedMail> {
    try {
      return await parseMessage(c.buf.subarray(c.start, c.end), { headersOnly });
    } catch (err) {
      throw decodeError(c.file, c.offset + c.start, errorMessage(err));
    }
  }

  private reportTruncation(file: ResolvedFile, t: Truncation | null, ctx: AdapterContext): void {
    if (!t) return;
    ctx.stats['truncated'] = (ctx.stats['truncated'] ?? 0) + 1;
    ctx.log.warn(`${file.label}: the last message (at byte ${t.at}) is truncated${t.inHeaders ? ' inside its headers' : ''}; what is there was read`);
  }
}

/** runJobs' `started`: the number of scan worker threads, in the stats (none: the main thread scanned). */
function countWorkers(ctx: AdapterContext): (threads: number) => void {
  return (threads) => {
    if (threads > 0) ctx.stats['workers'] = threads;
  };
}

export const mboxFactory: AdapterFactory<MboxSourceConfig> = {
  kind: 'mbox',
  schema: mboxSourceSchema,
  suggestedFacts: {
    categories: ['contact.email', 'name', 'communication.content', 'communication.metadata'],
    purpose: ['communication', 'public project discussion'],
    legalBasis: 'legitimate-interest',
    recipients: ['anyone: the archive is public'],
    retention: "kept indefinitely as the public record of the project's mailing lists",
    origin: 'provided by you (posts to the mailing list) and by other members (messages addressed to them)',
    transfers: 'the archive is public, readable from any country',
  },
  create: (cfg, env) => new MboxAdapter(cfg, env),
};
