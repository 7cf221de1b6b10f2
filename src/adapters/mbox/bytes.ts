// The mbox-specific byte helpers of stage 2 of the pre-filter: RFC 2047 encoded words decoded,
// and the address headers of a raw header block read without decoding the rest. (The generic
// byte patterns and ASCII folding are core's: src/core/byte-patterns.ts, src/core/ascii-fold.ts.)

// RFC 2047 encoded words; adjacent ones are joined (whitespace between them is not text).
const ENCODED_WORD = /=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=/g;

function decodeWordBytes(enc: string, text: string): Buffer {
  if (enc === 'b' || enc === 'B') return Buffer.from(text, 'base64');
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '_') bytes.push(0x20);
    else if (c === '=' && /^[0-9a-fA-F]{2}$/.test(text.slice(i + 1, i + 3))) {
      bytes.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(c.charCodeAt(0) & 0xff);
  }
  return Buffer.from(bytes);
}

/**
 * Decode the encoded words in a header value. Returns null when a charset is unknown or the
 * bytes do not decode cleanly: the caller must then treat the message as a candidate.
 */
export function decodeEncodedWords(value: string): string | null {
  const joined = value.replace(/(\?=)[ \t\r\n]+(?==\?)/g, '$1');
  let failed = false;
  // Consecutive words in one charset are decoded together: a character may span two words.
  const out = joined.replace(/(?:=\?[^?\s]+\?[bBqQ]\?[^?\s]*\?=)+/g, (run) => {
    let text = '';
    let charset = '';
    let bytes: Buffer[] = [];
    const flush = () => {
      if (bytes.length === 0) return;
      try {
        const dec = new TextDecoder(charset, { fatal: true });
        text += dec.decode(Buffer.concat(bytes));
      } catch {
        failed = true;
      }
      bytes = [];
    };
    for (const m of run.matchAll(ENCODED_WORD)) {
      const cs = m[1]!.split('*')[0]!.toLowerCase();
      if (cs !== charset) {
        flush();
        charset = cs;
      }
      bytes.push(decodeWordBytes(m[2]!, m[3]!));
    }
    flush();
    return text;
  });
  return failed ? null : out;
}

const ADDRESS_HEADERS = new Set(['from', 'sender', 'reply-to', 'to', 'cc']);
const ADDRESS_NAMES = [...ADDRESS_HEADERS].map((n) => Buffer.from(n, 'latin1'));
const FOLD = /\r?\n[ \t]+/g;
const LF = 0x0a;
const CR = 0x0d;

/** ASCII whitespace as String#trim sees it. */
const isSpace = (c: number) => c === 0x20 || (c >= 0x09 && c <= 0x0d);

/**
 * Whether the header name t[from, to) (ASCII, no line break) is an address header's, as
 * `name.trim().toLowerCase()` would tell, without making another string of it.
 */
function isAddressName(t: string, from: number, to: number): boolean {
  while (from < to && isSpace(t.charCodeAt(from))) from++;
  while (to > from && isSpace(t.charCodeAt(to - 1))) to--;
  const len = to - from;
  next: for (const name of ADDRESS_NAMES) {
    if (name.length !== len) continue;
    for (let i = 0; i < len; i++) {
      const c = t.charCodeAt(from + i);
      if ((c >= 0x41 && c <= 0x5a ? c | 0x20 : c) !== name[i]) continue next;
    }
    return true;
  }
  return false;
}

/**
 * Whether b[pos] may be in an address header's line, as addressHeaderText splits a header block
 * that starts at `start` into lines: false only when that line has a plain ASCII name before a
 * colon that comes before pos, and the name is not an address header's. (An encoded word in any
 * other header does not change addressHeaderText's text.)
 */
export function mayBeInAddressHeader(b: Buffer, start: number, pos: number): boolean {
  // the logical line: back to a line feed that no space or tab follows
  let p = b.lastIndexOf(LF, pos - 1);
  while (p >= start && (b[p + 1] === 0x20 || b[p + 1] === 0x09)) p = p > start ? b.lastIndexOf(LF, p - 1) : -1;
  const line = p >= start ? p + 1 : start;
  let colon = -1;
  for (let i = line; i < pos; i++) {
    const c = b[i]!;
    if (c === 0x3a) {
      colon = i;
      break;
    }
    if (c >= 0x80 || c === LF) return true;
  }
  if (colon <= line) return true;
  return isAddressName(b.toString('latin1', line, colon), 0, colon - line);
}

/**
 * The address headers (From, Sender, Reply-To, To, Cc) of a raw header block, unfolded, decoded
 * and lower-cased (NFC) — or null when some encoded word would not decode.
 *
 * The same text as decoding the whole block (UTF-8), unfolding (`\r?\n[ \t]+` → space),
 * splitting it into lines at `\r?\n` and keeping the lines whose name (before the first colon,
 * trimmed, lower-cased) is an address header's; but only those lines are ever decoded. (A line
 * break and a colon are ASCII, and no UTF-8 sequence spans one, so a line decodes alone as it
 * does in the whole block.)
 */
export function addressHeaderText(headerBlock: Buffer): string | null {
  const b = headerBlock;
  const n = b.length;
  // one byte a character: offsets in t are offsets in b (found with string searches, which cost
  // less than Buffer ones for short distances, and less than a loop over the bytes)
  const t = b.toString('latin1');
  const parts: string[] = [];
  for (let s = 0; s < n;) {
    // the logical line at s: up to a line feed that no space or tab follows
    let e = t.indexOf('\n', s);
    while (e !== -1 && e + 1 < n && (t.charCodeAt(e + 1) === 0x20 || t.charCodeAt(e + 1) === 0x09)) e = t.indexOf('\n', e + 1);
    let stop = e === -1 ? n : e;
    if (e !== -1 && stop > s && t.charCodeAt(stop - 1) === CR) stop--;
    const line = s;
    s = e === -1 ? n : e + 1;
    const colon = t.indexOf(':', line);
    if (colon === -1 || colon >= stop) continue;
    let value: string;
    let plain = true; // an ASCII name without a line break
    for (let i = line; i < colon; i++) {
      const c = t.charCodeAt(i);
      if (c >= 0x80 || c === LF) {
        plain = false;
        break;
      }
    }
    if (plain) {
      if (colon === line || !isAddressName(t, line, colon)) continue;
      value = b.toString('utf8', colon + 1, stop).replace(FOLD, ' ');
    } else {
      const text = b.toString('utf8', line, stop).replace(FOLD, ' ');
      const c = text.indexOf(':');
      if (c <= 0 || !ADDRESS_HEADERS.has(text.slice(0, c).trim().toLowerCase())) continue;
      value = text.slice(c + 1);
    }
    if (value.includes('=?')) {
      const d = decodeEncodedWords(value);
      if (d === null) return null;
      value = d;
    }
    parts.push(value);
  }
  return parts.join('\n').normalize('NFC').toLowerCase();
}
