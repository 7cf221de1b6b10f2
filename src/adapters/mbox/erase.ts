// Erasure in an mbox file (`erase: redact`): the rewrite of one file, message by message (their
// posts become tombstones, other messages that mention them lose the address: redact.ts), and the
// check that discover would no longer find the subject in what was written.
import { createHash } from 'node:crypto';
import type { AtomicWriter, RewriteInput } from '../../core/atomic-file.js';
import type { IdentityMatcher } from '../../core/identity.js';
import type { AdapterContext, ErasureStep, StepResult } from '../types.js';
import type { MboxSourceConfig } from './config.js';
import { headerFields, parseMessage, type DecodedMail } from './decode.js';
import type { ResolvedFile } from './glob.js';
import { stageOneKeep, stageOnePatterns, stageTwoTests, subjectNeedles } from './needles.js';
import { candidates as batchCandidates, toRecord, type Candidate } from './records.js';
import { AddressScrubber, REDACTED_ADDRESS, scrubMessage } from './redact.js';
import { scanMbox } from './scanner.js';
import { headerEndOf, messageEnd } from './splitter.js';

/** One file rewritten for erase(): `scrubbed` gets, by file, the other messages the address was removed from. */
export async function rewrite(
  source: string,
  cfg: MboxSourceConfig,
  scrubbed: Map<string, number>,
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
  let count = 0;
  let changed = false;
  const needles = subjectNeedles(subject);
  const patterns = stageOnePatterns(needles);
  const tests = stageTwoTests(needles);
  const scrub = new AddressScrubber(subject, needles);
  for await (const batch of scanMbox(input, patterns, { signal, label: file.label, keepHit: stageOneKeep(patterns) })) {
    const candidates = new Map<number, Candidate>();
    for (const c of batchCandidates(file, batch, tests)) candidates.set(c.start, c);
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
            : (await stillFound(source, cfg, c, r.out, subject))
              ? "the subject's address is still in the message's headers after redaction (encoded?); redact this message by hand"
              : null;
        for (const s of steps) results.set(s.id, why ? { stepId: s.id, status: 'failed', detail: why } : { stepId: s.id, status: 'done' });
        if (why || !r) continue;
        replacement = r.out;
      } else if (scrub.mentions(raw.toString('latin1'))) {
        // Someone else's message that mentions them: only the address goes. A post of theirs
        // that the plan does not name (it came later) is left for the next find to report.
        if (c && (await stillFound(source, cfg, c, raw, subject))) continue;
        replacement = scrubMessage(raw, headerEndOf(batch.buf, start, end) - start, scrub)?.out ?? null;
        if (replacement) count++;
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
  scrubbed.set(file.label, count);
  return changed;
}

/** Whether discover would still make a record of the subject from these message bytes. */
async function stillFound(source: string, cfg: MboxSourceConfig, c: Candidate, bytes: Buffer, subject: IdentityMatcher): Promise<boolean> {
  let parsed: DecodedMail;
  try {
    parsed = await parseMessage(bytes);
  } catch {
    return true; // cannot tell: not erased
  }
  const at: Candidate = { file: c.file, buf: bytes, offset: 0, start: 0, end: bytes.length, headerEnd: headerEndOf(bytes, 0, bytes.length) };
  return toRecord(source, cfg, at, parsed, subject, () => '') !== null;
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
