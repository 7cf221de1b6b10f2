// Decoding a candidate message with mailparser: the bytes it is given (without the envelope
// line, mboxrd escapes undone, and without header fields no record is built from), and the
// decoded fields a record is built from.
import type { AddressObject, ParsedMail } from 'mailparser';

const LF = 0x0a;

/** The message as mailparser reads it: without the envelope line, mboxrd `>From ` unescaped. */
export function messageBytes(raw: Buffer): Buffer {
  const nl = raw.indexOf(LF);
  const rest = nl === -1 ? '' : raw.toString('latin1', nl + 1);
  return Buffer.from(rest.replace(/^>(>*From )/gm, '$1'), 'latin1');
}

// Header fields that no record is built from and that do not shape the MIME structure: trace and
// signature headers, the List-* links (List-Id is kept), References, X-*. mailparser spends most
// of its time on headers (address lists, DKIM and List-* parsing), so it is spared these.
const UNUSED_HEADERS = new Set([
  'received', 'return-path', 'delivered-to', 'x-original-to', 'envelope-to', 'dkim-signature', 'domainkey-signature',
  'arc-seal', 'arc-message-signature', 'arc-authentication-results', 'authentication-results', 'received-spf',
  'list-unsubscribe', 'list-archive', 'list-post', 'list-help', 'list-subscribe', 'list-owner', 'references',
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

/** What a record is built from: the fields of a ParsedMail that toRecord reads. */
export interface DecodedMail {
  from?: AddressObject | undefined;
  to?: AddressObject | AddressObject[] | undefined;
  cc?: AddressObject | AddressObject[] | undefined;
  replyTo?: AddressObject | undefined;
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

/** A raw message (envelope line first) decoded by mailparser (loaded on first use). */
export async function parseMessage(raw: Buffer): Promise<ParsedMail> {
  // mailparser is loaded on the first candidate message, not by every run of the CLI
  const { simpleParser } = await import('mailparser');
  return simpleParser(withoutUnusedHeaders(messageBytes(raw)), PARSE_OPTIONS);
}
