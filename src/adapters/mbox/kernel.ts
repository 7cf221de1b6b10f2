// The scan kernel: one pass over a piece of an mbox file that finds (1) every `\nFrom ` that
// follows a blank line (a message boundary, if its line parses as an envelope: the caller
// checks) and (2) every ASCII-case-insensitive occurrence of a few byte patterns (stage 1 of the
// pre-filter; the caller keeps those in a message's headers). The file is read straight into the
// kernel's memory, so no byte is copied or case-folded in JavaScript.
//
// The WebAssembly kernel (built at run time by wasm.ts, specialised for the number of patterns)
// looks at 64 bytes a step with 128-bit SIMD: `\n` followed by `F`, and for each pattern one
// pair of its adjacent bytes (the rarest pair in a sample of the data), both folded with | 0x20.
// Only a step where one of these shows up is looked at byte by byte (the boundary's bytes, the
// whole pattern). A kernel in plain JavaScript (Buffer.indexOf over a case-folded copy) gives the
// same events where WebAssembly SIMD is missing (node --jitless), and is the reference in tests.
import { lowerAsciiInPlace } from './bytes.js';
import type { FoldedHeaders } from './headers.js';
import { messageEnd, type MessageBatch } from './splitter.js';
import { assemble, block, br, brIf, call, get, gget, gset, i32, i32c, loop, ret, select, seq, set, v128, when, type Code } from './wasm.js';

// The few WebAssembly APIs used here (the project's TypeScript libs do not declare them).
interface WasmModule {
  readonly kind?: 'WebAssembly.Module';
}
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmGlobal {
  readonly value: unknown;
}
declare const WebAssembly: {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: object) => { readonly exports: unknown };
};

const LF = 0x0a;
const CR = 0x0d;
const NL_FROM = Buffer.from('\nFrom ', 'latin1');

/** Steps of 16 bytes looked at together (one any_true test for 64 bytes). */
const UNROLL = 4;
/** Patterns a WebAssembly kernel takes; more go to the JavaScript kernel. */
export const MAX_PATTERNS = 8;

// memory layout of a WebAssembly kernel
const SLOTS = 16; // slot k at SLOTS + 48k: pair offset j (i32), record pointer (i32), T (v128 at +16), U (v128 at +32)
const RECORDS = 1024; // records: length (i32), the folded bytes, then the fold masks (0x20 for a letter)
const EVENTS = 1 << 16; // (position, type) pairs
const EVENT_CAP = 1 << 14;
const INPUT = EVENTS + EVENT_CAP * 8;
/** Bytes past the data the kernel may read (never acts on). */
const SLACK = 256;
/** Messages a heads() call takes (16 bytes of table each). */
const HEADS_TABLE = 1 << 12;
/** ats's filter lies where pattern records would: only a kernel with no patterns has room for it. */
const ATS_MAX_PATTERNS = 0;
const PAGE = 1 << 16;

export interface Kernel {
  /** Whether this is the WebAssembly kernel. */
  readonly wasm: boolean;
  /**
   * The input area with room for `size` bytes: read the data into it. The bytes already in the
   * area are kept; a view taken before is invalid after this call.
   */
  reserve(size: number): Buffer;
  /** Tune the kernel to data like `sample`, on its first call (speed only: the events never change). */
  tune(sample: Buffer): void;
  /**
   * The events of the input area's first `len` bytes: `boundary(h, plain)` for each `\nFrom ` at
   * h (all six bytes in the data) after a blank line (`\n\n` or `\n\r\n`), in increasing order,
   * `plain` when plainEnvelopeAt(data, h + 1, len); `hit(x, k)` for each place where pattern k
   * occurs whole, ASCII case folded (any order).
   */
  scan(len: number, boundary: (h: number, plain: boolean) => void, hit: (x: number, k: number) => void): void;
  /**
   * headers.ts's foldHeaders of a batch read into this kernel's input area, done in WebAssembly
   * (the blank line found and the block folded 16 bytes a step); null when this kernel cannot
   * (made without `headers`, the JavaScript kernel, or a batch elsewhere): use foldHeaders.
   * Valid until the kernel's next call.
   */
  foldHeaders(batch: MessageBatch): FoldedHeaders | null;
  /**
   * From now on, foldHeaders also gives `atHits`: the `@`s of the folded blocks whose fingerprint
   * passes this filter (many.ts's). False when this kernel cannot (then the caller scans).
   */
  useAtFilter(filter: AtFilter): boolean;
}

/** many.ts's address filter: its character classes (256 bytes), which of them `bound` and `label` are, and its fingerprint bitmap. */
export interface AtFilter {
  classes: Uint8Array;
  bound: number;
  label: number;
  bitmap: Uint32Array;
}

