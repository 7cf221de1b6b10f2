// privacyctl init — a commented starter privacyctl.yaml.
import { existsSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { writeFileAtomic } from '../../core/atomic-file.js';
import { UsageError } from '../../core/errors.js';
import type { Runner } from '../context.js';

export const STARTER_CONFIG = `# privacyctl configuration — see the README's Configuration section.
# Secrets never go in this file: a source names an environment variable (tokenEnv) or a file.

controller:                  # who answers requests (GDPR Art. 13/15)
  name: Example Project
  contact: privacy@example.org
  # responseDays: 20         # default: one calendar month after receipt (Art. 12(3)); extendable

stateDir: .privacyctl        # journals and salted hashes; relative to this file

sources:
  # One entry per place the project keeps personal data. Paths are relative to this file.
  # - name: survey-2024              # unique; appears in every output
  #   kind: csv
  #   path: data/surveys/2024.csv
  #   delimiter: ","                 # ";" for many European exports
  #   match: { email: [Email], github: [GitHub] }   # columns that hold each identity type
  #   erase: delete-row              # or: { redact: [Email, Name, GitHub] }
  #   links: candidate               # how an email and a handle in one row link: candidate | strong | none
  #   # Art. 15 facts (defaults come from the privacy statement):
  #   purpose: [research]
  #   legalBasis: consent            # consent | contract | legal-obligation | legitimate-interest
  #   recipients: []
  #   retention: "until the survey report is published, then deleted"
  #   origin: "provided by the data subject"
  []
`;

/**
 * The line that lets editors (the YAML language server: VS Code, vim, emacs…) complete and check
 * the file against the JSON Schema shipped in this package: relative when the package sits inside
 * the project (node_modules), absolute otherwise.
 */
function schemaComment(configFile: string): string {
  const schema = fileURLToPath(new URL('../privacyctl.schema.json', import.meta.url));
  const rel = relative(dirname(resolve(configFile)), schema);
  return `# yaml-language-server: $schema=${rel.startsWith('..') || isAbsolute(rel) ? schema : `./${rel}`}`;
}

export function registerInit(program: Command, run: Runner): void {
  program
    .command('init')
    .description('write a commented starter privacyctl.yaml (to -c FILE, or ./privacyctl.yaml)')
    .option('--force', 'overwrite an existing file')
    .action(
      run<{ force?: boolean }>(async (ctx, flags) => {
        const file = ctx.configFile;
        if (existsSync(file) && !flags.force) throw new UsageError(`${file} already exists; nothing written`, 'pass --force to overwrite it');
        await writeFileAtomic(file, `${schemaComment(file)}\n${STARTER_CONFIG}`, 0o644);
        ctx.out.success(`wrote ${file}; add your sources, then run \`privacyctl sources --check\``);
        if (ctx.out.json) await ctx.out.data(`${JSON.stringify({ file })}\n`);
        return 0;
      }),
    );
}
