// Byte-level helpers shared by the mbox and Slack adapters: a case-insensitive view of raw bytes
// and a small RFC 2047 decoder for the second-stage pre-filter.

// A-Z → a-z, every other byte as it is: offsets in the view are byte offsets in the source.
// Four bytes a step (SWAR): far cheaper than String#toLowerCase or a byte-at-a-time loop.
let scratch8 = Buffer.alloc(0);
let scratch32 = new Uint32Array(0);

/** The lower-cased view is valid until the next call (it reuses one scratch buffer). */
export function lowerAscii(buf: Buffer, from: number, to: number): Buffer {
  const len = to - from;
  if (scratch8.length < len) {
    const ab = new ArrayBuffer((Math.max(len, 1 << 18) + 3) & ~3);
    scratch8 = Buffer.from(ab);
    scratch32 = new Uint32Array(ab);
  }
  buf.copy(scratch8, 0, from, to);
  const s32 = scratch32;
  const words = (len + 3) >>> 2;
  for (let i = 0; i < words; i++) {
    const w = s32[i]!;
    const h = w & 0x7f7f7f7f;
    const upper = ~w & ((h + 0x3f3f3f3f) ^ (h + 0x25252525)) & 0x80808080;
    s32[i] = w | (upper >>> 2);
  }
  return scratch8.subarray(0, len);
}

/** Fold A-Z to a-z in buf[0, len), in place (bytes past len in the last word are left as they are). */
export function lowerAsciiInPlace(buf: Buffer, len: number): void {
  const whole = len >>> 2;
  // a 4-byte view needs an aligned offset; Buffer.allocUnsafe pools small buffers at any offset
  if ((buf.byteOffset & 3) === 0 && whole > 0) {
    const s32 = new Uint32Array(buf.buffer, buf.byteOffset, whole);
    for (let i = 0; i < whole; i++) {
      const w = s32[i]!;
      const h = w & 0x7f7f7f7f;
      const upper = ~w & ((h + 0x3f3f3f3f) ^ (h + 0x25252525)) & 0x80808080;
      s32[i] = w | (upper >>> 2);
    }
  } else {
    for (let i = 0; i < whole * 4; i++) {
      const c = buf[i]!;
      if (c >= 0x41 && c <= 0x5a) buf[i] = c | 0x20;
    }
  }
  for (let i = whole * 4; i < len; i++) {
    const c = buf[i]!;
    if (c >= 0x41 && c <= 0x5a) buf[i] = c | 0x20;
  }
}

/** The longest run of ASCII characters in `s` (what survives any ASCII-compatible charset). */
export function longestAsciiRun(s: string): string {
  let best = '';
  for (const run of s.split(/[^\x00-\x7f]+/)) if (run.length > best.length) best = run;
  return best;
}

/**
 * Byte patterns (lower-case) for a pre-filter that must not miss: an ASCII needle as it is; for
 * a needle with other characters (an EAI address, `zoë@…`), its longest ASCII run, which is in
 * the raw bytes whatever charset (UTF-8, Latin-1) the header was written in.
 */
export function bytePatterns(needles: string[]): Buffer[] {
  const out = new Map<string, Buffer>();
  for (const n of needles) {
    const p = /^[\x00-\x7f]*$/.test(n) ? n : longestAsciiRun(n);
    if (p.length > 0) out.set(p, Buffer.from(p, 'latin1'));
  }
  return [...out.values()];
}

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

/**
 * The address headers (From, Sender, Reply-To, To, Cc) of a raw header block, unfolded, decoded
 * and lower-cased (NFC) — or null when some encoded word would not decode.
 */
export function addressHeaderText(headerBlock: Buffer): string | null {
  const text = headerBlock.toString('utf8').replace(/\r?\n[ \t]+/g, ' ');
  const parts: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    if (!ADDRESS_HEADERS.has(line.slice(0, colon).trim().toLowerCase())) continue;
    let value = line.slice(colon + 1);
    if (value.includes('=?')) {
      const d = decodeEncodedWords(value);
      if (d === null) return null;
      value = d;
    }
    parts.push(value);
  }
  return parts.join('\n').normalize('NFC').toLowerCase();
}
