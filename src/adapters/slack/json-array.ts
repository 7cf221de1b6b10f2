// Byte ranges of the elements of a top-level JSON array, so that one element can be replaced
// while every other byte of the file stays as it was.
const WS = new Set([0x20, 0x09, 0x0a, 0x0d]);
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

export interface ElementRange {
  start: number;
  end: number;
}

/** Element ranges of the JSON array in `buf`; throws a plain Error when it is not one. */
export function arrayElements(buf: Buffer): ElementRange[] {
  const out: ElementRange[] = [];
  let i = 0;
  const n = buf.length;
  const skipWs = () => {
    while (i < n && WS.has(buf[i]!)) i++;
  };
  if (n >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) i = 3;
  skipWs();
  if (buf[i] !== 0x5b) throw new Error('not a JSON array');
  i++;
  skipWs();
  if (buf[i] === 0x5d) return out;
  for (;;) {
    skipWs();
    const start = i;
    let depth = 0;
    for (; i < n; i++) {
      const c = buf[i]!;
      if (c === QUOTE) {
        // jump to the closing quote, past escapes
        for (i++; i < n; i++) {
          const d = buf[i]!;
          if (d === BACKSLASH) i++;
          else if (d === QUOTE) break;
        }
        if (depth === 0) {
          i++;
          break;
        }
      } else if (c === 0x7b || c === 0x5b) depth++;
      else if (c === 0x7d || c === 0x5d) {
        if (depth === 0) break; // end of the enclosing array: a scalar element ended
        depth--;
        if (depth === 0) {
          i++;
          break;
        }
      } else if (depth === 0 && (c === 0x2c || WS.has(c))) break;
    }
    let end = i;
    while (end > start && WS.has(buf[end - 1]!)) end--;
    if (end <= start) throw new Error('malformed JSON array');
    out.push({ start, end });
    skipWs();
    if (buf[i] === 0x2c) {
      i++;
      continue;
    }
    if (buf[i] === 0x5d) return out;
    throw new Error(`malformed JSON array at byte ${i}`);
  }
}

/** The whitespace that indents the line on which `pos` stands. */
export function indentAt(buf: Buffer, pos: number): string {
  let s = pos;
  while (s > 0 && (buf[s - 1] === 0x20 || buf[s - 1] === 0x09)) s--;
  return s > 0 && buf[s - 1] !== 0x0a ? '' : buf.toString('latin1', s, pos);
}

/**
 * `value` serialised in the style of the element it replaces: on one line when the original was,
 * else pretty-printed with the original's indent unit and base indentation.
 */
export function serializeLike(original: Buffer, buf: Buffer, start: number, value: unknown): string {
  const nl = original.indexOf(0x0a);
  if (nl === -1) return JSON.stringify(value);
  const base = indentAt(buf, start);
  let j = nl + 1;
  while (j < original.length && (original[j] === 0x20 || original[j] === 0x09)) j++;
  const inner = original.toString('latin1', nl + 1, j);
  const unit = inner.startsWith(base) && inner.length > base.length ? inner.slice(base.length) : '    ';
  const eol = original[nl - 1] === 0x0d ? '\r\n' : '\n';
  return JSON.stringify(value, null, unit).split('\n').join(eol + base);
}