/** The fold mask and folded byte of each pattern byte: (b | mask) === folded iff b matches. */
function folded(p: Buffer): { bytes: Uint8Array; masks: Uint8Array; never: boolean } {
  const bytes = new Uint8Array(p.length);
  const masks = new Uint8Array(p.length);
  let never = false;
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!;
    if (c >= 0x41 && c <= 0x5a) never = true; // folded data holds no capital: such a pattern never matches
    bytes[i] = c;
    masks[i] = c >= 0x61 && c <= 0x7a ? 0x20 : 0;
  }
  return { bytes, masks, never };
}

/**
 * For each pattern, the offset of its adjacent pair of bytes that is rarest in `sample` (folded
 * with | 0x20, as the kernel compares them).
 */
export function rarestPairs(patterns: Buffer[], sample: Buffer): number[] {
  const want = new Map<number, number>();
  for (const p of patterns) for (let j = 0; j + 1 < p.length; j++) want.set(((p[j]! | 0x20) << 8) | (p[j + 1]! | 0x20), 0);
  if (want.size > 0) {
    const counts = new Uint32Array(1 << 16);
    const n = Math.min(sample.length, 1 << 18);
    let prev = n > 0 ? sample[0]! | 0x20 : 0;
    for (let i = 1; i < n; i++) {
      const c = sample[i]! | 0x20;
      counts[(prev << 8) | c]!++;
      prev = c;
    }
    for (const k of want.keys()) want.set(k, counts[k]!);
  }
  return patterns.map((p) => {
    let best = 0;
    let bestCount = Infinity;
    for (let j = 0; j + 1 < p.length; j++) {
      const c = want.get(((p[j]! | 0x20) << 8) | (p[j + 1]! | 0x20))!;
      if (c < bestCount) {
        best = j;
        bestCount = c;
      }
    }
    return best;
  });
}

