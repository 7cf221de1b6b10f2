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
import { createHash } from 'node:crypto';
import { closeSync, openSync, promises as fsp, readSync } from 'node:fs';
import type { EmailAddress } from 'mailparser';
import { atomicRewrite, type AtomicWriter, type RewriteInput } from '../../core/atomic-file.js';
import { ConfigError, SourceError, errorMessage } from '../../core/errors.js';
import { IdentityCollector, emailsInCell, type Identity, type IdentityMatcher, type MatchedIdentity } from '../../core/identity.js';
import type { IdentityLink, PersonalRecord, Retention } from '../../core/record.js';
import type { AdapterContext, AdapterEnv, AdapterFactory, CheckResult, ErasureStep, SourceAdapter, StepResult, TaggedItem } from '../types.js';
import { addressHeaderText } from './bytes.js';
import { decodedWhole, headerFields, messageBytes, parseMessage, withoutUnusedHeaders, type DecodedMail, type Mailboxes } from './decode.js';
import { mboxSourceSchema, type MboxSourceConfig } from './config.js';
import { expandPaths, type ResolvedFile } from './glob.js';
import { ManyNeedles, manyCandidates } from './many.js';
import { passesStageTwo, stageOneKeep, stageOnePatterns, stageTwoTests, subjectNeedles } from './needles.js';
import { planJobs, runJobs, runManyJobs, workerCount } from './parallel.js';
import { scanMbox, type ScanBatch } from './scanner.js';
import { AddressScrubber, REDACTED_ADDRESS, scrubMessage } from './redact.js';
import { headerEndOf, isEnvelopeLine, messageEnd, splitMbox, truncationOf, type Truncation } from './splitter.js';

export { headerEndOf, messageBytes, withoutUnusedHeaders };

export const MAIL_POST_RETENTION: Retention = {
  reason: "a post in a public mailing-list archive: part of the record of the project's public forums",
  ground:
    'legitimate interest (GDPR Art. 6(1)(f)) in an accurate record of the public forums ' +
    'and in the integrity of that content for historical, scientific and research purposes (Art. 17(3)(d))',
  hint: 'the source can be set to erase: redact',
};

export const MAIL_RECEIVED_RETENTION: Retention = {
  reason: "another person's post in a public mailing-list archive that lists this person as a recipient",
  ground: MAIL_POST_RETENTION.ground,
};

/** Which identities a message's decoded address headers hold, by header. */
type Role = 'post' | 'received';

