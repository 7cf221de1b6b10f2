// What is wrong with a config, in words a person can act on: every problem at once, each with its
// path inside the file, what was expected, and — for a misspelt key — what was probably meant.
// zod's issues say what failed; the JSON Schema of the same zod schema says which keys exist.
import leven from 'leven';
import { z } from 'zod';

export interface ConfigProblem {
  /** `sources[2].tables[0].key` */
  path: string;
  /** What is wrong and what was expected: "must be a list, not text". */
  message: string;
}

type JsonSchema = {
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  additionalProperties?: JsonSchema | boolean;
};

const jsonSchemas = new WeakMap<z.ZodType, JsonSchema>();

/** The JSON Schema of a zod schema, as the config's input (before defaults and transforms). */
export function jsonSchemaOf(schema: z.ZodType): JsonSchema {
  let js = jsonSchemas.get(schema);
  if (!js) {
    js = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
    jsonSchemas.set(schema, js);
  }
  return js;
}

export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out === '' ? String(p) : `.${String(p)}`;
  return out;
}

/** The keys an object at `path` may have, per the JSON Schema (every branch of a union). */
function knownKeys(schema: JsonSchema, path: ReadonlyArray<PropertyKey>): string[] {
  let here: JsonSchema[] = [schema];
  for (const seg of path) {
    here = here.flatMap(branches).flatMap((s) => {
      if (typeof seg === 'number') return s.items ? [s.items] : [];
      const p = s.properties?.[String(seg)] ?? (typeof s.additionalProperties === 'object' ? s.additionalProperties : undefined);
      return p ? [p] : [];
    });
  }
  return [...new Set(here.flatMap(branches).flatMap((s) => Object.keys(s.properties ?? {})))];
}

function branches(s: JsonSchema): JsonSchema[] {
  const alts = [...(s.anyOf ?? []), ...(s.oneOf ?? []), ...(s.allOf ?? [])];
  return alts.length === 0 ? [s] : [s, ...alts.flatMap(branches)];
}

/** The closest of `candidates` to `word`, if it is close enough to be a typo. */
export function didYouMean(word: string, candidates: readonly string[]): string | undefined {
  let best: { c: string; d: number } | undefined;
  for (const c of candidates) {
    const d = leven(word.toLowerCase(), c.toLowerCase());
    if (!best || d < best.d) best = { c, d };
  }
  return best && best.d <= Math.max(1, Math.floor(word.length / 3)) ? best.c : undefined;
}

function valueAt(root: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let v = root;
  for (const seg of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[seg];
  }
  return v;
}

const TYPE_WORDS: Record<string, string> = {
  array: 'a list ([a, b])',
  object: 'a mapping (key: value)',
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
};

function describeValue(v: unknown): string {
  if (Array.isArray(v)) return 'a list';
  if (v === null) return 'empty (null)';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return `text ("${v.length > 30 ? `${v.slice(0, 30)}…` : v}")`;
  return `${typeof v} (${String(v)})`;
}

/** Our own messages start with "must"; zod's generic ones are replaced by plain words. */
function ownMessage(message: string): boolean {
  return !/^Invalid (input|option|value)|^Unrecognized key|^Too (small|big)/.test(message);
}

/**
 * The problems zod found in `input` (the part of the config at `prefix`), one per issue, with
 * "did you mean" for unknown keys.
 */
export function problemsOf(error: z.ZodError, input: unknown, prefix: ReadonlyArray<PropertyKey>, schema: z.ZodType): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  for (const issue of error.issues) {
    const path = [...prefix, ...issue.path];
    const value = valueAt(input, issue.path);
    switch (issue.code) {
      case 'unrecognized_keys': {
        const known = knownKeys(jsonSchemaOf(schema), issue.path);
        for (const key of issue.keys) {
          const guess = didYouMean(key, known);
          out.push({
            path: formatPath([...path, key]),
            message: `is not a known key here${guess ? `; did you mean "${guess}"?` : known.length ? ` (known here: ${known.join(', ')})` : ''}`,
          });
        }
        break;
      }
      case 'invalid_type':
        out.push({
          path: formatPath(path),
          message:
            value === undefined
              ? 'is required'
              : ownMessage(issue.message)
                ? issue.message
                : `must be ${TYPE_WORDS[issue.expected] ?? issue.expected}, not ${describeValue(value)}`,
        });
        break;
      case 'invalid_value':
        out.push({
          path: formatPath(path),
          message: ownMessage(issue.message) ? issue.message : `must be one of ${issue.values.map((x) => JSON.stringify(x)).join(', ')}`,
        });
        break;
      case 'too_small':
        out.push({
          path: formatPath(path),
          message: ownMessage(issue.message)
            ? issue.message
            : issue.origin === 'array'
              ? `must list at least ${issue.minimum} item${issue.minimum === 1 ? '' : 's'}`
              : issue.origin === 'string'
                ? 'must not be empty'
                : `must be at least ${issue.minimum}`,
        });
        break;
      case 'too_big':
        out.push({ path: formatPath(path), message: ownMessage(issue.message) ? issue.message : `must be at most ${issue.maximum}` });
        break;
      default:
        out.push({ path: formatPath(path), message: issue.message });
    }
  }
  return out;
}
