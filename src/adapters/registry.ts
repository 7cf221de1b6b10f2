// The one place source kinds are registered.
import { analyticsFactory } from './analytics/index.js';
import { csvFactory } from './csv/index.js';
import { gitFactory } from './git/index.js';
import { gitdmFactory } from './gitdm/index.js';
import { githubFactory } from './github/index.js';
import { mboxFactory } from './mbox/index.js';
import { slackExportFactory } from './slack/index.js';
import { sqlFactory } from './sql/index.js';
import type { AdapterFactory, BaseSourceConfig } from './types.js';

const factories: ReadonlyArray<AdapterFactory<BaseSourceConfig>> = [
  csvFactory,
  githubFactory,
  gitFactory,
  gitdmFactory,
  mboxFactory,
  slackExportFactory,
  sqlFactory,
  analyticsFactory,
];

/** Kinds announced whose adapters are not in this version yet (none left). */
export const PLANNED_KINDS: readonly string[] = [];

export function adapterFactory(kind: string): AdapterFactory<BaseSourceConfig> | undefined {
  return factories.find((f) => f.kind === kind);
}

export function adapterFactories(): ReadonlyArray<AdapterFactory<BaseSourceConfig>> {
  return factories;
}

export function knownKinds(): string[] {
  return factories.map((f) => f.kind);
}
