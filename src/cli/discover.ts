// Discovery as the per-person commands run it: subject flags → identities → engine, with
// progress on stderr.
import { discover, summarize, type Discovery } from '../core/engine.js';
import { resolveSubject } from '../core/subject.js';
import type { CommandContext } from './context.js';
import { discoveryProgress } from './progress.js';
import { subjectSpec, type SubjectFlags } from './subject-options.js';

export async function discoverSubject(ctx: CommandContext, flags: SubjectFlags): Promise<Discovery> {
  // Validate the subject before reading the config: a bad address is the first thing to fix.
  const identities = resolveSubject(subjectSpec(flags));
  const config = ctx.config();
  const d = await discover(config, identities, { expand: flags.expand, signal: ctx.signal, log: ctx.log, progress: discoveryProgress(ctx.out) });
  for (const s of d.sources) if (s.status === 'failed' && s.hint) ctx.out.detail(`  ${s.name}: ${s.hint}`);
  ctx.audit.identities = d.identities;
  ctx.audit.sources = d.sources.map((s) => ({ name: s.name, status: s.status, records: s.records }));
  ctx.audit.counts = summarize(d.records);
  if (d.candidates.length > 0) {
    ctx.out.info(
      `${d.candidates.length} candidate identit${d.candidates.length === 1 ? 'y was' : 'ies were'} seen but not followed; ` +
        'see `find` and accept one with --include-identity TYPE:VALUE',
    );
  }
  return d;
}
