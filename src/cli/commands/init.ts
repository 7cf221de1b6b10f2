// privacyctl init — a commented starter privacyctl.yaml with an example of every source kind.
import { existsSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { writeFileAtomic } from '../../core/atomic-file.js';
import { adapterFactory } from '../../adapters/registry.js';
import { UsageError } from '../../core/errors.js';
import type { Runner } from '../context.js';

/** The lines of each kind's example that say where the data is and how it is erased (facts follow). */
const KIND_EXAMPLES: Record<string, string> = {
  csv: `- name: survey-2024              # unique; appears in every output
  kind: csv
  path: data/surveys/2024.csv
  delimiter: ","                 # ";" for many European exports
  match: { email: [Email], github: [GitHub] }   # columns that hold each identity type
  erase: delete-row              # or: { redact: [Email, Name, GitHub] }
  links: candidate               # how an email and a handle in one row link: candidate | strong | none`,
  git: `- name: project-repo
  kind: git
  repos: [clones/project]        # bare or non-bare clones, or .bundle files
  peopleFiles: true              # read OWNERS, MAINTAINERS, CODEOWNERS, .mailmap at the tip`,
  gitdm: `- name: gitdm-affiliations
  kind: gitdm
  files: [gitdm/developers_affiliations1.txt, gitdm/email-map]
  erase: remove-lines            # or: forbidden-hashes`,
  github: `- name: project-github
  kind: github
  org: example-org
  tokenEnv: GITHUB_TOKEN         # a token with the read:org scope; never the token itself
  erase: { removeFromOrg: false }`,
  mbox: `- name: dev-list
  kind: mbox
  paths: ["archives/*.mbox"]
  erase: retain                  # or: redact (the person's address and name in every message)`,
  'slack-export': `- name: slack
  kind: slack-export
  path: exports/slack            # the unzipped workspace export
  erase: { messages: retain }    # or: { messages: redact }`,
  sql: `- name: accounts
  kind: sql
  url: postgres://privacyctl@db.internal/website   # or: sqlite: { path: data/accounts.db }
  passwordEnv: ACCOUNTS_DB_PASSWORD
  tables:
    - table: accounts
      key: id
      match: { email: [email], github: [github_login] }
      erase: delete`,
  analytics: `- name: web-analytics
  kind: analytics
  ga: { propertyId: "123456789", tokenEnv: GA_TOKEN }
  accessLogs: ["/var/log/nginx/access.log*"]`,
};

/** Every kind `init` can write, in the order it writes them. */
export const INIT_KINDS = Object.keys(KIND_EXAMPLES);

const yamlString = (v: string) => JSON.stringify(v);

/**
 * One kind's example with the kind's suggested Art. 15 facts written out: the reply states only
 * what the config says, so the suggestions go into the file, as text the controller checks and edits.
 */
export function kindExample(kind: string): string {
  const factory = adapterFactory(kind);
  const example = KIND_EXAMPLES[kind];
  if (!factory || example === undefined) throw new UsageError(`init cannot write an example of kind "${kind}"`, `one of: ${INIT_KINDS.join(', ')}`);
  const f = factory.suggestedFacts;
  const facts = [
    '# Art. 15 facts: the reply to the person states exactly these; check and edit them.',
    `categories: [${f.categories.join(', ')}]`,
    `purpose: [${f.purpose.map(yamlString).join(', ')}]`,
    `legalBasis: ${f.legalBasis}${' '.repeat(Math.max(1, 24 - f.legalBasis.length))}# consent | contract | legal-obligation | legitimate-interest`,
    `recipients: [${f.recipients.map(yamlString).join(', ')}]${f.recipients.length === 0 ? '   # [] = nobody outside the project' : ''}`,
    `retention: ${yamlString(f.retention)}`,
    `origin: ${yamlString(f.origin)}`,
    `transfers: ${yamlString(f.transfers)}`,
  ].map((l) => `  ${l}`);
  return [example, ...facts].join('\n');
}

/** A commented starter config with an example of each of `kinds`. */
export function starterConfig(kinds: readonly string[] = INIT_KINDS): string {
  const examples = kinds
    .map((k) =>
      kindExample(k)
        .split('\n')
        .map((l) => `  # ${l}`)
        .join('\n'),
    )
    .join('\n\n');
  return `# privacyctl configuration — see the README's Configuration section.
# Secrets never go in this file: a source names an environment variable (tokenEnv) or a file.

controller:                  # who answers requests (GDPR Art. 13/15)
  name: Example Project
  contact: privacy@example.org
  # responseDays: 20         # default: one calendar month after receipt (Art. 12(3)); extendable
  # The reply to the person states these; left out, it says "not stated".
  # privacyStatement: https://example.org/privacy
  # automatedDecisions: "none: no decision about you is made by automated means, and no profiling"
  # supervisoryAuthority:    # Art. 77: where a complaint can go
  #   name: "the data protection authority of the country you are established in"
  #   address: "street, city"
  #   url: https://authority.example

stateDir: .privacyctl        # journals and salted hashes; relative to this file

sources:
  # One entry per place the project keeps personal data. Paths are relative to this file.
  # Uncomment and edit the examples that apply.
${examples}
  []
`;
}

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
    .option('--kinds <list>', `examples of these source kinds only, comma-separated (default: all of ${INIT_KINDS.join(', ')})`)
    .action(
      run<{ force?: boolean; kinds?: string }>(async (ctx, flags) => {
        const file = ctx.configFile;
        const kinds =
          flags.kinds === undefined
            ? INIT_KINDS
            : flags.kinds
                .split(',')
                .map((k) => k.trim())
                .filter(Boolean);
        const unknown = kinds.filter((k) => !INIT_KINDS.includes(k));
        if (unknown.length > 0)
          throw new UsageError(
            `--kinds: unknown source kind${unknown.length === 1 ? '' : 's'} ${unknown.join(', ')}`,
            `one or more of: ${INIT_KINDS.join(', ')}`,
          );
        if (existsSync(file) && !flags.force) throw new UsageError(`${file} already exists; nothing written`, 'pass --force to overwrite it');
        await writeFileAtomic(file, `${schemaComment(file)}\n${starterConfig(kinds)}`, 0o644);
        ctx.out.success(`wrote ${file}; add your sources, then run \`privacyctl sources --check\``);
        if (ctx.out.json) await ctx.out.data(`${JSON.stringify({ file })}\n`);
        return 0;
      }),
    );
}
