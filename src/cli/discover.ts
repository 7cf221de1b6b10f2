// Discovery as the per-person commands run it: subject flags → identities → engine, with
// progress on stderr.
import { discover, summarize, type Discovery } from '../core/engine.js';
import { UsageError } from '../core/errors.js';
import type { SubjectIdentity } from '../core/identity.js';
import { resolveSubject } from '../core/subject.js';
import type { PrivacyRequest } from '../state/ledger.js';
import { StateDir } from '../state/state-dir.js';
import type { CommandContext } from './context.js';
import { discoveryProgress } from './progress.js';
import { subjectSpec, type SubjectFlags } from './subject-options.js';

/** The ledger request named by --request, if any; its identities must still be held. */
export async function requestOf(ctx: CommandContext, flags: SubjectFlags): Promise<PrivacyRequest | undefined> {
  if (!flags.request) return undefined;
  const { Ledger } = await import('../state/ledger.js');
  const ledger = new Ledger(new StateDir(ctx.config().stateDir));
  try {
    const r = ledger.get(flags.request);
    if (!r.identities) {
      throw new UsageError(`request ${r.id} is closed and its identities were forgotten (only salted hashes are kept)`, 'open a new request for this person');
    }
    ctx.audit.request = r.id;
    ctx.requestRun = r.id;
    return r;
  } finally {
    ledger.close();
  }
}

/** The subject's identities as given: the flags, and the ledger request's (--request). */
export async function subjectIdentities(ctx: CommandContext, flags: SubjectFlags, request?: PrivacyRequest): Promise<SubjectIdentity[]> {
  // Validate the subject before reading the config: a bad address is the first thing to fix.
  const spec = subjectSpec(flags);
  resolveSubject(spec, { allowEmpty: Boolean(flags.request) });
  const req = request ?? (await requestOf(ctx, flags));
  return resolveSubject({ ...spec, ...(req ? { fromRequest: { id: req.id, identities: req.identities ?? [] } } : {}) });
}

export async function discoverSubject(ctx: CommandContext, flags: SubjectFlags, request?: PrivacyRequest, given?: SubjectIdentity[]): Promise<Discovery> {
  const identities = given ?? (await subjectIdentities(ctx, flags, request));
  const config = ctx.config();
  const d = await discover(config, identities, { expand: flags.expand, signal: ctx.signal, log: ctx.log, progress: discoveryProgress(ctx.out) });
  // How to fix a failed source, at normal verbosity: exit 4 without the missing scope is no help.
  for (const s of d.sources) if (s.status === 'failed' && s.hint) ctx.out.info(`  hint (${s.name}): ${s.hint}`);
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

/** Record on the ledger request every identity an erasure used (see Ledger.addIdentities). */
export async function recordPlanIdentities(ctx: CommandContext, requestId: string, plan: { subject: { identities: SubjectIdentity[] } }): Promise<void> {
  const { Ledger } = await import('../state/ledger.js');
  const ledger = new Ledger(new StateDir(ctx.config().stateDir));
  try {
    ledger.addIdentities(requestId, plan.subject.identities);
  } finally {
    ledger.close();
  }
}
