// privacyctl.yaml: loaded, validated with zod, and resolved against its own directory.
// Every error names the file, the path inside it (sources[3].path) and the fix.
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { adapterFactories, adapterFactory, knownKinds, PLANNED_KINDS } from '../adapters/registry.js';
import type { AdapterFactory, Art15Facts, BaseSourceConfig } from '../adapters/types.js';
import { didYouMean, problemsOf, type ConfigProblem } from './config-problems.js';
import { ConfigError } from './errors.js';
import { FACT_KEYS } from './facts.js';

export const DEFAULT_CONFIG_FILE = 'privacyctl.yaml';

const topSchema = z.strictObject({
  controller: z
    .strictObject({
      name: z.string().min(1),
      contact: z.string().min(1),
      /** A shorter deadline of the controller's own, in days; without it, one calendar month (Art. 12(3)). */
      responseDays: z.number().int().min(1).max(31).optional(),
      /** Where the person can read the privacy statement (a URL or a title); linked from the reply. */
      privacyStatement: z.string().min(1).optional(),
      /** Art. 15(1)(h): whether automated decision-making or profiling takes place, and its logic. */
      automatedDecisions: z.string().min(1).optional(),
      /** Art. 15(1)(f), Art. 77: the supervisory authority a complaint can go to. */
      supervisoryAuthority: z.strictObject({ name: z.string().min(1), address: z.string().min(1).optional(), url: z.string().min(1).optional() }).optional(),
    })
    .optional(),
  stateDir: z.string().min(1).default('.privacyctl'),
  sources: z.array(z.looseObject({ name: z.unknown().optional(), kind: z.unknown().optional() })).default([]),
});

export interface Controller {
  name: string;
  contact: string;
  /** Days to answer in, when shorter than the one calendar month Art. 12(3) allows. */
  responseDays?: number | undefined;
  privacyStatement?: string | undefined;
  automatedDecisions?: string | undefined;
  supervisoryAuthority?: { name: string; address?: string | undefined; url?: string | undefined } | undefined;
}

export interface LoadedSource {
  index: number;
  name: string;
  kind: string;
  /** May go unsearched (no token) without making the run partial; still named in every output. */
  optional: boolean;
  config: BaseSourceConfig;
  facts: Art15Facts;
  factory: AdapterFactory<BaseSourceConfig>;
}

export interface LoadedConfig {
  file: string;
  dir: string;
  controller: Controller;
  stateDir: string;
  sources: LoadedSource[];
}

const DEFAULT_CONTROLLER: Controller = { name: 'the project', contact: 'the project privacy team' };

function sourceEntries(v: unknown): Array<Record<string, unknown>> {
  return Array.isArray(v) ? v.filter((e): e is Record<string, unknown> => e !== null && typeof e === 'object' && !Array.isArray(e)) : [];
}

/** One error for every problem of the file, each on a line: path, what is wrong, what was meant. */
function configError(file: string, problems: ConfigProblem[]): ConfigError {
  const hint = 'fix the config file; `privacyctl init` writes a commented example of every source kind';
  if (problems.length === 1) return new ConfigError(`${file}: ${problems[0]!.path} ${problems[0]!.message}`, hint);
  return new ConfigError(`${file}: ${problems.length} problems:\n${problems.map((p) => `  ${p.path} ${p.message}`).join('\n')}`, hint);
}

export function loadConfig(file: string): LoadedConfig {
  const abs = resolve(file);
  let text: string;
  try {
    text = readFileSync(abs, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new ConfigError(`${file}: no such config file`, 'run `privacyctl init` to write one, or pass -c FILE (or set PRIVACYCTL_CONFIG)');
    }
    throw new ConfigError(`${file}: cannot read the config file (${code ?? String(err)})`, 'check its permissions');
  }
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const where = e.linePos?.[0] ? ` at line ${e.linePos[0].line}, column ${e.linePos[0].col}` : '';
    throw new ConfigError(`${file}: not valid YAML${where}: ${e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`, 'fix the YAML syntax');
  }
  const raw: unknown = doc.toJS() ?? {};
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ConfigError(`${file}: the config must be a YAML mapping (controller, stateDir, sources)`, 'see `privacyctl init` for the layout');
  }
  const top = topSchema.safeParse(raw);
  const problems: ConfigProblem[] = top.success ? [] : problemsOf(top.error, raw, [], topSchema);
  // The sources are checked even when something above them is wrong: every problem at once.
  const entries = top.success ? top.data.sources : sourceEntries((raw as Record<string, unknown>)['sources']);
  const dir = dirname(abs);
  const names = new Set<string>();
  const sources: LoadedSource[] = entries.flatMap((entry, index) => {
    const kind = entry.kind;
    if (typeof kind !== 'string' || kind === '') {
      problems.push({ path: `sources[${index}].kind`, message: `is required (one of: ${knownKinds().join(', ')})` });
      return [];
    }
    const factory = adapterFactory(kind);
    if (!factory) {
      const planned = PLANNED_KINDS.includes(kind) ? ' (planned, not in this version)' : '';
      const guess = didYouMean(kind, knownKinds());
      problems.push({
        path: `sources[${index}].kind`,
        message: `"${kind}" is not a known source kind${planned}${guess ? `; did you mean "${guess}"?` : ` (one of: ${knownKinds().join(', ')})`}`,
      });
      return [];
    }
    const parsed = factory.schema.safeParse(entry);
    if (!parsed.success) {
      problems.push(...problemsOf(parsed.error, entry, ['sources', index], factory.schema));
      return [];
    }
    const config = parsed.data;
    if (names.has(config.name)) {
      problems.push({ path: `sources[${index}].name`, message: `"${config.name}" is used twice: give every source a unique name` });
      return [];
    }
    names.add(config.name);
    // Only what the controller wrote: a fact left out is reported as not stated, never guessed.
    const facts: Art15Facts = Object.fromEntries(FACT_KEYS.flatMap((k) => (config[k] === undefined ? [] : [[k, config[k]]])));
    return [{ index, name: config.name, kind, optional: config.optional === true, config, facts, factory }];
  });
  if (problems.length > 0 || !top.success) throw configError(file, problems);
  const stateDir = isAbsolute(top.data.stateDir) ? top.data.stateDir : resolve(dir, top.data.stateDir);
  return { file: abs, dir, controller: top.data.controller ?? DEFAULT_CONTROLLER, stateDir, sources };
}

/**
 * The JSON Schema of privacyctl.yaml, made from the same zod schemas that check it (written to
 * dist/privacyctl.schema.json by the build; `init` points editors at it).
 */
export function configJsonSchema(): Record<string, unknown> {
  const kinds = adapterFactories().map((f) => f.schema) as unknown as [z.ZodType, z.ZodType, ...z.ZodType[]];
  const whole = topSchema.extend({ sources: z.array(z.union(kinds)).optional() });
  return {
    ...(z.toJSONSchema(whole, { io: 'input', unrepresentable: 'any', target: 'draft-7' }) as Record<string, unknown>),
    title: 'privacyctl.yaml',
    description: 'The configuration of privacyctl: who answers requests, where state is kept, and every source of personal data.',
  };
}
