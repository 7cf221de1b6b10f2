// What every command gets: the Output, the config (loaded on demand), and the abort signal
// that Ctrl-C fires.
import type { Command } from 'commander';
import { DEFAULT_CONFIG_FILE, loadConfig, type LoadedConfig } from '../core/config.js';
import type { AdapterLog } from '../adapters/types.js';
import { Output } from './output.js';
import type { Identity } from '../core/identity.js';
import type { AuditFacts } from '../state/audit.js';
import { StateDir } from '../state/state-dir.js';

export interface GlobalOptions {
  config?: string;
  json?: boolean;
  quiet?: boolean;
  verbose?: boolean;
  color?: boolean;
  debug?: boolean;
}

/** What a command tells the audit trail (identities are hashed when the entry is written). */
export interface AuditNotes extends Omit<AuditFacts, 'command' | 'exitCode' | 'subjects'> {
  identities?: Identity[];
}

export class CommandContext {
  private loaded?: LoadedConfig;
  readonly audit: AuditNotes = {};
  /** The ledger request this run works for (--request): the run is recorded on it. */
  requestRun?: string;
  constructor(
    readonly out: Output,
    readonly globals: GlobalOptions,
    readonly signal: AbortSignal,
    readonly version: string,
  ) {}

  get configFile(): string {
    return this.globals.config ?? process.env['PRIVACYCTL_CONFIG'] ?? DEFAULT_CONFIG_FILE;
  }

  config(): LoadedConfig {
    if (!this.loaded) {
      this.loaded = loadConfig(this.configFile);
      // A damaged salt is refused before the command reads or writes anything: its hashes would
      // protect nobody, and the audit entry of a find or export could not be written at the end.
      new StateDir(this.loaded.stateDir).checkSecret('salt');
    }
    return this.loaded;
  }

  /** The config, if this run loaded one (the audit trail lives in its state directory). */
  get loadedConfig(): LoadedConfig | undefined {
    return this.loaded;
  }

  /** Adapter notes go to stderr as plain lines (never identities: adapters are written so). */
  get log(): AdapterLog {
    return { info: (m) => this.out.detail(m), warn: (m) => this.out.warn(m) };
  }
}

/** A command's action: what it does with its context, returning the exit code. */
export type CommandAction<O> = (ctx: CommandContext, opts: O, cmd: Command) => Promise<number>;
/** Wraps an action with what every run shares (Output, audit entry, exit code): made in main.ts. */
export type Runner = <O>(action: CommandAction<O>) => (...args: unknown[]) => Promise<void>;

export function globalsOf(cmd: Command): GlobalOptions {
  return cmd.optsWithGlobals<GlobalOptions>();
}
