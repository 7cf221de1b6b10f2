// Erasure's byte-level work on one message: the subject's address out of every place a real
// archive keeps it (real list archives hold it well beyond From/To/Cc: trace and Resent-*
// headers, Mail-Followup-To, git-send-email Message-IDs and the References that cite them,
// quoted "… <addr> wrote:" lines, sign-offs and patch From: lines in other people's bodies).
// Everything else stays byte for byte.
import { emailsInCell, type IdentityMatcher } from '../../core/identity.js';
import { decodeEncodedWords } from './bytes.js';
import { headerFields } from './decode.js';

export const REDACTED_ADDRESS = 'redacted@redacted.invalid';
const REDACTED_PIPERMAIL = 'redacted at redacted.invalid';

/** Headers whose value is a list of mailboxes: the subject's mailbox goes whole (name and address). */
const MAILBOX_HEADERS = new Set([
  'from',
  'to',
  'cc',
  'bcc',
  'reply-to',
  'sender',
  'mail-followup-to',
  'mail-reply-to',
  'resent-from',
  'resent-to',
  'resent-cc',
  'resent-bcc',
  'resent-sender',
  'resent-reply-to',
  'disposition-notification-to',
  'return-receipt-to',
  'errors-to',
]);
/** The headers discover matches: a change there is what redacting a recipient means. */
const RECORD_HEADERS = new Set(['from', 'to', 'cc', 'reply-to', 'sender']);
/**
 * Message identifiers: an address inside one (`<20240101-1-ann@example.org>`) goes without a
 * left boundary, and always to the same token, so the rewritten IDs and the References and
 * In-Reply-To that cite them still agree and threads stay linked.
 */
const ID_HEADERS = new Set(['message-id', 'in-reply-to', 'references', 'resent-message-id', 'original-message-id', 'x-original-message-id']);

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** ASCII letters either case, every other byte as is (JS's /i would also fold Latin-1 bytes of UTF-8 sequences). */
const asciiCaseless = (s: string) => [...s].map((ch) => (/[A-Za-z]/.test(ch) ? `[${ch.toLowerCase()}${ch.toUpperCase()}]` : escape(ch))).join('');

export class AddressScrubber {
  /** An address standing alone (not inside `joann@…` or `jo-ann@…`, not before `.org.evil`). */
  private readonly strict: RegExp;
  /** Inside a message identifier. */
  private readonly inId: RegExp | null;
  /** Any mention, VERP's `ann=example.org` included: whether to look at a message at all. */
  private readonly any: RegExp | null;

  /** needles: subjectNeedles() — the addresses and their pipermail forms. */
  constructor(
    private readonly subject: IdentityMatcher,
    needles: string[],
  ) {
    // latin1 strings of the needles' UTF-8 bytes: messages are handled as latin1 text
    const bytes = [...new Set(needles.map((n) => Buffer.from(n, 'utf8').toString('latin1')))].sort((a, b) => b.length - a.length);
    const emails = bytes.filter((b) => b.includes('@'));
    const alt = (list: string[]) => list.map(asciiCaseless).join('|');
    this.strict = bytes.length ? new RegExp(`(?<![A-Za-z0-9._%+\\-])(?:${alt(bytes)})(?![A-Za-z0-9\\-]|\\.[A-Za-z0-9])`, 'g') : /(?!)/g;
    this.inId = emails.length ? new RegExp(`(?<![A-Za-z0-9])(?:${alt(emails)})(?![A-Za-z0-9\\-]|\\.[A-Za-z0-9])`, 'g') : null;
    const all = [...bytes, ...emails.map((e) => e.replace('@', '='))];
    this.any = all.length ? new RegExp(alt(all)) : null;
  }

  /** Whether the text (latin1) mentions the subject at all, loosely: a superset of what scrub() changes. */
  mentions(text: string): boolean {
    return this.any !== null && this.any.test(text);
  }

  text(s: string): string {
    return s.replace(this.strict, (m) => (m.includes('@') ? REDACTED_ADDRESS : REDACTED_PIPERMAIL));
  }

  ids(s: string): string {
    return this.inId ? s.replace(this.inId, REDACTED_ADDRESS) : s;
  }

  /** A mailbox (`Name <addr>`, `addr (Name)`, encoded words, pipermail's form) that is the subject's. */
  isSubject(mailbox: string): boolean {
    let utf = Buffer.from(mailbox, 'latin1')
      .toString('utf8')
      .replace(/\r?\n[ \t]+/g, ' ');
    if (utf.includes('=?')) utf = decodeEncodedWords(utf) ?? utf;
    const bare = utf.replace(/\([^)]*\)/g, ' ').trim();
    const at = /^([^\s@]+) at ([^\s@]+\.[^\s@]+)$/.exec(bare);
    const addresses = at ? [`${at[1]}@${at[2]}`] : emailsInCell(bare);
    return addresses.some((e) => this.subject.matchCell('email', e) !== null);
  }

  /**
   * One header field (`Name: value`, folded lines included) with the subject taken out; `hit`
   * when a mailbox of theirs left one of the headers discover matches.
   */
  field(f: string): { text: string; hit: boolean } {
    const colon = f.indexOf(':');
    const name = colon > 0 ? f.slice(0, colon).trim().toLowerCase() : '';
    if (ID_HEADERS.has(name)) return { text: this.ids(f), hit: false };
    if (!MAILBOX_HEADERS.has(name)) return { text: this.text(f), hit: false }; // Received: for, Delivered-To, X-*-Rcpt-To, Subject…
    const parts = splitMailboxes(f.slice(colon + 1));
    let changed = false;
    const next = parts.map((p) => {
      if (!this.isSubject(p)) return p;
      changed = true;
      return `${/^\s*/.exec(p)![0]}"[redacted]" <${REDACTED_ADDRESS}>`;
    });
    // what the mailbox split could not see (an address in a comment or a group name) still goes
    const text = this.text(changed ? f.slice(0, colon + 1) + next.join(',') : f);
    return { text, hit: changed && RECORD_HEADERS.has(name) };
  }
}

