// privacyctl suppressed SUBJECT — is this identity on the erased-people list? For import
// scripts: prints yes/no (and since when) on stdout; exit 0 either way.
import type { Command } from 'commander';
import { resolveSubject } from '../../core/subject.js';
import { StateDir } from '../../state/state-dir.js';
import { SuppressionList } from '../../state/suppression.js';
import type { Runner } from '../main.js';
import { subjectSpec } from '../subject-options.js';

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function registerSuppressed(program: Command, run: Runner): void {
  program
    .command('suppressed')
    .description('is this identity on the erased-people list (salted hashes)? prints yes or no')
    .option('--email <addr>', 'an email address (repeatable)', collect, [])
    .option('--github <handle>', 'a GitHub handle (repeatable)', collect, [])
    .action(
      run<{ email: string[]; github: string[] }>(async (ctx, flags) => {
        const ids = resolveSubject(subjectSpec({ email: flags.email, github: flags.github, includeIdentity: [], expand: false })).filter((i) => i.provenance.via === 'given');
        const list = new SuppressionList(new StateDir(ctx.config().stateDir));
        const answers = ids.map((id) => ({ type: id.type, value: id.value, suppressed: list.lookup(id) !== null, since: list.lookup(id) }));
        if (ctx.out.json) await ctx.out.data(`${JSON.stringify({ results: answers }, null, 2)}\n`);
        else await ctx.out.data(answers.map((a) => (a.suppressed ? `yes ${a.type}:${a.value} since ${a.since}` : `no ${a.type}:${a.value}`)).join('\n') + '\n');
        return 0;
      }),
    );
}
