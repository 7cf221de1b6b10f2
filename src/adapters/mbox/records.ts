// Building the mbox adapter's records: the candidate messages of a scanned batch (stage 2), and a
// decoded message → the subject's `mail-post` or `mail-received` record, with the retention of
// each. No file is read or written here but a candidate a worker found (readCandidate).
import { createHash } from 'node:crypto';
import { readSync } from 'node:fs';
import type { EmailAddress } from 'mailparser';
import { SourceError } from '../../core/errors.js';
import { emailsInCell, type IdentityMatcher, type MatchedIdentity } from '../../core/identity.js';
import type { PersonalRecord, Retention } from '../../core/record.js';
import type { MboxSourceConfig } from './config.js';
import type { DecodedMail, Mailboxes } from './decode.js';
import type { ResolvedFile } from './glob.js';
import { passesStageTwo } from './needles.js';
import type { ScanBatch } from './scanner.js';
import { messageEnd } from './splitter.js';

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
export interface Candidate {
  file: ResolvedFile;
  buf: Buffer;
  offset: number;
  start: number;
  end: number;
  headerEnd: number;
}

/**
 * Messages of a batch that may involve the subject. Complete (never misses one whose decoded
 * From/Sender/Reply-To/To/Cc holds a subject address): stage 1 (the scan: scanner.ts) found
 * each message whose *headers* hold a needle's bytes, an encoded word (`=?`), or a Kelvin sign,
 * ASCII case folded; stage 2 unfolds and decodes those messages' address headers and keeps the
 * ones that contain a needle (or fail to decode).
 */
export function* candidates(file: ResolvedFile, batch: ScanBatch, tests: Array<(text: string) => boolean>): Iterable<Candidate> {
  for (const h of batch.hits) {
    const start = batch.starts[h.index]!;
    if (!passesStageTwo(batch.buf, start, h.headerEnd, tests)) continue;
    yield { file, buf: batch.buf, offset: batch.offset, start, end: messageEnd(batch, h.index), headerEnd: h.headerEnd };
  }
}

/**
 * The subject's record of a decoded message, built with that subject's matcher alone; null when
 * none of its addresses is in the message's address headers. `digest`: the message's sha256.
 */
export function toRecord(
  source: string,
  cfg: MboxSourceConfig,
  c: Candidate,
  parsed: DecodedMail,
  subject: IdentityMatcher,
  digest: () => string,
): PersonalRecord | null {
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
  const list = headerValue(parsed.headerLines, 'list-id') || cfg.list || '';
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
  const base = { source, type: role === 'post' ? 'mail-post' : 'mail-received', locator, matched, categories: categories.sort(), data, erasure };
  if (cfg.erase === 'redact') return { ...base, disposition: 'erase', action: role === 'post' ? 'redact-message' : 'redact-recipient' };
  return { ...base, disposition: 'retain', retention: role === 'post' ? MAIL_POST_RETENTION : MAIL_RECEIVED_RETENTION };
}

/** pipermail's spelling of an address in decoded headers: `ann at example.org (Ann Example)`. */
export const PIPERMAIL_ADDRESS = /(?<![^\s<(,;:"])([^\s<>(),;:"@]+) at ([^\s<>(),;:"@]+\.[^\s<>(),;:"@]+)/g;

export function decodeError(file: ResolvedFile, at: number, why: string): SourceError {
  return new SourceError(`${file.label}: cannot decode the message at byte ${at}: ${why}`, 'fix or remove the damaged message; no file was changed');
}

/** A candidate that a worker found, read from the file: bytes [start, end), its header block ending at headerEnd. */
export function readCandidate(fd: number, file: ResolvedFile, start: number, end: number, headerEnd = start): Candidate {
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
export function isPostOf(parsed: DecodedMail, subject: IdentityMatcher): boolean {
  const fromAuthors = flatten(parsed.from).flatMap((a) => mailboxAddresses(a));
  return fromAuthors.length > 0 && fromAuthors.every((a) => matchEmail(subject, a) !== null);
}

/** The sha256 of a candidate message's bytes, computed on first use (erasure steps name it). */
export function lazyDigest(c: Candidate): () => string {
  let digest: string | undefined;
  return () => (digest ??= createHash('sha256').update(c.buf.subarray(c.start, c.end)).digest('hex'));
}

/**
 * A mailbox's address; when the parser found none, the addresses its (decoded) display part
 * holds: a whole header hidden in one encoded word, or pipermail's `ann at example.org`.
 */
export function mailboxAddresses(a: EmailAddress): string[] {
  if (a.address) return [a.address];
  const name = (a.name ?? '').trim();
  const at = /^([^\s@]+) at ([^\s@]+\.[^\s@]+)$/.exec(name.replace(/\s*\([^)]*\)\s*$/, ''));
  return at ? [`${at[1]}@${at[2]}`] : emailsInCell(name);
}

export function flatten(obj: Mailboxes | Mailboxes[] | undefined): EmailAddress[] {
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
