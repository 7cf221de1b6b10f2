// Byte-level helpers shared by the mbox and Slack adapters: a case-insensitive view of raw bytes
// and a small RFC 2047 decoder for the second-stage pre-filter.

import { asciiFolder, lowerAsciiInPlace } from '../../core/ascii-fold.js';

export { lowerAsciiInPlace };

/** The lower-cased view is valid until the next call (it reuses one scratch buffer). */
export const lowerAscii = asciiFolder();

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
