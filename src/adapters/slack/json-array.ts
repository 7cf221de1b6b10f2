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
    i = valueEnd(buf, start);
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

/**
 * Where the element that starts at `start` ends (exclusive, before any whitespace): the value's
 * closing bracket or quote, or the comma, whitespace or `]` that ends a scalar.
 */
export function valueEnd(buf: Buffer, start: number): number {
  const n = buf.length;
  let i = start;
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
  return i;
}

const isWs = (c: number | undefined) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

/**
 * The elements of a pretty-printed JSON array that hold the byte positions `hits` (ascending),
 * found without reading the rest of the file — or null when the file is not laid out so that
 * this can be done safely (then arrayElements must read it all).
 *
 * A JSON pretty-printer (JSON.stringify with an indent, Python's json.dump(indent=…), Slack's
 * own exports) puts each element of the top-level array on lines of its own that start, at the
 * array's indentation, with `{` and end with `}`; nested values are indented further. A raw line
 * break is never inside a JSON string. So the element around a hit starts at the nearest
 * `\n<indent>{` before it and ends at the first `\n<indent>}` after that; each is checked: the
 * element must scan (as arrayElements scans it) from that `{` to exactly that `}`, and sit
 * between the array's `[` or a `,` and a `,` or the closing `]`. (What these checks cannot tell
 * apart: an object nested in an array inside an element, written, against the layout, at the
 * top-level indentation with a comma on both sides; no pretty-printer writes that.) For every
 * element it returns
 * the range arrayElements gives, and `from`, `to`: the byte positions a search hit is counted in
 * for that element (from its start to the next element's; the first and last take the head and
 * tail of the file), as a hit is attributed by a binary search over all element starts.
 */
export function elementsAround(buf: Buffer, hits: readonly number[]): Array<{ range: ElementRange; from: number; to: number }> | null {
  let i = buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0;
  while (isWs(buf[i])) i++;
  if (buf[i] !== 0x5b) return null;
  const open = i;
  i++;
  while (isWs(buf[i])) i++;
  if (buf[i] !== 0x7b) return null;
  const lf = buf.lastIndexOf(0x0a, i);
  if (lf < open) return null; // the first element is not on a line of its own
  for (let k = lf + 1; k < i; k++) if (buf[k] !== 0x20 && buf[k] !== 0x09) return null;
  const opener = Buffer.from(buf.subarray(lf, i + 1)); // "\n" + indent + "{"
  const closer = Buffer.from(opener);
  closer[closer.length - 1] = 0x7d;
  const out: Array<{ range: ElementRange; from: number; to: number }> = [];
  let to = 0;
  for (const p of hits) {
    if (out.length > 0 && p < to) continue; // in the element found last
    if (p - opener.length + 1 < 0) return null;
    const q = buf.lastIndexOf(opener, p - opener.length + 1);
    if (q === -1) return null;
    const start = q + opener.length - 1;
    if (start < to) return null; // no element start between the last element and this hit
    const c = buf.indexOf(closer, start);
    if (c === -1) return null;
    const end = c + closer.length;
    if (p >= end || valueEnd(buf, start) !== end) return null;
    let b = start - 1;
    while (isWs(buf[b])) b--;
    if (b !== open && buf[b] !== 0x2c) return null;
    let a = end;
    while (isWs(buf[a])) a++;
    if (buf[a] === 0x2c) {
      to = a + 1;
      while (isWs(buf[to])) to++;
    } else if (buf[a] === 0x5d) to = buf.length;
    else return null;
    out.push({ range: { start, end }, from: b === open ? 0 : start, to });
  }
  return out;
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
  return JSON.stringify(value, null, unit)
    .split('\n')
    .join(eol + base);
}
