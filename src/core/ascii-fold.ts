// ASCII case-folding of raw bytes: A-Z → a-z, every other byte as it is, so offsets in the
// folded view are byte offsets in the source. Four bytes a step (SWAR): far cheaper than
// String#toLowerCase or a byte-at-a-time loop. Used by the adapters' byte pre-filters.

/** Fold A-Z to a-z in buf[0, len), in place. */
export function lowerAsciiInPlace(buf: Buffer, len: number): void {
  const whole = len >>> 2;
  // a 4-byte view needs an aligned offset; Buffer.allocUnsafe pools small buffers at any offset
  if ((buf.byteOffset & 3) === 0 && whole > 0) {
    const s32 = new Uint32Array(buf.buffer, buf.byteOffset, whole);
    for (let i = 0; i < whole; i++) {
      const w = s32[i]!;
      const h = w & 0x7f7f7f7f;
      // bit 7 of each byte: ASCII, and >= 'A', and not > 'Z' (no carry crosses bytes: h <= 0x7f)
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

/**
 * A folder with its own scratch buffer: `fold(buf, from, to)` returns a lower-cased copy of
 * buf[from, to) that stays valid until that folder's next call. One per adapter module, so
 * sources read concurrently never share a scratch buffer.
 */
export function asciiFolder(): (buf: Buffer, from: number, to: number) => Buffer {
  let scratch = Buffer.alloc(0);
  return (buf, from, to) => {
    const len = to - from;
    if (scratch.length < len) scratch = Buffer.from(new ArrayBuffer((Math.max(len, 1 << 18) + 3) & ~3));
    buf.copy(scratch, 0, from, to);
    lowerAsciiInPlace(scratch, len);
    return scratch.subarray(0, len);
  };
}
