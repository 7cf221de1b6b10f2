// Decoding a candidate message: plain messages directly (plainMessage, below), any other with
// mailparser: the bytes it is given (without the envelope line, mboxrd escapes undone, and without
// header fields no record is built from), and the decoded fields a record is built from.
import { decode as decodeQuotedPrintable } from 'libqp';
import type { EmailAddress, ParsedMail } from 'mailparser';

const LF = 0x0a;

/** The message as mailparser reads it: without the envelope line, mboxrd `>From ` unescaped (a view of raw when nothing is). */
export function messageBytes(raw: Buffer): Buffer {
  const nl = raw.indexOf(LF);
  if (nl === -1) return Buffer.alloc(0);
  // (most messages have no escaped line: then a view, not a copy)
  if (raw.indexOf('>From ', nl + 1, 'latin1') === -1) return raw.subarray(nl + 1);
  return Buffer.from(raw.toString('latin1', nl + 1).replace(/^>(>*From )/gm, '$1'), 'latin1');
}

// Header fields that no record is built from and that do not shape the MIME structure: trace and
// signature headers, the List-* links (List-Id is kept), References, X-*. mailparser spends most
// of its time on headers (address lists, DKIM and List-* parsing), so it is spared these.
const UNUSED_HEADERS = new Set([
  'received',
  'return-path',
  'delivered-to',
  'x-original-to',
  'envelope-to',
  'dkim-signature',
  'domainkey-signature',
  'arc-seal',
  'arc-message-signature',
  'arc-authentication-results',
  'authentication-results',
  'received-spf',
  'list-unsubscribe',
  'list-archive',
  'list-post',
  'list-help',
  'list-subscribe',
  'list-owner',
  'references',
]);
const SP = 0x20;
const TAB = 0x09;
const CR = 0x0d;

/**
 * The message for mailparser without the top-level header fields in UNUSED_HEADERS (or X-*):
 * what a record is built from (the address headers, Subject, Date, Message-ID, In-Reply-To,
 * List-Id, the Content-* fields and the body) is read exactly as before. Only a leading run of
 * plain fields (`Name: value`, continuation lines that hold text) is looked at: at the first
 * line that is anything else (the blank line that ends the headers, or something odd), the rest
 * is kept as it is.
 */
export function withoutUnusedHeaders(msg: Buffer): Buffer {
  const keep: Buffer[] = [];
  let kept = 0; // msg[kept, p) is kept
  let p = 0;
  while (p < msg.length) {
    const nl = msg.indexOf(LF, p);
    if (nl === -1) break;
    let q = p;
    while (q < nl && msg[q]! > 0x20 && msg[q]! < 0x7f && msg[q] !== 0x3a) q++;
    if (q === p || msg[q] !== 0x3a) break;
    let end = nl + 1;
    let odd = false;
    while (end < msg.length && (msg[end] === SP || msg[end] === TAB)) {
      const next = msg.indexOf(LF, end);
      let text = false;
      for (let i = end; next !== -1 && i < next; i++) {
        const c = msg[i]!;
        if (c !== SP && c !== TAB && c !== CR) {
          text = true;
          break;
        }
      }
      if (next === -1 || !text) {
        odd = true;
        break;
      }
      end = next + 1;
    }
    if (odd) break;
    const name = msg.toString('latin1', p, q).toLowerCase();
    if (UNUSED_HEADERS.has(name) || name.startsWith('x-')) {
      if (p > kept) keep.push(msg.subarray(kept, p));
      kept = end;
    }
    p = end;
  }
  if (kept === 0) return msg;
  keep.push(msg.subarray(kept));
  return Buffer.concat(keep);
}

/** Raw header fields (with their continuation lines) of a header block. */
export function headerFields(block: string, eol: string): string[] {
  const lines = block.split(eol);
  const fields: string[] = [];
  for (const line of lines) {
    if ((line.startsWith(' ') || line.startsWith('\t')) && fields.length > 0) fields[fields.length - 1] += eol + line;
    else fields.push(line);
  }
  return fields;
}

