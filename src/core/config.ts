// privacyctl.yaml: loaded, validated with zod, and resolved against its own directory.
// Every error names the file, the path inside it (sources[3].path) and the fix.
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { adapterFactory, knownKinds, PLANNED_KINDS } from '../adapters/registry.js';
import type { AdapterFactory, Art15Facts, BaseSourceConfig } from '../adapters/types.js';
import { ConfigError } from './errors.js';

export const DEFAULT_CONFIG_FILE = 'privacyctl.yaml';

const topSchema = z.strictObject({
  controller: z
    .strictObject({
      name: z.string().min(1),
      contact: z.string().min(1),
      /** A shorter deadline of the controller's own, in days; without it, one calendar month (Art. 12(3)). */
      responseDays: z.number().int().min(1).max(31).optional(),
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

export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out === '' ? String(p) : `.${String(p)}`;
  return out;
}

function schemaError(file: string, prefix: ReadonlyArray<PropertyKey>, err: z.ZodError): ConfigError {
  const issue = err.issues[0]!;
  let path = [...prefix, ...issue.path];
  let message = issue.message;
  if (issue.code === 'unrecognized_keys') {
    path = [...path, issue.keys[0]!];
    message = 'is not a known key here';
  } else if (issue.code === 'invalid_type' && /received undefined/.test(issue.message)) {
    message = 'is required';
  }
  const more = err.issues.length > 1 ? ` (and ${err.issues.length - 1} more problem${err.issues.length > 2 ? 's' : ''})` : '';
  return new ConfigError(`${file}: ${formatPath(path)} ${message}${more}`, 'fix the config file; `privacyctl init` writes a commented example');
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
  if (!top.success) throw schemaError(file, [], top.error);
  const dir = dirname(abs);
  const names = new Set<string>();
  const sources: LoadedSource[] = top.data.sources.map((entry, index) => {
    const kind = entry.kind;
    if (typeof kind !== 'string' || kind === '') {
      throw new ConfigError(`${file}: sources[${index}].kind is required`, `one of: ${knownKinds().join(', ')}`);
    }
    const factory = adapterFactory(kind);
    if (!factory) {
      const planned = PLANNED_KINDS.includes(kind) ? ' (planned, not in this version)' : '';
      throw new ConfigError(`${file}: sources[${index}].kind "${kind}" is not a known source kind${planned}`, `use one of: ${knownKinds().join(', ')}`);
    }
    const parsed = factory.schema.safeParse(entry);
    if (!parsed.success) throw schemaError(file, ['sources', index], parsed.error);
    const config = parsed.data;
    if (names.has(config.name)) {
      throw new ConfigError(`${file}: sources[${index}].name "${config.name}" is used twice`, 'give every source a unique name');
    }
    names.add(config.name);
    const facts: Art15Facts = {
      categories: config.categories ?? factory.defaults.categories,
      purpose: config.purpose ?? factory.defaults.purpose,
      legalBasis: config.legalBasis ?? factory.defaults.legalBasis,
      recipients: config.recipients ?? factory.defaults.recipients,
      retention: config.retention ?? factory.defaults.retention,
      origin: config.origin ?? factory.defaults.origin,
    };
    return { index, name: config.name, kind, optional: config.optional === true, config, facts, factory };
  });
  const stateDir = isAbsolute(top.data.stateDir) ? top.data.stateDir : resolve(dir, top.data.stateDir);
  return { file: abs, dir, controller: top.data.controller ?? DEFAULT_CONTROLLER, stateDir, sources };
}