const MONTHS = new Set(['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'].map((m) => (m.charCodeAt(0) << 16) | (m.charCodeAt(1) << 8) | m.charCodeAt(2)));
const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
const isLetter = (c: number) => (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a;

/**
 * Whether the `From ` line at s, complete in b[s, len), has the plain asctime layout that most
 * archives write (`From sender Www Mmm dd hh:mm:ss yyyy`, the sender without spaces): such a line
 * always passes isEnvelopeLine, and this test costs no string and no regex. False says nothing:
 * ask isEnvelopeLine.
 */
export function plainEnvelopeAt(b: Buffer, s: number, len: number): boolean {
  let p = s + 5;
  while (p < len && b[p]! >= 0x21 && b[p]! <= 0x7e) p++;
  // " Www Mmm dd hh:mm:ss yyyy" and a line end
  if (p === s + 5 || p + 26 > len || p + 25 - s > 1000) return false;
  return (
    b[p] === 0x20 &&
    isLetter(b[p + 1]!) &&
    isLetter(b[p + 2]!) &&
    isLetter(b[p + 3]!) &&
    b[p + 4] === 0x20 &&
    MONTHS.has((b[p + 5]! << 16) | (b[p + 6]! << 8) | b[p + 7]!) &&
    b[p + 8] === 0x20 &&
    (b[p + 9] === 0x20 || isDigit(b[p + 9]!)) &&
    isDigit(b[p + 10]!) &&
    b[p + 11] === 0x20 &&
    isDigit(b[p + 12]!) &&
    isDigit(b[p + 13]!) &&
    b[p + 14] === 0x3a &&
    isDigit(b[p + 15]!) &&
    isDigit(b[p + 16]!) &&
    b[p + 17] === 0x3a &&
    isDigit(b[p + 18]!) &&
    isDigit(b[p + 19]!) &&
    b[p + 20] === 0x20 &&
    isDigit(b[p + 21]!) &&
    isDigit(b[p + 22]!) &&
    isDigit(b[p + 23]!) &&
    isDigit(b[p + 24]!) &&
    (b[p + 25] === LF || (b[p + 25] === CR && p + 26 < len && b[p + 26] === LF))
  );
}

// ---- the WebAssembly kernel ----

const modules = new Map<number, WasmModule>();

function kernelModule(S: number, bytes?: Uint8Array): WasmModule {
  let m = modules.get(S);
  if (!m) modules.set(S, (m = new WebAssembly.Module(bytes ?? kernelBytes(S))));
  return m;
}

/** The kernel for S patterns (exported for tests: the bytes must validate). */
export function kernelBytes(S: number): Uint8Array {
  const slots = [...Array(S).keys()];
  const steps = [...Array(UNROLL).keys()];
  const at = (name: string, offset: number) => v128.load(get(name), offset);
  const orAll = (xs: Code[]) => xs.reduce((a, b) => v128.or(a, b));
  const emit = (pos: Code, type: Code) => seq(call('emit', get('n'), pos, type), set('n', i32.add(get('n'), i32c(1))));
  const slot = (k: number, field: number) => i32.load(i32c(0), SLOTS + 48 * k + field);
  // "\nFrom " whole in the data at q, after "\n\n" or "\n\r\n" (not before the data)
  const boundaryAt = seq(
    when(
      i32.and(
        i32.leU(i32.add(get('q'), i32c(6)), get('len')),
        i32.and(i32.eq(i32.load(get('q'), 1), i32c(0x6d6f7246) /* "From" */), i32.eq(i32.load8(get('q'), 5), i32c(0x20))),
      ),
      [
        when(
          i32.or(
            i32.and(i32.gtU(get('q'), get('base')), i32.eq(i32.load8(i32.sub(get('q'), i32c(1))), i32c(LF))),
            i32.and(
              i32.gtU(get('q'), i32.add(get('base'), i32c(1))),
              i32.and(i32.eq(i32.load8(i32.sub(get('q'), i32c(1))), i32c(CR)), i32.eq(i32.load8(i32.sub(get('q'), i32c(2))), i32c(LF))),
            ),
          ),
          [emit(get('q'), select(i32c(0), i32c(1), call('plain', i32.add(get('q'), i32c(1)), get('len'))))],
        ),
      ],
    ),
  );
  const main = {
    name: 'scan',
    export: true,
    params: ['base', 'from', 'len', 'cap'],
    result: true,
    locals: [
      'i', 'n', 'g', 'gend', 'nf', 'union', 'b', 'bit', 'q', 'x',
      'LF:v128', 'FF:v128', 'SP:v128', 'v:v128', 'w:v128',
      ...steps.flatMap((u) => [`v${u}:v128`, `w${u}:v128`, `f${u}:v128`, `h${u}:v128`]),
      ...slots.flatMap((k) => [`T${k}:v128`, `U${k}:v128`, `m${k}`]),
    ],
    code: [
      set('LF', v128.splat8(i32c(LF))),
      set('FF', v128.splat8(i32c(0x46))),
      set('SP', v128.splat8(i32c(0x20))),
      ...slots.flatMap((k) => [set(`T${k}`, v128.load(i32c(0), SLOTS + 48 * k + 16)), set(`U${k}`, v128.load(i32c(0), SLOTS + 48 * k + 32))]),
      set('i', get('from')),
      block(
        'done',
        loop(
          'steps',
          brIf('done', i32.geU(get('i'), get('len'))),
          // room for the events of one step
          brIf('done', i32.gtU(i32.add(get('n'), i32c(16 * UNROLL * (S + 1))), get('cap'))),
          ...steps.flatMap((u) => [set(`v${u}`, at('i', 16 * u)), set(`w${u}`, at('i', 16 * u + 1))]),
          ...(S > 0 ? steps.flatMap((u) => [set(`f${u}`, v128.or(get(`v${u}`), get('SP'))), set(`h${u}`, v128.or(get(`w${u}`), get('SP')))]) : []),
          when(
            v128.anyTrue(
              orAll(
                steps.flatMap((u) => [
                  v128.and(v128.eq8(get(`v${u}`), get('LF')), v128.eq8(get(`w${u}`), get('FF'))),
                  ...slots.map((k) => v128.and(v128.eq8(get(`f${u}`), get(`T${k}`)), v128.eq8(get(`h${u}`), get(`U${k}`)))),
                ]),
              ),
            ),
            [
              // something in these 64 bytes: each 16, bit by bit
              set('g', get('i')),
              set('gend', i32.add(get('i'), i32c(16 * UNROLL))),
              loop(
                'group',
                set('v', v128.load(get('g'))),
                set('w', v128.load(get('g'), 1)),
                set('nf', v128.bitmask8(v128.and(v128.eq8(get('v'), get('LF')), v128.eq8(get('w'), get('FF'))))),
                set('union', get('nf')),
                ...(S > 0 ? [set('v', v128.or(get('v'), get('SP'))), set('w', v128.or(get('w'), get('SP')))] : []),
                ...slots.flatMap((k) => [
                  set(`m${k}`, v128.bitmask8(v128.and(v128.eq8(get('v'), get(`T${k}`)), v128.eq8(get('w'), get(`U${k}`))))),
                  set('union', i32.or(get('union'), get(`m${k}`))),
                ]),
                when(get('union'), [
                  loop(
                    'bits',
                    set('b', i32.ctz(get('union'))),
                    set('bit', i32.shl(i32c(1), get('b'))),
                    set('q', i32.add(get('g'), get('b'))),
                    when(i32.ltU(get('q'), get('len')), [
                      when(i32.and(get('nf'), get('bit')), [boundaryAt]),
                      ...slots.map((k) =>
                        when(i32.and(get(`m${k}`), get('bit')), [
                          set('x', i32.sub(get('q'), slot(k, 0))),
                          when(call('verify', get('x'), get('base'), get('len'), slot(k, 4)), [emit(get('x'), i32c(k + 2))]),
                        ]),
                      ),
                    ]),
                    set('union', i32.and(get('union'), i32.sub(get('union'), i32c(1)))),
                    brIf('bits', get('union')),
                  ),
                ]),
                set('g', i32.add(get('g'), i32c(16))),
                brIf('group', i32.ltU(get('g'), get('gend'))),
              ),
            ],
          ),
          set('i', i32.add(get('i'), i32c(16 * UNROLL))),
          br('steps'),
        ),
      ),
      gset('resume', get('i')),
      get('n'),
    ],
  };
  const emitFn = {
    name: 'emit',
    params: ['n', 'pos', 'type'],
    result: false,
    locals: [],
    code: [
      i32.store(i32.add(i32c(EVENTS), i32.shl(get('n'), i32c(3))), get('pos')),
      i32.store(i32.add(i32c(EVENTS), i32.shl(get('n'), i32c(3))), get('type'), 4),
    ],
  };
  // the whole pattern (record at rec) at x, within [base, len)
  const verify = {
    name: 'verify',
    params: ['x', 'base', 'len', 'rec'],
    result: true,
    locals: ['L', 'j'],
    code: [
      set('L', i32.load(get('rec'))),
      when(i32.ltU(get('x'), get('base')), [ret(i32c(0))]),
      when(i32.gtU(i32.add(get('x'), get('L')), get('len')), [ret(i32c(0))]),
      block(
        'd',
        loop(
          'l',
          brIf('d', i32.geU(get('j'), get('L'))),
          when(
            i32.ne(
              i32.or(i32.load8(i32.add(get('x'), get('j'))), i32.load8(i32.add(i32.add(get('rec'), get('L')), get('j')), 4)),
              i32.load8(i32.add(get('rec'), get('j')), 4),
            ),
            [ret(i32c(0))],
          ),
          set('j', i32.add(get('j'), i32c(1))),
          br('l'),
        ),
      ),
      i32c(1),
    ],
  };
  // plainEnvelopeAt(data, s, len), byte for byte
  const at8 = (k: number) => i32.load8(get('p'), k);
  const isDigit = (c: Code) => i32.ltU(i32.sub(c, i32c(0x30)), i32c(10));
  const isLetterC = (c: Code) => i32.ltU(i32.sub(i32.or(c, i32c(0x20)), i32c(0x61)), i32c(26));
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'].map((m) => (m.charCodeAt(0) << 16) | (m.charCodeAt(1) << 8) | m.charCodeAt(2));
  const all = (xs: Code[]) => xs.reduce((a, b) => i32.and(a, b));
  const plainFn = {
    name: 'plain',
    params: ['s', 'len'],
    result: true,
    locals: ['p', 'c', 'm'],
    code: [
      set('p', i32.add(get('s'), i32c(5))),
      block(
        'sd',
        loop(
          'sl',
          brIf('sd', i32.geU(get('p'), get('len'))),
          set('c', i32.load8(get('p'))),
          brIf('sd', i32.gtU(i32.sub(get('c'), i32c(0x21)), i32c(0x7e - 0x21))),
          set('p', i32.add(get('p'), i32c(1))),
          br('sl'),
        ),
      ),
      when(i32.eq(get('p'), i32.add(get('s'), i32c(5))), [ret(i32c(0))]),
      when(i32.gtU(i32.add(get('p'), i32c(26)), get('len')), [ret(i32c(0))]),
      when(i32.gtU(i32.sub(i32.add(get('p'), i32c(25)), get('s')), i32c(1000)), [ret(i32c(0))]),
      set('m', i32.or(i32.or(i32.shl(at8(5), i32c(16)), i32.shl(at8(6), i32c(8))), at8(7))),
      when(
        i32.eqz(
          all([
            i32.eq(at8(0), i32c(0x20)),
            isLetterC(at8(1)),
            isLetterC(at8(2)),
            isLetterC(at8(3)),
            i32.eq(at8(4), i32c(0x20)),
            months.map((x) => i32.eq(get('m'), i32c(x))).reduce((a, b) => i32.or(a, b)),
            i32.eq(at8(8), i32c(0x20)),
            i32.or(i32.eq(at8(9), i32c(0x20)), isDigit(at8(9))),
            isDigit(at8(10)),
            i32.eq(at8(11), i32c(0x20)),
            isDigit(at8(12)),
            isDigit(at8(13)),
            i32.eq(at8(14), i32c(0x3a)),
            isDigit(at8(15)),
            isDigit(at8(16)),
            i32.eq(at8(17), i32c(0x3a)),
            isDigit(at8(18)),
            isDigit(at8(19)),
            i32.eq(at8(20), i32c(0x20)),
            isDigit(at8(21)),
            isDigit(at8(22)),
            isDigit(at8(23)),
            isDigit(at8(24)),
          ]),
        ),
        [ret(i32c(0))],
      ),
      when(i32.eq(at8(25), i32c(LF)), [ret(i32c(1))]),
      i32.and(i32.and(i32.eq(at8(25), i32c(CR)), i32.ltU(i32.add(get('p'), i32c(26)), get('len'))), i32.eq(at8(26), i32c(LF))),
    ],
  };
  return assemble({ pages: 1, globals: ['resume', 'spaceat'], functions: [main, emitFn, verify, plainFn, headsFn(), atsFn()] });
}

/**
 * `heads(tbl, n, dst, lim)`: for each of n table entries (start, end: a message's bytes in memory;
 * the function writes headerEnd and off), the end of the message's header block (headerEndOf:
 * the offset of the first blank line, `\n\n` or `\n\r\n`, or end) and a copy of the block,
 * ASCII lower-cased, at dst + off, back to back; returns the bytes written. `lim`: the end of the
 * data (a `\r` at lim - 1 has no `\n` after it). Each copy may write 15 bytes past its end.
 * Sets the global `spaceat` to 0 when no block holds a space or tab before "at" (any case), so
 * that the search for pipermail's `ann at example.org` can be skipped (1 says nothing).
 */
function headsFn() {
  const entry = (field: number) => i32.load(get('t'), field);
  return {
    name: 'heads',
    export: true,
    params: ['tbl', 'n', 'dst', 'lim'],
    result: true,
    locals: ['k', 't', 's', 'e', 'h', 'p', 'q', 'm', 'i', 'off', 'LF:v128', 'CR:v128', 'A:v128', 'N26:v128', 'SP:v128', 'v:v128', 'w:v128'].concat(
      ['TAB:v128', 'a:v128', 'tt:v128', 'ats:v128'],
    ),
    code: [
      set('TAB', v128.splat8(i32c(0x09))),
      set('a', v128.splat8(i32c(0x61))),
      set('tt', v128.splat8(i32c(0x74))),
      set('LF', v128.splat8(i32c(LF))),
      set('CR', v128.splat8(i32c(CR))),
      set('A', v128.splat8(i32c(0x41))),
      set('N26', v128.splat8(i32c(26))),
      set('SP', v128.splat8(i32c(0x20))),
      block(
        'all',
        loop(
          'each',
          brIf('all', i32.geU(get('k'), get('n'))),
          set('t', i32.add(get('tbl'), i32.shl(get('k'), i32c(4)))),
          set('s', entry(0)),
          set('e', entry(4)),
          set('h', get('e')),
          set('p', get('s')),
          // the first \n before \n or \r\n, 16 bytes a step
          block(
            'found',
            loop(
              'blocks',
              brIf('found', i32.geU(i32.add(get('p'), i32c(1)), get('e'))),
              set('v', v128.load(get('p'))),
              set('w', v128.load(get('p'), 1)),
              set('m', v128.bitmask8(v128.and(v128.eq8(get('v'), get('LF')), v128.or(v128.eq8(get('w'), get('LF')), v128.eq8(get('w'), get('CR')))))),
              block(
                'none',
                loop(
                  'bits',
                  brIf('none', i32.eqz(get('m'))),
                  set('i', i32.add(get('p'), i32.ctz(get('m')))),
                  brIf('found', i32.geU(i32.add(get('i'), i32c(1)), get('e'))),
                  when(
                    i32.or(
                      i32.eq(i32.load8(get('i'), 1), i32c(LF)),
                      i32.and(i32.ltU(i32.add(get('i'), i32c(2)), get('lim')), i32.eq(i32.load8(get('i'), 2), i32c(LF))),
                    ),
                    [set('h', i32.add(get('i'), i32c(1))), br('found')],
                  ),
                  set('m', i32.and(get('m'), i32.sub(get('m'), i32c(1)))),
                  br('bits'),
                ),
              ),
              set('p', i32.add(get('p'), i32c(16))),
              br('blocks'),
            ),
          ),
          i32.store(get('t'), get('h'), 8),
          i32.store(get('t'), get('off'), 12),
          // the block, A-Z folded: x | ((x - 'A') <u 26 ? 0x20 : 0)
          set('p', get('s')),
          set('q', i32.add(get('dst'), get('off'))),
          block(
            'copied',
            loop(
              'copy',
              brIf('copied', i32.geU(get('p'), get('h'))),
              set('v', v128.load(get('p'))),
              v128.store(get('q'), v128.or(get('v'), v128.and(v128.ltU8(v128.sub8(get('v'), get('A')), get('N26')), get('SP')))),
              // a space or tab before "at" (any case): pipermail's `ann at example.org`, maybe
              set(
                'ats',
                v128.or(
                  get('ats'),
                  v128.and(
                    v128.or(v128.eq8(get('v'), get('SP')), v128.eq8(get('v'), get('TAB'))),
                    v128.and(
                      v128.eq8(v128.or(v128.load(get('p'), 1), get('SP')), get('a')),
                      v128.eq8(v128.or(v128.load(get('p'), 2), get('SP')), get('tt')),
                    ),
                  ),
                ),
              ),
              set('p', i32.add(get('p'), i32c(16))),
              set('q', i32.add(get('q'), i32c(16))),
              br('copy'),
            ),
          ),
          set('off', i32.add(get('off'), i32.sub(get('h'), get('s')))),
          set('k', i32.add(get('k'), i32c(1))),
          br('each'),
        ),
      ),
      gset('spaceat', v128.anyTrue(get('ats'))),
      get('off'),
    ],
  };
}

/** Where the address filter of `ats` lives (free in a kernel without patterns: see ATS_MAX_PATTERNS). */
const AT_CLASSES = 1024; // 256 bytes: the character classes of many.ts
const AT_BITMAP = AT_CLASSES + 256; // the fingerprint bitmap, AT_BITMAP_BYTES
export const AT_BITMAP_BYTES = 1 << 13;

/**
 * `ats(hay, len, out, cap, bound, label)`: many.ts's address scan over hay[0, len), in
 * WebAssembly: each `@` (16 bytes a step), its fingerprint (many.ts's windowOf: up to 6
 * characters of class `bound` before it, 3 of class `label` after, hashed the same way) tested in
 * the bitmap; the offsets of those that pass go to out. Returns how many, or -1 past cap.
 */
function atsFn() {
  const cls = (c: Code) => i32.load8(c, AT_CLASSES);
  return {
    name: 'ats',
    export: true,
    params: ['hay', 'len', 'out', 'cap', 'bound', 'label'],
    result: true,
    locals: ['p', 'end', 'm', 'a', 'j', 'k', 'c', 'lw', 'rw', 'w', 'n', 'AT:v128'],
    code: [
      set('AT', v128.splat8(i32c(0x40))),
      set('p', get('hay')),
      set('end', i32.add(get('hay'), get('len'))),
      block(
        'done',
        loop(
          'blocks',
          brIf('done', i32.geU(get('p'), get('end'))),
          set('m', v128.bitmask8(v128.eq8(v128.load(get('p')), get('AT')))),
          block(
            'none',
            loop(
              'bits',
              brIf('none', i32.eqz(get('m'))),
              set('a', i32.add(get('p'), i32.ctz(get('m')))),
              brIf('done', i32.geU(get('a'), get('end'))),
              // up to 6 characters of class bound before the @
              set('lw', i32c(0)),
              set('j', get('a')),
              set('k', i32c(0)),
              block(
                'lstop',
                loop(
                  'left',
                  brIf('lstop', i32.or(i32.geU(get('k'), i32c(6)), i32.leU(get('j'), get('hay')))),
                  set('j', i32.sub(get('j'), i32c(1))),
                  set('c', i32.load8(get('j'))),
                  brIf('lstop', i32.eqz(i32.and(cls(get('c')), get('bound')))),
                  set('lw', i32.xor(i32.mul(get('lw'), i32c(0x01000193)), get('c'))),
                  set('k', i32.add(get('k'), i32c(1))),
                  br('left'),
                ),
              ),
              // up to 3 of class label after it
              set('rw', i32c(0)),
              set('j', i32.add(get('a'), i32c(1))),
              set('k', i32c(0)),
              block(
                'rstop',
                loop(
                  'right',
                  brIf('rstop', i32.or(i32.geU(get('k'), i32c(3)), i32.geU(get('j'), get('end')))),
                  set('c', i32.load8(get('j'))),
                  brIf('rstop', i32.eqz(i32.and(cls(get('c')), get('label')))),
                  set('rw', i32.or(i32.shl(get('rw'), i32c(7)), get('c'))),
                  set('j', i32.add(get('j'), i32c(1))),
                  set('k', i32.add(get('k'), i32c(1))),
                  br('right'),
                ),
              ),
              set(
                'w',
                i32.shrU(
                  i32.xor(i32.mul(i32.xor(get('lw'), i32c(0x2545f491)), i32c(0x9e3779b1)), i32.mul(i32.xor(get('rw'), i32c(0x68e31da4)), i32c(0x85ebca77))),
                  i32c(32 - Math.log2(AT_BITMAP_BYTES * 8)),
                ),
              ),
              when(i32.and(i32.load8(i32.shrU(get('w'), i32c(3)), AT_BITMAP), i32.shl(i32c(1), i32.and(get('w'), i32c(7)))), [
                when(i32.geU(get('n'), get('cap')), [ret(i32c(-1))]),
                i32.store(i32.add(get('out'), i32.shl(get('n'), i32c(2))), i32.sub(get('a'), get('hay'))),
                set('n', i32.add(get('n'), i32c(1))),
              ]),
              set('m', i32.and(get('m'), i32.sub(get('m'), i32c(1)))),
              br('bits'),
            ),
          ),
          set('p', i32.add(get('p'), i32c(16))),
          br('blocks'),
        ),
      ),
      get('n'),
    ],
  };
}

class WasmKernel implements Kernel {
  readonly wasm = true;
  private readonly memory: WasmMemory;
  private readonly run: (base: number, from: number, len: number, cap: number) => number;
  private readonly resume: WasmGlobal;
  private events: Uint32Array;
  private view: Buffer;

  private readonly heads: (tbl: number, n: number, dst: number, lim: number) => number;
  private readonly ats: (hay: number, len: number, out: number, cap: number, bound: number, label: number) => number;
  private readonly spaceAt: WasmGlobal;
  private atFilter: AtFilter | null = null;

  constructor(
    private readonly patterns: Buffer[],
    bytes?: Uint8Array,
    /** Keep room behind the input area for foldHeaders. */
    private readonly withHeaders = false,
  ) {
    const inst = new WebAssembly.Instance(kernelModule(patterns.length, bytes), {});
    const ex = inst.exports as {
      memory: WasmMemory;
      scan: (b: number, f: number, l: number, c: number) => number;
      heads: (tbl: number, n: number, dst: number, lim: number) => number;
      ats: (hay: number, len: number, out: number, cap: number, bound: number, label: number) => number;
      resume: WasmGlobal;
      spaceat: WasmGlobal;
    };
    this.spaceAt = ex.spaceat;
    this.ats = ex.ats;
    this.memory = ex.memory;
    this.run = ex.scan;
    this.heads = ex.heads;
    this.resume = ex.resume;
    this.grow(this.needed(0));
    const mem = Buffer.from(this.memory.buffer);
    let rec = RECORDS;
    patterns.forEach((p, k) => {
      const { bytes, masks, never } = folded(p);
      mem.writeUInt32LE(rec, SLOTS + 48 * k + 4);
      // a pattern with a capital can never match folded data: a record no byte can satisfy
      mem.writeUInt32LE(p.length, rec);
      mem.set(bytes, rec + 4);
      mem.set(masks, rec + 4 + p.length);
      if (never) mem.fill(0x00, rec + 4, rec + 4 + p.length), mem.fill(0xff, rec + 4 + p.length, rec + 4 + 2 * p.length);
      rec += (4 + 2 * p.length + 3) & ~3;
    });
    this.events = new Uint32Array(this.memory.buffer, EVENTS, EVENT_CAP * 2);
    this.view = Buffer.from(this.memory.buffer, INPUT, this.capacity());
    this.pairs(rarestPairs(patterns, Buffer.alloc(0)));
  }

  // Memory: [INPUT, INPUT + cap) the input area, SLACK; with headers, the heads table (aligned
  // to 16) and an area as large as the input for the folded header blocks (+ 16 for the last copy).
  private needed(cap: number): number {
    return INPUT + cap + SLACK + (this.withHeaders ? 16 + HEADS_TABLE * 16 + cap + 16 : 0);
  }

  /** The input area's size in the memory as it is. */
  private capacity(): number {
    const room = this.memory.buffer.byteLength - INPUT - SLACK;
    return this.withHeaders ? Math.max(0, Math.floor((room - 32 - HEADS_TABLE * 16) / 2)) : room;
  }

  private tuned = false;

  static fits(patterns: Buffer[]): boolean {
    return patterns.length <= MAX_PATTERNS && patterns.every((p) => p.length >= 2) && patterns.reduce((s, p) => s + ((4 + 2 * p.length + 3) & ~3), RECORDS) <= EVENTS;
  }

  private grow(bytes: number): void {
    const have = this.memory.buffer.byteLength;
    if (have >= bytes) return;
    this.memory.grow(Math.ceil((bytes - have) / PAGE));
  }

  reserve(size: number): Buffer {
    if (this.view.length < size) {
      this.grow(this.needed(size));
      this.events = new Uint32Array(this.memory.buffer, EVENTS, EVENT_CAP * 2);
      this.view = Buffer.from(this.memory.buffer, INPUT, this.capacity());
    }
    return this.view;
  }

  useAtFilter(filter: AtFilter): boolean {
    if (!this.withHeaders || this.patterns.length > ATS_MAX_PATTERNS || filter.classes.length !== 256 || filter.bitmap.byteLength !== AT_BITMAP_BYTES) return false;
    const mem = Buffer.from(this.memory.buffer);
    mem.set(filter.classes, AT_CLASSES);
    mem.set(new Uint8Array(filter.bitmap.buffer, filter.bitmap.byteOffset, filter.bitmap.byteLength), AT_BITMAP);
    this.atFilter = filter;
    return true;
  }

  foldHeaders(batch: MessageBatch): FoldedHeaders | null {
    const { buf, starts } = batch;
    if (!this.withHeaders || buf.buffer !== this.memory.buffer || buf.byteOffset !== INPUT) return null;
    const n = starts.length;
    const tbl = (INPUT + this.view.length + SLACK + 15) & ~15;
    const dst = tbl + HEADS_TABLE * 16;
    const t32 = new Int32Array(this.memory.buffer, tbl, HEADS_TABLE * 4);
    const hEnds = new Array<number>(n);
    const offs = new Array<number>(n);
    let total = 0;
    let spaceAt = false;
    for (let k0 = 0; k0 < n; k0 += HEADS_TABLE) {
      const count = Math.min(HEADS_TABLE, n - k0);
      for (let k = 0; k < count; k++) {
        t32[4 * k] = INPUT + starts[k0 + k]!;
        t32[4 * k + 1] = INPUT + messageEnd(batch, k0 + k);
      }
      const wrote = this.heads(tbl, count, dst + total, INPUT + buf.length);
      for (let k = 0; k < count; k++) {
        hEnds[k0 + k] = t32[4 * k + 2]! - INPUT;
        offs[k0 + k] = total + t32[4 * k + 3]!;
      }
      total += wrote;
      spaceAt ||= this.spaceAt.value !== 0;
    }
    const folded: FoldedHeaders = { hay: Buffer.from(this.memory.buffer, dst, total), offs, hEnds, spaceAt };
    if (this.atFilter) {
      // (the events area is free between scans)
      const n = this.ats(dst, total, EVENTS, EVENT_CAP * 2, this.atFilter.bound, this.atFilter.label);
      if (n >= 0) folded.atHits = new Int32Array(this.memory.buffer, EVENTS, n);
    }
    return folded;
  }

  tune(sample: Buffer): void {
    if (this.tuned) return;
    this.tuned = true;
    this.pairs(rarestPairs(this.patterns, sample));
  }

  private pairs(offsets: number[]): void {
    const mem = Buffer.from(this.memory.buffer);
    offsets.forEach((j, k) => {
      const p = this.patterns[k]!;
      mem.writeUInt32LE(j, SLOTS + 48 * k);
      mem.fill(p[j]! | 0x20, SLOTS + 48 * k + 16, SLOTS + 48 * k + 32);
      mem.fill(p[j + 1]! | 0x20, SLOTS + 48 * k + 32, SLOTS + 48 * k + 48);
    });
  }

  scan(len: number, boundary: (h: number, plain: boolean) => void, hit: (x: number, k: number) => void): void {
    if (len > this.view.length) throw new RangeError('scan past the input area');
    const end = INPUT + len;
    let from = INPUT;
    const ev = this.events;
    while (from < end) {
      // (a step may end past `end`; the kernel never acts on those bytes)
      const n = this.run(INPUT, from, end, EVENT_CAP);
      for (let e = 0; e < n; e++) {
        const pos = ev[2 * e]! - INPUT;
        const type = ev[2 * e + 1]!;
        if (type < 2) boundary(pos, type === 0);
        else hit(pos, type - 2);
      }
      from = this.resume.value as number;
    }
  }
}

// ---- the JavaScript kernel ----

class JsKernel implements Kernel {
  readonly wasm = false;
  private buf = Buffer.alloc(0);
  private fold = Buffer.alloc(0);
  private readonly patterns: Array<Buffer | null>;

  constructor(patterns: Buffer[]) {
    this.patterns = patterns.map((p) => (folded(p).never || p.length === 0 ? null : p));
  }

  reserve(size: number): Buffer {
    if (this.buf.length < size) {
      const next = Buffer.allocUnsafeSlow(Math.max(size, 2 * this.buf.length));
      this.buf.copy(next);
      this.buf = next;
    }
    return this.buf;
  }

  tune(): void {}

  foldHeaders(): null {
    return null;
  }

  useAtFilter(): boolean {
    return false;
  }

  scan(len: number, boundary: (h: number, plain: boolean) => void, hit: (x: number, k: number) => void): void {
    const b = this.buf.subarray(0, len);
    for (let h = b.indexOf(NL_FROM); h !== -1; h = b.indexOf(NL_FROM, h + 1)) {
      if ((h >= 1 && b[h - 1] === LF) || (h >= 2 && b[h - 1] === CR && b[h - 2] === LF)) boundary(h, plainEnvelopeAt(b, h + 1, len));
    }
    if (this.patterns.every((p) => p === null)) return;
    if (this.fold.length < len) this.fold = Buffer.allocUnsafeSlow(Math.max(len, 2 * this.fold.length) + 3);
    b.copy(this.fold, 0, 0, len);
    lowerAsciiInPlace(this.fold, len);
    const hay = this.fold.subarray(0, len);
    this.patterns.forEach((p, k) => {
      if (p) for (let x = hay.indexOf(p); x !== -1; x = hay.indexOf(p, x + 1)) hit(x, k);
    });
  }
}

/**
 * A kernel for these patterns (byte strings in lower case: an ASCII capital in a pattern never
 * matches). The WebAssembly one when it can be had, unless `js` is set; `headers`: with room for
 * foldHeaders (discoverMany's kernels); `bytes`: the module,
 * kernelBytes(patterns.length), when the caller has it already (a worker thread is given it).
 */
export function createKernel(patterns: Buffer[], opts: { js?: boolean; bytes?: Uint8Array; headers?: boolean } = {}): Kernel {
  if (!opts.js && WasmKernel.fits(patterns) && (opts.bytes || wasmAvailable())) return new WasmKernel(patterns, opts.bytes, opts.headers);
  return new JsKernel(patterns);
}

/** The module bytes a kernel for these patterns is built from, or null when it would be the JavaScript one. */
export function kernelBytesFor(patterns: Buffer[]): Uint8Array | null {
  return WasmKernel.fits(patterns) && wasmAvailable() ? kernelBytes(patterns.length) : null;
}

let available: boolean | undefined;
function wasmAvailable(): boolean {
  if (available === undefined) {
    try {
      available = typeof WebAssembly === 'object' && WebAssembly.validate(kernelBytes(1));
    } catch {
      available = false;
    }
  }
  return available === true;
}