/** An address header as mailparser gives it (only the addresses are read). */
export interface Mailboxes {
  value: EmailAddress[];
}

/** What a record is built from: the fields of a ParsedMail that toRecord reads. */
export interface DecodedMail {
  from?: Mailboxes | undefined;
  to?: Mailboxes | Mailboxes[] | undefined;
  cc?: Mailboxes | Mailboxes[] | undefined;
  replyTo?: Mailboxes | undefined;
  /** Only `sender` is read. */
  headers: { get(key: string): unknown };
  messageId?: string | undefined;
  date?: Date | undefined;
  subject?: string | undefined;
  inReplyTo?: string | undefined;
  text?: string | undefined;
  attachments: ReadonlyArray<{ filename?: string | undefined; contentType: string; size: number }>;
  headerLines: ReadonlyArray<{ key: string; line: string }>;
}

const PARSE_OPTIONS = { skipTextToHtml: true, skipTextLinks: true, skipImageLinks: true, keepCidLinks: true };

/**
 * A raw message (envelope line first) decoded: by plainMessage when it can, else by mailparser
 * (loaded on first use).
 */
export async function parseMessage(raw: Buffer, opts: { headersOnly?: boolean } = {}): Promise<DecodedMail | ParsedMail> {
  const msg = messageBytes(raw);
  let plain = plainMessage(msg);
  if (plain === NEEDS_WORDS) plain = plainMessage(msg, await wordsDecoder(), await mimeDetector());
  if (plain && plain !== NEEDS_WORDS) {
    whole.add(plain);
    return plain;
  }
  // mailparser is loaded on the first message that needs it, not by every run of the CLI
  const { simpleParser } = await import('mailparser');
  // headersOnly: a message the subject only received needs no body (its MIME parts, base64
  // attachments and quoted-printable text were most of the decoding time on real archives)
  return simpleParser(withoutUnusedHeaders(opts.headersOnly ? headerBlock(msg) : msg), PARSE_OPTIONS);
}

const whole = new WeakSet<object>();
/** Whether parseMessage decoded this message whole (body included), whatever headersOnly asked. */
export function decodedWhole(m: object): boolean {
  return whole.has(m);
}

/** The message's header block with the blank line that ends it (all of it when there is none). */
function headerBlock(msg: Buffer): Buffer {
  const lf = msg.indexOf('\n\n');
  const crlf = msg.indexOf('\r\n\r\n');
  if (lf === -1 && crlf === -1) return msg;
  return lf !== -1 && (crlf === -1 || lf < crlf) ? msg.subarray(0, lf + 2) : msg.subarray(0, crlf + 4);
}

// ---- plain messages, without mailparser ----
//
// Most of an archive's messages are one text/plain part in UTF-8 or ASCII, 7bit, with plain
// address headers: nothing in them needs MIME decoding. mailparser reads each through two stream
// transforms, which costs far more than such a message needs (most of a batch's time was there).
// plainMessage reads exactly these messages and gives what mailparser gives for them (a test
// holds it to mailparser on every message it accepts); any other message, or anything it is
// unsure of, is mailparser's: null. What it accepts: LF line ends, a blank line after the
// headers, header fields `Name: value` with continuation lines; no encoded word in a header it
// reads but Subject (whose encoded words libmime decodes, as in mailparser); Content-Type absent
// or text/plain with at most a utf-8/us-ascii charset; Content-Transfer-Encoding absent, 7bit or
// 8bit; no Content-Disposition; a valid Date (or none); address headers that are lists of `addr`
// and `Display Name <addr>` with plain names (words of letters, digits, ' and -).