/** A message to decode: buf[start, end), its header block ending at headerEnd; buf[0] is at `offset` in the file. */
interface Candidate {
  file: ResolvedFile;
  buf: Buffer;
  offset: number;
  start: number;
  end: number;
  headerEnd: number;
}

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
          for (const c of this.candidates(file, batch, tests)) {
            ctx.stats['decoded'] = (ctx.stats['decoded'] ?? 0) + 1;
            const parsed = await this.parseOrSkip(c, ctx, [subject]);
            if (!parsed) continue;
            const rec = this.toRecord(c, parsed, subject, lazyDigest(c));
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
          const rec = this.toRecord(c, parsed, subject, lazyDigest(c));
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
            const digest = lazyDigest(c);
            for (const i of m.subjects) {
              const rec = this.toRecord(c, parsed, subjects[i]!, digest);
              if (!rec) continue;
              let s = seen.get(i);
              if (!s) seen.set(i, (s = new Set()));
              if (s.has(rec.locator)) rec.locator = `${rec.locator}@${c.offset + c.start}`;
              s.add(rec.locator);
              yield { subject: i, item: rec };
            }
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
          const digest = lazyDigest(c);
          for (const i of m.subjects) {
            const rec = this.toRecord(c, parsed, subjects[i]!, digest);
            if (!rec) continue;
            let s = seen.get(i);
            if (!s) seen.set(i, (s = new Set()));
            if (s.has(rec.locator)) rec.locator = `${rec.locator}@${m.start}`;
            s.add(rec.locator);
            yield { subject: i, item: rec };
          }
        }
        if (batch.final) this.reportTruncation(file, batch.truncation, ctx);
      }
    } finally {
      if (fd !== -1) closeSync(fd);
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
        await atomicRewrite(file.file, (out, input) => this.rewrite(file, out, input, subject, ctx, wanted, results), {
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
        await atomicRewrite(file.file, (out, input) => this.rewrite(file, out, input, subject, ctx, new Map(), new Map()), {
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

  private reportTruncation(file: ResolvedFile, t: Truncation | null, ctx: AdapterContext): void {
    if (!t) return;
    ctx.stats['truncated'] = (ctx.stats['truncated'] ?? 0) + 1;
    ctx.log.warn(`${file.label}: the last message (at byte ${t.at}) is truncated${t.inHeaders ? ' inside its headers' : ''}; what is there was read`);
  }

  /**
   * Messages of a batch that may involve the subject. Complete (never misses one whose decoded
   * From/Sender/Reply-To/To/Cc holds a subject address): stage 1 (the scan: scanner.ts) found
   * each message whose *headers* hold a needle's bytes, an encoded word (`=?`), or a Kelvin sign,
   * ASCII case folded; stage 2 unfolds and decodes those messages' address headers and keeps the
   * ones that contain a needle (or fail to decode).
   */
  private *candidates(file: ResolvedFile, batch: ScanBatch, tests: Array<(text: string) => boolean>): Iterable<Candidate> {
    for (const h of batch.hits) {
      const start = batch.starts[h.index]!;
      if (!passesStageTwo(batch.buf, start, h.headerEnd, tests)) continue;
      yield { file, buf: batch.buf, offset: batch.offset, start, end: messageEnd(batch, h.index), headerEnd: h.headerEnd };
    }
  }

  // ---- records ----

  /** A candidate message decoded (once, whatever the number of subjects). */
  private async parse(c: Candidate, headersOnly = false): Promise<DecodedMail> {
    try {
      return await parseMessage(c.buf.subarray(c.start, c.end), { headersOnly });
    } catch (err) {
      throw decodeError(c.file, c.offset + c.start, errorMessage(err));
    }
  }

  /**
   * The subject's record of a decoded message, built with that subject's matcher alone; null when
   * none of its addresses is in the message's address headers. `digest`: the message's sha256.
   */
  private toRecord(c: Candidate, parsed: DecodedMail, subject: IdentityMatcher, digest: () => string): PersonalRecord | null {
    const fields: Array<[string, Mailboxes | Mailboxes[] | undefined]> = [
      ['From', parsed.from],
      ['Sender', parsed.headers.get('sender') as Mailboxes | undefined],
      ['Reply-To', parsed.replyTo],
      ['To', parsed.to],
      ['Cc', parsed.cc],
    ];
    const matched: MatchedIdentity[] = [];
    const own: Array<{ name: string; address: string }> = [];
    for (const [field, obj] of fields) {
      for (const a of flatten(obj)) {
        for (const address of mailboxAddresses(a)) {
          const hit = matchEmail(subject, address);
          if (hit === null) continue;
          const name = a.address ? (a.name ?? '') : '';
          if (!matched.some((m) => m.field === field && m.value === hit)) matched.push({ type: 'email', value: hit, field });
          if (!own.some((o) => o.address === hit && o.name === name)) own.push({ name, address: hit });
        }
      }
    }
    if (matched.length === 0) return null;
    // Their post when the From header names them alone; a Sender (who transmitted someone
    // else's message), Reply-To, To or Cc only makes them a recipient of another person's words.
    // A From with several authors is co-written: tombstoning it would erase the others' words,
    // so it is handled like a received message (only their mailbox is touched).
    const role: Role = isPostOf(parsed, subject) ? 'post' : 'received';
    const messageId = parsed.messageId ?? '';
    const date = parsed.date && !Number.isNaN(parsed.date.getTime()) ? parsed.date.toISOString() : headerValue(parsed.headerLines, 'date');
    const list = headerValue(parsed.headerLines, 'list-id') || this.cfg.list || '';
    const locator = `${c.file.label}#${messageId || `offset-${c.offset + c.start}`}`;
    const common: Record<string, unknown> = { date, subject: parsed.subject ?? '', messageId, ...(list ? { list } : {}) };
    let data: Record<string, unknown>;
    let categories: string[];
    if (role === 'post') {
      const inReplyTo = parsed.inReplyTo ?? '';
      data = {
        ...common,
        ...(inReplyTo ? { inReplyTo } : {}),
        // the subject's own names and addresses in this message (never the other recipients')
        author: own,
        body: (parsed.text ?? '').trimEnd(), // = .replace(/\s+$/, ''), without a regex try at every whitespace run
        attachments: parsed.attachments.map((a) => ({ filename: a.filename ?? '', contentType: a.contentType, size: a.size })),
      };
      categories = ['communication.content', 'contact.email', ...(own.some((o) => o.name) ? ['name'] : [])];
    } else {
      data = { ...common, received: true, as: [...new Set(matched.map((m) => m.field))] };
      categories = ['communication.metadata', 'contact.email'];
    }
    const erasure = { file: c.file.label, digest: digest(), role };
    const base = { source: this.name, type: role === 'post' ? 'mail-post' : 'mail-received', locator, matched, categories: categories.sort(), data, erasure };
    if (this.cfg.erase === 'redact') return { ...base, disposition: 'erase', action: role === 'post' ? 'redact-message' : 'redact-recipient' };
    return { ...base, disposition: 'retain', retention: role === 'post' ? MAIL_POST_RETENTION : MAIL_RECEIVED_RETENTION };
  }

  // ---- erasing ----

  private async rewrite(
    file: ResolvedFile,
    out: AtomicWriter,
    input: RewriteInput,
    subject: IdentityMatcher,
    ctx: AdapterContext,
    wanted: Map<string, ErasureStep[]>,
    results: Map<string, StepResult>,
  ): Promise<boolean> {
    const signal = ctx.signal;
    results.clear(); // a try again on content that changed meanwhile starts afresh
    let scrubbed = 0;
    let changed = false;
    const needles = subjectNeedles(subject);
    const patterns = stageOnePatterns(needles);
    const tests = stageTwoTests(needles);
    const scrub = new AddressScrubber(subject, needles);
    for await (const batch of scanMbox(input, patterns, { signal, label: file.label, keepHit: stageOneKeep(patterns) })) {
      const candidates = new Map<number, Candidate>();
      for (const c of this.candidates(file, batch, tests)) candidates.set(c.start, c);
      let copied = 0;
      for (let i = 0; i < batch.starts.length; i++) {
        const start = batch.starts[i]!;
        const end = messageEnd(batch, i);
        const raw = batch.buf.subarray(start, end);
        const c = candidates.get(start);
        const steps = c ? wanted.get(createHash('sha256').update(raw).digest('hex')) : undefined;
        let replacement: Buffer | null = null;
        if (c && steps) {
          const role = steps[0]!.params['role'] === 'post' ? 'post' : 'received';
          const r = role === 'post' ? { out: tombstone(raw, scrub), hit: true } : scrubMessage(raw, c.headerEnd - c.start, scrub);
          // Never a false "done": what discover would find in the result must be gone.
          const why =
            !r || !r.hit
              ? "the subject's address could not be located in the raw headers (encoded?); redact this message by hand"
              : (await this.stillFound(c, r.out, subject))
                ? "the subject's address is still in the message's headers after redaction (encoded?); redact this message by hand"
                : null;
          for (const s of steps) results.set(s.id, why ? { stepId: s.id, status: 'failed', detail: why } : { stepId: s.id, status: 'done' });
          if (why || !r) continue;
          replacement = r.out;
        } else if (scrub.mentions(raw.toString('latin1'))) {
          // Someone else's message that mentions them: only the address goes. A post of theirs
          // that the plan does not name (it came later) is left for the next find to report.
          if (c && (await this.stillFound(c, raw, subject))) continue;
          replacement = scrubMessage(raw, headerEndOf(batch.buf, start, end) - start, scrub)?.out ?? null;
          if (replacement) scrubbed++;
        }
        if (!replacement) continue;
        await out.write(batch.buf.subarray(copied, start));
        await out.write(replacement);
        copied = end;
        changed = true;
      }
      await out.write(batch.buf.subarray(copied, batch.end));
      if (signal.aborted) throw signal.reason;
    }
    this.scrubbed.set(file.label, scrubbed);
    return changed;
  }

  /** Whether discover would still make a record of the subject from these message bytes. */
  private async stillFound(c: Candidate, bytes: Buffer, subject: IdentityMatcher): Promise<boolean> {
    let parsed: DecodedMail;
    try {
      parsed = await parseMessage(bytes);
    } catch {
      return true; // cannot tell: not erased
    }
    const at: Candidate = { file: c.file, buf: bytes, offset: 0, start: 0, end: bytes.length, headerEnd: headerEndOf(bytes, 0, bytes.length) };
    return this.toRecord(at, parsed, subject, () => '') !== null;
  }
}

// ---- helpers ----

/** pipermail's spelling of an address in decoded headers: `ann at example.org (Ann Example)`. */
const PIPERMAIL_ADDRESS = /(?<![^\s<(,;:"])([^\s<>(),;:"@]+) at ([^\s<>(),;:"@]+\.[^\s<>(),;:"@]+)/g;

function decodeError(file: ResolvedFile, at: number, why: string): SourceError {
  return new SourceError(`${file.label}: cannot decode the message at byte ${at}: ${why}`, 'fix or remove the damaged message; no file was changed');
}

/** A candidate that a worker found, read from the file: bytes [start, end), its header block ending at headerEnd. */
function readCandidate(fd: number, file: ResolvedFile, start: number, end: number, headerEnd = start): Candidate {
  const buf = Buffer.allocUnsafe(end - start);
  const n = readSync(fd, buf, 0, buf.length, start);
  return { file, buf: buf.subarray(0, n), offset: start, start: 0, end: n, headerEnd: Math.min(n, headerEnd - start) };
}

const matched = new WeakMap<IdentityMatcher, Map<string, string | null>>();
/**
 * subject.matchCell('email', address), remembered: an archive repeats the same few addresses in
 * thousands of messages, and each match canonicalises the domain (punycode) afresh.
 */
function matchEmail(subject: IdentityMatcher, address: string): string | null {
  let m = matched.get(subject);
  if (!m) matched.set(subject, (m = new Map()));
  let hit = m.get(address);
  if (hit === undefined) {
    if (m.size > 100_000) m.clear(); // (bounded: an archive with more distinct addresses than that pays the match again)
    m.set(address, (hit = subject.matchCell('email', address)));
  }
  return hit;
}

/** The subject is the message's From, alone: it is their post (toRecord). */
function isPostOf(parsed: DecodedMail, subject: IdentityMatcher): boolean {
  const fromAuthors = flatten(parsed.from).flatMap((a) => mailboxAddresses(a));
  return fromAuthors.length > 0 && fromAuthors.every((a) => matchEmail(subject, a) !== null);
}

/** runJobs' `started`: the number of scan worker threads, in the stats (none: the main thread scanned). */
function countWorkers(ctx: AdapterContext): (threads: number) => void {
  return (threads) => {
    if (threads > 0) ctx.stats['workers'] = threads;
  };
}

/** The sha256 of a candidate message's bytes, computed on first use (erasure steps name it). */
function lazyDigest(c: Candidate): () => string {
  let digest: string | undefined;
  return () => (digest ??= createHash('sha256').update(c.buf.subarray(c.start, c.end)).digest('hex'));
}

/**
 * A mailbox's address; when the parser found none, the addresses its (decoded) display part
 * holds: a whole header hidden in one encoded word, or pipermail's `ann at example.org`.
 */
function mailboxAddresses(a: EmailAddress): string[] {
  if (a.address) return [a.address];
  const name = (a.name ?? '').trim();
  const at = /^([^\s@]+) at ([^\s@]+\.[^\s@]+)$/.exec(name.replace(/\s*\([^)]*\)\s*$/, ''));
  return at ? [`${at[1]}@${at[2]}`] : emailsInCell(name);
}

function flatten(obj: Mailboxes | Mailboxes[] | undefined): EmailAddress[] {
  if (!obj) return [];
  const out: EmailAddress[] = [];
  const walk = (list: EmailAddress[]) => {
    for (const a of list) {
      if (a.group) walk(a.group);
      else out.push(a);
    }
  };
  for (const o of Array.isArray(obj) ? obj : [obj]) walk(o.value ?? []);
  return out;
}

function headerValue(lines: ReadonlyArray<{ key: string; line: string }>, key: string): string {
  const l = lines.find((h) => h.key === key);
  if (!l) return '';
  return l.line
    .slice(l.line.indexOf(':') + 1)
    .replace(/\r?\n[ \t]+/g, ' ')
    .trim();
}

const KEEP_IN_TOMBSTONE = new Set(['date', 'message-id', 'in-reply-to', 'references', 'list-id']);
const ASCTIME = /(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) +)?(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) +\d{1,2} +\d{1,2}:\d{2}.*$/;

/**
 * A redacted post: envelope with the original date (and the original sender unless it is the
 * subject: a list's MAILER-DAEMON or bounce address stays), the headers that keep threads intact
 * (Date, Message-ID, In-Reply-To, References, List-Id; an address of the subject's inside an ID
 * replaced as everywhere else, so the thread still links), a placeholder From and Subject, and a
 * one-line body. The message's own line endings and trailing blank line are kept, so the archive
 * stays a valid mbox.
 */
export function tombstone(raw: Buffer, scrub?: AddressScrubber): Buffer {
  const text = raw.toString('latin1');
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const firstNl = text.indexOf('\n');
  const envelope = text.slice(0, firstNl === -1 ? text.length : firstNl).replace(/\r$/, '');
  const dateMatch = ASCTIME.exec(envelope.slice(5));
  const date = dateMatch?.[0] ?? 'Thu Jan  1 00:00:00 1970';
  const sender = dateMatch ? envelope.slice(5, 5 + dateMatch.index).trim() : '';
  const keepSender = scrub !== undefined && sender !== '' && !scrub.mentions(sender);
  const hb = headerEndOf(raw, 0, raw.length);
  const block = text.slice(firstNl + 1, hb).replace(/\r?\n$/, '');
  const kept = headerFields(block, eol)
    .filter((f) => KEEP_IN_TOMBSTONE.has(f.slice(0, f.indexOf(':')).trim().toLowerCase()))
    .map((f) => (scrub ? scrub.field(f).text : f));
  const trailing = /[\r\n]*$/.exec(text)![0];
  const lines = [
    `From ${keepSender ? sender : REDACTED_ADDRESS} ${date}`,
    `From: "[redacted]" <${REDACTED_ADDRESS}>`,
    ...kept,
    "Subject: [removed at the author's request]",
    'X-Privacyctl-Redacted: yes',
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=us-ascii',
    'Content-Transfer-Encoding: 7bit',
    '',
    "This message was removed from the archive at its author's request.",
  ];
  return Buffer.from(lines.join(eol) + (trailing || ''), 'latin1');
}

/**
 * The message with the subject removed from its headers (their whole mailbox in the address
 * lists, their address in trace and thread headers) and their address from its body, nothing else
 * changed; null when no recipient mailbox of theirs was found in the raw headers.
 */
export function redactRecipient(raw: Buffer, headerLen: number, subject: IdentityMatcher): Buffer | null {
  const r = scrubMessage(raw, headerLen, new AddressScrubber(subject, subjectNeedles(subject)));
  return r && r.hit ? r.out : null;
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
