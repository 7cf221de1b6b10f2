// The demo config (privacyctl.yaml at the repository's root): its sources, as adapters for tests
// that run on the demo data, with their state kept in the test's own directory.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import type { AdapterFactory, BaseSourceConfig, SourceAdapter } from '../../src/adapters/types.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The demo config's `sources` entries, as written. */
export function demoSources(): Array<Record<string, unknown>> {
  return (parseYaml(fs.readFileSync(path.join(ROOT, 'privacyctl.yaml'), 'utf8')) as { sources: Array<Record<string, unknown>> }).sources;
}

/**
 * The demo source of this factory's kind (or the one `pick` chooses), validated by its schema, and
 * its adapter; its paths are the demo config's, its state under stateDir.
 */
export function demoSource<C extends BaseSourceConfig>(
  factory: AdapterFactory<C>,
  stateDir: string,
  pick: (s: Record<string, unknown>) => boolean = (s) => s['kind'] === factory.kind,
): { cfg: C; adapter: SourceAdapter } {
  const entry = demoSources().find(pick);
  if (!entry) throw new Error(`the demo config has no such ${factory.kind} source`);
  const cfg = factory.schema.parse(entry);
  return { cfg, adapter: factory.create(cfg, { configDir: ROOT, stateDir }) };
}