const ADDR = '[^\\s<>()\\[\\],;:"@\\\\]+@[^\\s<>()\\[\\],;:"@\\\\]+';
// `Name <addr>` with a plain name, a quoted one without escapes (`"Doe, Jane" <addr>`: as common
// as plain ones in real archives), or one of encoded words only (`=?utf-8?q?Zo=C3=AB?= <addr>`)
const MAILBOX = new RegExp(
  `^(?:(${ADDR})|(?:([A-Za-z0-9'-]+(?: [A-Za-z0-9'-]+)*)|"([A-Za-z0-9'.,-]+(?: [A-Za-z0-9'.,-]+)*)"|(=\\?[^?\\s]+\\?[bBqQ]\\?[^?\\s]*\\?=(?: =\\?[^?\\s]+\\?[bBqQ]\\?[^?\\s]*\\?=)*)) <(${ADDR})>)$`,
);
// pipermail's obfuscated mailbox, `ann at example.org (Ann Example)`: mailparser finds no address in
// it and keeps `ann at example.org` as the name (the comment dropped)
const PIPERMAIL_MAILBOX = /^([^\s@()<>",;:\\[\]]+ at [^\s@()<>",;:\\[\]]+\.[^\s@()<>",;:\\[\]]+)(?: \([A-Za-z0-9'.-]+(?: [A-Za-z0-9'.-]+)*\))?$/;
const PLAIN_TYPE = /^text\/plain(?:\s*;\s*charset="?(?:utf-8|us-ascii)"?)?$/i;
// quoted-printable too (libqp, as mailparser decodes it): most of a real archive's text parts
const PLAIN_ENCODING = /^(?:7bit|8bit|quoted-printable)$/i;
const ADDRESS_KEYS = new Set(['from', 'to', 'cc', 'reply-to', 'sender']);
/** Headers read (and so held to the rules above); mailparser keeps the first of each but To and Cc. */
const READ_KEYS = new Set([
  ...ADDRESS_KEYS,
  'subject',
  'date',
  'message-id',
  'in-reply-to',
  'content-type',
  'content-transfer-encoding',
  'content-disposition',
]);

/**
 * The message (without its envelope line) decoded, if it is plain (see above); else null.
 * `decodeWords`: wordsDecoder's, for a Subject with encoded words (without it: NEEDS_WORDS).
 */
export function plainMessage(
  msg: Buffer,
  decodeWords?: (value: string) => string,
  detectMimeType?: (filename: string) => string,
): DecodedMail | null | typeof NEEDS_WORDS {
  if (msg.indexOf(0x0d) !== -1 || msg[0] === 0x0a) return null;
  const blank = msg.indexOf('\n\n');
  if (blank === -1) return null;
  const headerLines: Array<{ key: string; line: string }> = [];
  const values = new Map<string, string[]>();
  for (const line of headerFields(msg.toString('latin1', 0, blank), '\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0 || !/^[\x21-\x39\x3b-\x7e]+$/.test(line.slice(0, colon))) return null;
    const key = line.slice(0, colon).toLowerCase();
    headerLines.push({ key, line });
    if (!READ_KEYS.has(key)) continue;
    // libmime.decodeHeader's unfolding and trimming, then the bytes read as UTF-8 (as mailparser)
    const value = Buffer.from(
      line
        .slice(colon + 1)
        .replace(/\n[ \t]*/g, ' ')
        .trim(),
      'latin1',
    ).toString('utf8');
    if (key !== 'subject' && value.includes('=?') && !ADDRESS_KEYS.has(key)) return null;
    const list = values.get(key);
    if (list) list.push(value);
    else values.set(key, [value]);
  }
  const first = (key: string) => values.get(key)?.[0];
  const type = first('content-type');
  const encoding = first('content-transfer-encoding');
  const multipart = type !== undefined ? MULTIPART.exec(type) : null;
  if ((type !== undefined && !multipart && !PLAIN_TYPE.test(type)) || values.has('content-disposition')) return null;
  if (encoding !== undefined && !(multipart ? /^(?:7bit|8bit)$/i : PLAIN_ENCODING).test(encoding)) return null;
  if ((values.get('content-type')?.length ?? 0) > 1 || (values.get('content-transfer-encoding')?.length ?? 0) > 1) return null;
  const boxes = (key: string): Mailboxes[] | null | undefined | typeof NEEDS_WORDS => {
    const list = values.get(key);
    if (!list) return undefined;
    const out: Mailboxes[] = [];
    for (const v of key === 'to' || key === 'cc' ? list : list.slice(0, 1)) {
      if (v.includes('=?') && !decodeWords) return NEEDS_WORDS;
      const parsed = mailboxList(v, decodeWords);
      if (!parsed) return null;
      out.push({ value: parsed });
    }
    return out;
  };
  const decoded: DecodedMail = { headers: new Map<string, unknown>(), attachments: [], headerLines };
  for (const key of ADDRESS_KEYS) {
    const got = boxes(key);
    if (got === null || got === NEEDS_WORDS) return got;
    if (got === undefined) continue;
    const one = got.length === 1 ? got[0]! : got;
    if (key === 'from') decoded.from = got[0];
    else if (key === 'reply-to') decoded.replyTo = got[0];
    else if (key === 'sender') (decoded.headers as Map<string, unknown>).set('sender', got[0]);
    else if (key === 'to') decoded.to = one;
    else decoded.cc = one;
  }
  const date = first('date');
  if (date !== undefined) {
    const d = new Date(date);
    if (Number.isNaN(d.getTime())) return null; // (mailparser puts the time of parsing in its place)
    decoded.date = d;
  }
  let subject = first('subject') ?? '';
  if (subject.includes('=?')) {
    if (!decodeWords) return NEEDS_WORDS;
    try {
      subject = decodeWords(subject);
    } catch {
      // (kept as it is, as mailparser keeps it)
    }
  }
  if (subject) decoded.subject = subject;
  const messageId = messageIdOf(first('message-id'));
  if (messageId) decoded.messageId = messageId;
  const inReplyTo = messageIdOf(first('in-reply-to'));
  if (inReplyTo) decoded.inReplyTo = inReplyTo;
  let text: string | null;
  if (multipart) {
    const body = multipartBody(msg.subarray(blank + 2), multipart[1]!.toLowerCase(), multipart[2] ?? multipart[3]!, detectMimeType);
    if (!body || body === NEEDS_WORDS) return body;
    text = body.text;
    decoded.attachments = body.attachments;
  } else {
    text = textOf(msg.subarray(blank + 2), encoding);
    if (text === null) return null;
  }
  if (text) decoded.text = text;
  return decoded;
}

/** A text/plain body in UTF-8 or ASCII, 7bit, 8bit or quoted-printable (libqp, as mailparser); null: mailparser's. */
function textOf(body: Buffer, encoding: string | undefined): string | null {
  if (encoding === undefined || !/^quoted-printable$/i.test(encoding)) return body.toString('utf8');
  if (body.some((b) => b > 0x7e)) return null; // raw 8-bit bytes in a QP body
  return decodeQuotedPrintable(body).toString('utf8');
}

// ---- the two multipart shapes of nearly every list post that has one ----
//
// multipart/alternative of exactly a text/plain and a text/html part (the text is the plain
// part's), and multipart/mixed of such a text (a text/plain part or that alternative) followed by
// base64 attachments named in Content-Disposition (their name, type and decoded size; the bytes are
// never decoded). Anything else — another part, a nested message, an inline image, a missing
// closing delimiter, an encoded or RFC 2231 file name — is mailparser's: null.

const MULTIPART = /^multipart\/(mixed|alternative)\s*;\s*boundary=(?:"([^"\\]+)"|([A-Za-z0-9'()+_,./:=?-]+))$/i;
const HTML_TYPE = /^text\/html(?:\s*;\s*charset="?(?:utf-8|us-ascii)"?)?$/i;
const ATTACHMENT = /^attachment\s*;\s*filename="([A-Za-z0-9 ._+-]+)"$/i;
const ATTACHMENT_TYPE = /^((?:application|image|audio|video)\/[a-z0-9.+-]+)(?:\s*;\s*name="[A-Za-z0-9 ._+-]*")?$/i;

interface Part {
  fields: Map<string, string>;
  content: Buffer;
}

/** The parts between `--boundary` lines (LF only: plainMessage saw no CR), or null when the structure is not plain. */
function splitParts(body: Buffer, boundary: string): Part[] | null {
  const delim = Buffer.from(`--${boundary}`, 'latin1');
  const nlDelim = Buffer.from(`\n--${boundary}`, 'latin1');
  let at = body.subarray(0, delim.length).equals(delim) ? 0 : body.indexOf(nlDelim) + 1; // (the preamble is skipped)
  if (at === 0 && !body.subarray(0, delim.length).equals(delim)) return null;
  const parts: Part[] = [];
  for (;;) {
    const eol = body.indexOf(0x0a, at);
    const rest = body.toString('latin1', at + delim.length, eol === -1 ? body.length : eol);
    if (/^--[ \t]*$/.test(rest)) return parts.length > 0 ? parts : null; // the closing delimiter (the epilogue is skipped)
    if (!/^[ \t]*$/.test(rest) || eol === -1) return null;
    const next = body.indexOf(nlDelim, eol);
    if (next === -1) return null; // no closing delimiter
    const raw = body.subarray(eol + 1, next);
    const split = raw[0] === 0x0a ? 0 : raw.indexOf('\n\n');
    if (split === -1) return null;
    const fields = new Map<string, string>();
    for (const line of split === 0 ? [] : headerFields(raw.toString('latin1', 0, split), '\n')) {
      const colon = line.indexOf(':');
      if (colon <= 0 || !/^[\x21-\x39\x3b-\x7e]+$/.test(line.slice(0, colon))) return null;
      const key = line.slice(0, colon).toLowerCase();
      if (fields.has(key)) return null;
      fields.set(
        key,
        line
          .slice(colon + 1)
          .replace(/\n[ \t]*/g, ' ')
          .trim(),
      );
    }
    parts.push({ fields, content: raw.subarray(split === 0 ? 1 : split + 2) });
    at = next + 1;
  }
}

/** A text/plain part's text, or null when it is not one plainMessage reads. */
function plainPart(p: Part): string | null {
  const type = p.fields.get('content-type');
  const encoding = p.fields.get('content-transfer-encoding');
  if ((type !== undefined && !PLAIN_TYPE.test(type)) || (encoding !== undefined && !PLAIN_ENCODING.test(encoding)) || p.fields.has('content-disposition'))
    return null;
  return textOf(p.content, encoding);
}

/** The text of a text/plain + text/html alternative, or null. */
function alternativeText(parts: Part[]): string | null {
  if (parts.length !== 2) return null;
  const html = parts[1]!;
  const type = html.fields.get('content-type');
  const encoding = html.fields.get('content-transfer-encoding');
  if (type === undefined || !HTML_TYPE.test(type) || (encoding !== undefined && !PLAIN_ENCODING.test(encoding)) || html.fields.has('content-disposition'))
    return null;
  return plainPart(parts[0]!);
}

/**
 * The decoded size of a base64 body, counted without decoding it (attachments are most of an
 * archive's bytes, and a record only names their size); -1 for anything but clean base64 with
 * line breaks (then mailparser decodes it).
 */
function base64Size(b: Buffer): number {
  const x = b.toString('latin1');
  const m = /^[A-Za-z0-9+/\n]*(={0,2})\n*$/.exec(x);
  if (!m) return -1;
  let breaks = 0;
  for (let i = x.indexOf('\n'); i !== -1; i = x.indexOf('\n', i + 1)) breaks++;
  const n = x.length - breaks - m[1]!.length;
  return n % 4 === 1 ? -1 : Math.floor((n * 3) / 4);
}

function multipartBody(
  body: Buffer,
  subtype: string,
  boundary: string,
  detectMimeType?: (filename: string) => string,
): { text: string; attachments: DecodedMail['attachments'] } | null | typeof NEEDS_WORDS {
  const parts = splitParts(body, boundary);
  if (!parts) return null;
  if (subtype === 'alternative') {
    const text = alternativeText(parts);
    return text === null ? null : { text, attachments: [] };
  }
  const first = parts[0]!;
  const firstType = first.fields.get('content-type') ?? '';
  const inner = MULTIPART.exec(firstType);
  let text: string | null;
  if (inner) {
    if (inner[1]!.toLowerCase() !== 'alternative' || first.fields.has('content-transfer-encoding') || first.fields.has('content-disposition')) return null;
    const alt = splitParts(first.content, inner[2] ?? inner[3]!);
    text = alt ? alternativeText(alt) : null;
  } else text = plainPart(first);
  if (text === null || parts.length < 2) return null;
  const attachments: Array<{ filename: string; contentType: string; size: number }> = [];
  for (const p of parts.slice(1)) {
    const name = ATTACHMENT.exec(p.fields.get('content-disposition') ?? '');
    const type = ATTACHMENT_TYPE.exec(p.fields.get('content-type') ?? '');
    if (!name || !type || !/^base64$/i.test(p.fields.get('content-transfer-encoding') ?? '') || p.fields.size !== 3) return null;
    const size = base64Size(p.content);
    if (size < 0) return null;
    let contentType = type[1]!.toLowerCase();
    if (contentType === 'application/octet-stream') {
      if (!detectMimeType) return NEEDS_WORDS; // (libmime is loaded only when needed: ask again with it)
      contentType = detectMimeType(name[1]!);
    }
    attachments.push({ filename: name[1]!, contentType, size });
  }
  return { text, attachments };
}

/** plainMessage's answer when it needs libmime (an encoded word, an octet-stream attachment's type) and was not given it. */
export const NEEDS_WORDS = 'needs-words';

let mimes: Promise<(filename: string) => string> | undefined;
/** libmime's detectMimeType: mailparser names an application/octet-stream attachment's type by its file name. */
export function mimeDetector(): Promise<(filename: string) => string> {
  mimes ??= import('libmime').then(
    ({ default: libmime }) =>
      (filename: string) =>
        libmime.detectMimeType(filename) || 'application/octet-stream',
  );
  return mimes;
}

let words: Promise<(value: string) => string> | undefined;
/** libmime's decodeWords (mailparser's own decoder of encoded words), loaded on first use. */
export function wordsDecoder(): Promise<(value: string) => string> {
  words ??= import('libmime').then(
    ({ default: libmime }) =>
      (value: string) =>
        libmime.decodeWords(value),
  );
  return words;
}

/** A plain address list (see above) as addressparser gives it, or null for anything else. */
function mailboxList(value: string, decodeWords?: (value: string) => string): EmailAddress[] | null {
  const out: EmailAddress[] = [];
  const parts = splitAtCommas(value);
  for (const part of parts) {
    const m = MAILBOX.exec(part.trim());
    if (!m) {
      // (alone only: addressparser runs a mailbox without an address into its neighbours)
      const p = parts.length === 1 ? PIPERMAIL_MAILBOX.exec(part.trim()) : null;
      if (!p) return null;
      out.push({ address: '', name: p[1]! });
      continue;
    }
    const address = m[1] ?? m[5]!;
    if (/@xn--/i.test(address) || address.includes('=?')) return null; // (mailparser decodes punycode domains, and encoded words in an address)
    let name = m[2] ?? m[3] ?? '';
    if (m[4] !== undefined) {
      if (!decodeWords) return null;
      try {
        name = decodeWords(m[4]).trim();
      } catch {
        return null;
      }
      if (/[",<>@()]/.test(name) || name === '') return null; // a decoded name that could read as an address: mailparser's
    }
    out.push({ address, name });
  }
  return out;
}

/** An address list split at commas outside double quotes (none of MAILBOX's forms has an escape). */
function splitAtCommas(value: string): string[] {
  const out: string[] = [];
  let quoted = false;
  let from = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0x22) quoted = !quoted;
    else if (c === 0x2c && !quoted) {
      out.push(value.slice(from, i));
      from = i + 1;
    }
  }
  out.push(value.slice(from));
  return out;
}

/** mailparser's Message-ID form: in angle brackets; none for an empty value. */
function messageIdOf(value: string | undefined): string | undefined {
  if (!value) return undefined;
  return `${value.startsWith('<') ? '' : '<'}${value}${value.endsWith('>') ? '' : '>'}`;
}
