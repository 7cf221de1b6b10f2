// A minimal WebAssembly assembler: just what the mbox scan kernel (kernel.ts) needs, so that the
// kernel is built at run time from readable code, specialised for its number of search patterns,
// with no binary blob in the tree and no build tool. Code is a tree of emitters; each writes its
// operands first and then its opcode (WebAssembly's stack order), so expressions nest as in the
// text format's folded form: i32.add(get('a'), i32c(1)).

/** An emitter: writes its bytes into the function being assembled. */
export type Code = (fn: FnBuilder) => void;

const I32 = 0x7f;
const V128 = 0x7b;

function uleb(n: number, out: number[]): void {
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
}

function sleb(n: number, out: number[]): void {
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return;
    }
    out.push(b | 0x80);
  }
}

export class FnBuilder {
  readonly out: number[] = [];
  private readonly labels: string[] = [];
  private readonly locals = new Map<string, number>();
  private readonly localTypes: number[] = [];

  constructor(
    readonly params: string[],
    private readonly funcs: Map<string, number>,
    private readonly globals: Map<string, number>,
  ) {
    params.forEach((p, i) => this.locals.set(p, i));
  }

  /** Declare locals: `name` (i32) or `name:v128`. */
  declare(...names: string[]): void {
    for (const n of names) {
      const [name, type] = n.split(':') as [string, string | undefined];
      if (this.locals.has(name)) throw new Error(`wasm: local ${name} declared twice`);
      this.locals.set(name, this.params.length + this.localTypes.length);
      this.localTypes.push(type === 'v128' ? V128 : I32);
    }
  }

  local(name: string): number {
    const i = this.locals.get(name);
    if (i === undefined) throw new Error(`wasm: no local ${name}`);
    return i;
  }
  global(name: string): number {
    const i = this.globals.get(name);
    if (i === undefined) throw new Error(`wasm: no global ${name}`);
    return i;
  }
  func(name: string): number {
    const i = this.funcs.get(name);
    if (i === undefined) throw new Error(`wasm: no function ${name}`);
    return i;
  }
  /** Branch depth of an enclosing block/loop/if label. */
  depth(label: string): number {
    const i = this.labels.lastIndexOf(label);
    if (i === -1) throw new Error(`wasm: no label ${label}`);
    return this.labels.length - 1 - i;
  }
  enter(label: string): void {
    this.labels.push(label);
  }
  leave(): void {
    this.labels.pop();
  }

  /** The function body: locals, code, end. */
  body(): number[] {
    const b: number[] = [];
    // one entry per local (count 1): simple, and the kernel has few
    uleb(this.localTypes.length, b);
    for (const t of this.localTypes) b.push(1, t);
    b.push(...this.out, 0x0b);
    const sized: number[] = [];
    uleb(b.length, sized);
    return [...sized, ...b];
  }
}

// ---- instructions ----

const op =
  (...bytes: number[]) =>
  (...args: Code[]): Code =>
  (fn) => {
    for (const a of args) a(fn);
    fn.out.push(...bytes);
  };
const simd =
  (code: number) =>
  (...args: Code[]): Code =>
  (fn) => {
    for (const a of args) a(fn);
    fn.out.push(0xfd);
    uleb(code, fn.out);
  };
const mem =
  (prefix: number[], align: number) =>
  (addr: Code, offset = 0): Code =>
  (fn) => {
    addr(fn);
    fn.out.push(...prefix);
    uleb(align, fn.out);
    uleb(offset, fn.out);
  };
const store =
  (prefix: number[], align: number) =>
  (addr: Code, value: Code, offset = 0): Code =>
  (fn) => {
    addr(fn);
    value(fn);
    fn.out.push(...prefix);
    uleb(align, fn.out);
    uleb(offset, fn.out);
  };

export const seq =
  (...cs: Code[]): Code =>
  (fn) => {
    for (const c of cs) c(fn);
  };
export const get =
  (name: string): Code =>
  (fn) => {
    fn.out.push(0x20);
    uleb(fn.local(name), fn.out);
  };
export const set =
  (name: string, value: Code): Code =>
  (fn) => {
    value(fn);
    fn.out.push(0x21);
    uleb(fn.local(name), fn.out);
  };
export const gget =
  (name: string): Code =>
  (fn) => {
    fn.out.push(0x23);
    uleb(fn.global(name), fn.out);
  };
export const gset =
  (name: string, value: Code): Code =>
  (fn) => {
    value(fn);
    fn.out.push(0x24);
    uleb(fn.global(name), fn.out);
  };
export const i32c =
  (n: number): Code =>
  (fn) => {
    fn.out.push(0x41);
    sleb(n | 0, fn.out);
  };
export const call =
  (name: string, ...args: Code[]): Code =>
  (fn) => {
    for (const a of args) a(fn);
    fn.out.push(0x10);
    uleb(fn.func(name), fn.out);
  };
export const ret =
  (value?: Code): Code =>
  (fn) => {
    value?.(fn);
    fn.out.push(0x0f);
  };
