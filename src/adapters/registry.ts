// The one place source kinds are registered.
import { csvFactory } from './csv/index.js';
import { gitFactory } from './git/index.js';
import { gitdmFactory } from './gitdm/index.js';
import { githubFactory } from './github/index.js';
import type { AdapterFactory, BaseSourceConfig } from './types.js';

const factories: ReadonlyArray<AdapterFactory<BaseSourceConfig>> = [
  csvFactory as unknown as AdapterFactory<BaseSourceConfig>,
  githubFactory as unknown as AdapterFactory<BaseSourceConfig>,
  gitFactory as unknown as AdapterFactory<BaseSourceConfig>,
  gitdmFactory as unknown as AdapterFactory<BaseSourceConfig>,
];

/** Kinds DESIGN.md names whose adapters are not in this version yet. */
export const PLANNED_KINDS: readonly string[] = ['mbox', 'slack-export', 'sql', 'analytics'];

export function adapterFactory(kind: string): AdapterFactory<BaseSourceConfig> | undefined {
  return factories.find((f) => f.kind === kind);
}

export function knownKinds(): string[] {
  return factories.map((f) => f.kind);
}