/** Split an address-list value at commas outside quotes, angle brackets and comments. */
export function splitMailboxes(value: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quoted = false;
  let cur = '';
  for (let i = 0; i < value.length; i++) {
    const ch = value[i]!;
    if (quoted) {
      if (ch === '\\') {
        cur += ch + (value[i + 1] ?? '');
        i++;
        continue;
      }
      if (ch === '"') quoted = false;
    } else if (ch === '"') quoted = true;
    else if (ch === '<' || ch === '(') depth++;
    else if ((ch === '>' || ch === ')') && depth > 0) depth--;
    else if (ch === ',' && depth === 0) {
      out.push(cur);
      cur = '';
      continue;
    }
    cur += ch;
  }
  out.push(cur);
  return out;
}

/**
 * A message that is not the subject's own post, with their address taken out of the envelope
 * line, every header (see AddressScrubber.field) and the raw body — only the address: the words
 * around it stay. `hit`: a header discover matches lost their mailbox. Null when nothing changed.
 * An address hidden by a body's base64 or quoted-printable encoding is not touched (discover does
 * not read bodies either).
 */
export function scrubMessage(raw: Buffer, headerLen: number, scrub: AddressScrubber): { out: Buffer; hit: boolean } | null {
  const text = raw.toString('latin1');
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const firstNl = text.indexOf('\n');
  const envelope = text.slice(0, firstNl + 1);
  const head = text.slice(firstNl + 1, headerLen);
  const trailingEol = head.endsWith(eol) ? eol : '';
  const fields = headerFields(trailingEol ? head.slice(0, -eol.length) : head, eol);
  let hit = false;
  const out = fields.map((f) => {
    const r = scrub.field(f);
    hit ||= r.hit;
    return r.text;
  });
  const next = scrub.text(envelope) + out.join(eol) + trailingEol + scrub.text(text.slice(headerLen));
  return next === text ? null : { out: Buffer.from(next, 'latin1'), hit };
}