export const select =
  (a: Code, b: Code, cond: Code): Code =>
  (fn) => {
    a(fn);
    b(fn);
    cond(fn);
    fn.out.push(0x1b);
  };

/** A block (branch to its label: go past its end). */
export const block =
  (label: string, ...body: Code[]): Code =>
  (fn) => {
    fn.out.push(0x02, 0x40);
    fn.enter(label);
    for (const c of body) c(fn);
    fn.leave();
    fn.out.push(0x0b);
  };
/** A loop (branch to its label: go back to its start). */
export const loop =
  (label: string, ...body: Code[]): Code =>
  (fn) => {
    fn.out.push(0x03, 0x40);
    fn.enter(label);
    for (const c of body) c(fn);
    fn.leave();
    fn.out.push(0x0b);
  };
export const when =
  (cond: Code, then: Code[], otherwise?: Code[]): Code =>
  (fn) => {
    cond(fn);
    fn.out.push(0x04, 0x40);
    fn.enter('');
    for (const c of then) c(fn);
    if (otherwise) {
      fn.out.push(0x05);
      for (const c of otherwise) c(fn);
    }
    fn.leave();
    fn.out.push(0x0b);
  };
export const br =
  (label: string): Code =>
  (fn) => {
    fn.out.push(0x0c);
    uleb(fn.depth(label), fn.out);
  };
export const brIf =
  (label: string, cond: Code): Code =>
  (fn) => {
    cond(fn);
    fn.out.push(0x0d);
    uleb(fn.depth(label), fn.out);
  };

export const i32 = {
  load: mem([0x28], 2),
  load8: mem([0x2d], 0),
  store: store([0x36], 2),
  eqz: op(0x45),
  eq: op(0x46),
  ne: op(0x47),
  ltS: op(0x48),
  ltU: op(0x49),
  gtU: op(0x4b),
  leU: op(0x4d),
  geU: op(0x4f),
  ctz: op(0x68),
  add: op(0x6a),
  sub: op(0x6b),
  mul: op(0x6c),
  and: op(0x71),
  or: op(0x72),
  xor: op(0x73),
  shl: op(0x74),
  shrU: op(0x76),
};

export const v128 = {
  load: mem([0xfd, 0x00], 0),
  store: store([0xfd, 0x0b], 0),
  splat8: simd(15), // i8x16.splat
  eq8: simd(35), // i8x16.eq
  ltU8: simd(38), // i8x16.lt_u
  sub8: simd(113), // i8x16.sub
  and: simd(78),
  or: simd(80),
  anyTrue: simd(83),
  bitmask8: simd(100), // i8x16.bitmask
};

// ---- the module ----

export interface FnSpec {
  name: string;
  params: string[];
  /** i32 result (or none). */
  result: boolean;
  locals: string[];
  code: Code[];
  export?: boolean;
}

/**
 * A module with one exported memory (`memory`, `pages` initial), mutable i32 globals (exported
 * under their names) and the given functions (parameters are i32).
 */
export function assemble(spec: { pages: number; globals: string[]; functions: FnSpec[] }): Uint8Array {
  const funcs = new Map(spec.functions.map((f, i) => [f.name, i]));
  const globals = new Map(spec.globals.map((g, i) => [g, i]));
  const section = (id: number, content: number[]): number[] => {
    const out = [id];
    uleb(content.length, out);
    return [...out, ...content];
  };
  const vec = (items: number[][]): number[] => {
    const out: number[] = [];
    uleb(items.length, out);
    for (const it of items) out.push(...it);
    return out;
  };
  const name = (s: string): number[] => {
    const b = [...Buffer.from(s, 'utf8')];
    const out: number[] = [];
    uleb(b.length, out);
    return [...out, ...b];
  };
  // one type per function (they are few)
  const types = spec.functions.map((f) => [0x60, ...vec(f.params.map(() => [I32])), ...vec(f.result ? [[I32]] : [])]);
  const bodies = spec.functions.map((f) => {
    const fn = new FnBuilder(f.params, funcs, globals);
    fn.declare(...f.locals);
    for (const c of f.code) c(fn);
    return fn.body();
  });
  const pages: number[] = [];
  uleb(spec.pages, pages);
  const exports: number[][] = [[...name('memory'), 0x02, 0x00]];
  spec.globals.forEach((g, i) => exports.push([...name(g), 0x03, ...uleb1(i)]));
  spec.functions.forEach((f, i) => {
    if (f.export) exports.push([...name(f.name), 0x00, ...uleb1(i)]);
  });
  const bytes = [
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vec(types)),
    ...section(3, vec(spec.functions.map((_, i) => uleb1(i)))),
    ...section(5, vec([[0x00, ...pages]])),
    ...section(6, vec(spec.globals.map(() => [I32, 0x01, 0x41, 0x00, 0x0b]))),
    ...section(7, vec(exports)),
    ...section(10, vec(bodies)),
  ];
  return Uint8Array.from(bytes);
}

function uleb1(n: number): number[] {
  const out: number[] = [];
  uleb(n, out);
  return out;
}
