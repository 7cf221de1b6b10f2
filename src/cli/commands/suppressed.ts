// privacyctl suppressed SUBJECT — is this identity on the erased-people list? For import
// scripts: prints yes/no (and since when) on stdout; exit 0 either way.
import type { Command } from 'commander';
import { resolveSubject } from '../../core/subject.js';
import { StateDir } from '../../state/state-dir.js';
import { SuppressionList } from '../../state/suppression.js';
import type { Runner } from '../main.js';
import { addIdentityOptions, subjectSpec } from '../subject-options.js';


export function registerSuppressed(program: Command, run: Runner): void {
  addIdentityOptions(program.command('suppressed').description('is this identity on the erased-people list (salted hashes)? prints yes or no')).action(
    run<{ email: string[]; github: string[] }>(async (ctx, flags) => {
      const ids = resolveSubject(subjectSpec({ email: flags.email, github: flags.github, includeIdentity: [], expand: false })).filter((i) => i.provenance.via === 'given');
      const list = new SuppressionList(new StateDir(ctx.config().stateDir));
      const answers = ids.map((id) => {
        const since = list.lookup(id);
        return { type: id.type, value: id.value, suppressed: since !== null, since };
      });
      if (ctx.out.json) await ctx.out.data(`${JSON.stringify({ results: answers }, null, 2)}\n`);
      else await ctx.out.data(answers.map((a) => (a.suppressed ? `yes ${a.type}:${a.value} since ${a.since}` : `no ${a.type}:${a.value}`)).join('\n') + '\n');
      return 0;
    }),
  );
}
