// privacyctl suppressed SUBJECT — is this identity on the erased-people list? For import
// scripts: prints yes/no (and since when) on stdout, and exits as `grep -q` does: 0 when an
// identity given is on the list, 1 when none is.
import type { Command } from 'commander';
import { ExitCode } from '../../core/errors.js';
import { resolveSubject } from '../../core/subject.js';
import { StateDir } from '../../state/state-dir.js';
import { SuppressionList } from '../../state/suppression.js';
import type { Runner } from '../context.js';
import { addIdentityOptions, subjectSpec } from '../subject-options.js';
import type { SuppressedResult } from '../results.js';

/** "no": as `grep -q` exits when nothing matched. */
const NOT_SUPPRESSED = 1;

export function registerSuppressed(program: Command, run: Runner): void {
  addIdentityOptions(
    program.command('suppressed').description('is this identity on the erased-people list (salted hashes)? prints yes or no; exit 0 yes, 1 no'),
  ).action(
    run<{ email?: string[]; github?: string[] }>(async (ctx, flags) => {
      const ids = resolveSubject(subjectSpec({ email: flags.email, github: flags.github, includeIdentity: [], expand: false })).filter(
        (i) => i.provenance.via === 'given',
      );
      const list = new SuppressionList(new StateDir(ctx.config().stateDir));
      const answers = ids.map((id) => {
        const since = list.lookup(id);
        return { type: id.type, value: id.value, suppressed: since !== null, since };
      });
      if (ctx.out.json) await ctx.out.data(`${JSON.stringify({ results: answers } satisfies SuppressedResult, null, 2)}\n`);
      else await ctx.out.data(answers.map((a) => (a.suppressed ? `yes ${a.type}:${a.value} since ${a.since}` : `no ${a.type}:${a.value}`)).join('\n') + '\n');
      return answers.some((a) => a.suppressed) ? ExitCode.OK : NOT_SUPPRESSED;
    }),
  );
}
