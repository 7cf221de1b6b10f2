// The analytics adapter: the subject's Google Analytics ids (linked from an accounts database as
// `ga-client-id` identities) and the web access-log lines from the subject's `ip` identities.
// Erasure sends a User Deletion request for each id (a manual step without a token) and
// truncates the IP of each log line (IPv4 /24, IPv6 /48) in an atomic rewrite. discoverMany reads
// the access logs once for a whole batch; identities() lists the client IPs of the access logs
// (for `replay`).
import { promises as fsp } from 'node:fs';
import { atomicRewrite } from '../../core/atomic-file.js';
import { AuthError, SourceError, errorMessage } from '../../core/errors.js';
import { normalizeIdentity, type Identity, type IdentityMatcher } from '../../core/identity.js';
import type { IdentityLink, PersonalRecord } from '../../core/record.js';
import type { AdapterContext, AdapterEnv, AdapterFactory, CheckResult, ErasureStep, SourceAdapter, StepResult, TaggedItem } from '../types.js';
import { canonicalIp, clientIp, expandLogPaths, ipSpellings, lineDigest, parseLogLine, readLines, rewriteLog } from './access-log.js';
import { analyticsSourceSchema, type AnalyticsSourceConfig } from './config.js';
import { gaApiId, readGaToken, requestDeletion } from './ga.js';

/** A line of an access log: its bytes without the terminator, and its 1-based number. */
interface LogLineRef {
  content: Buffer;
  n: number;
}

export class AnalyticsAdapter implements SourceAdapter {
  readonly kind = 'analytics';
  readonly name: string;
  readonly identityTypes: readonly string[];
  /**
   * Every identity the source holds (`replay`): only with access logs. The Google Analytics ids
   * cannot be listed: Google holds them, the User Deletion API only takes ids, and discover
   * reports any `ga-client-id` the subject has without reading anything. So a GA-only source has
   * no identities() (replay reports it unchecked), and with access logs only the IPs are listed.
   */
  readonly identities?: (ctx: AdapterContext) => AsyncIterable<Identity>;

  constructor(
    private readonly cfg: AnalyticsSourceConfig,
    private readonly env: AdapterEnv,
  ) {
    this.name = cfg.name;
    this.identityTypes = [...(cfg.ga ? ['ga-client-id'] : []), ...(cfg.accessLogs ? ['ip'] : [])];
    if (cfg.accessLogs) this.identities = (ctx) => this.logIdentities(ctx);
  }

  private get property(): string {
    const ga = this.cfg.ga!;
    return ga.propertyId ? `GA4 property ${ga.propertyId}` : `Universal Analytics property ${ga.webPropertyId}`;
  }

  async check(_signal: AbortSignal): Promise<CheckResult> {
    const parts: string[] = [];
    try {
      if (this.cfg.ga) {
        const token = readGaToken(this.cfg.ga, this.env.configDir);
        parts.push(
          token
            ? `${this.property}: token present (not sent; the deletion API has no read-only probe)`
            : `${this.property}: no token, so deletions become manual steps`,
        );
      }
      if (this.cfg.accessLogs) {
        const files = await this.logFiles();
        for (const f of files) await fsp.access(f.abs, fsp.constants.R_OK);
        parts.push(`${files.length} access log${files.length === 1 ? '' : 's'} readable`);
      }
      return { ok: true, detail: parts.join('; ') };
    } catch (err) {
      return { ok: false, detail: errorMessage(err) };
    }
  }

  async *discover(subject: IdentityMatcher, ctx: AdapterContext): AsyncIterable<PersonalRecord | IdentityLink> {
    if (this.cfg.ga) yield* this.gaRecords(subject);
    if (this.cfg.accessLogs) yield* this.logRecords(subject, ctx);
  }

  /**
   * Many subjects: the Google Analytics records are made per subject (they need no reading);
   * the access logs are read once, each line's client IP looked up in one Map of all the
   * subjects' addresses.
   */
  async *discoverMany(subjects: readonly IdentityMatcher[], ctx: AdapterContext): AsyncIterable<TaggedItem> {
    if (this.cfg.ga) {
      for (let i = 0; i < subjects.length; i++) for (const item of this.gaRecords(subjects[i]!)) yield { subject: i, item };
    }
    if (this.cfg.accessLogs) yield* this.logRecordsMany(subjects, ctx);
  }

  async *erase(steps: ErasureStep[], subject: IdentityMatcher, ctx: AdapterContext): AsyncIterable<StepResult> {
    const gaSteps = steps.filter((s) => s.action === 'ga-user-deletion');
    const logSteps = steps.filter((s) => s.action === 'truncate-ip');
    for (const s of steps) {
      if (s.action !== 'ga-user-deletion' && s.action !== 'truncate-ip') yield { stepId: s.id, status: 'failed', detail: `unknown action ${s.action}` };
    }
    // Local files first: a refused Google token must not hold up the log redaction.
    if (logSteps.length > 0) yield* this.eraseLogs(logSteps, subject, ctx);
    if (gaSteps.length > 0) yield* this.eraseGa(gaSteps, subject, ctx);
  }

  // ---- Google Analytics ----

  private *gaRecords(subject: IdentityMatcher): Iterable<PersonalRecord> {
    const ga = this.cfg.ga!;
    const token = readGaToken(ga, this.env.configDir);
    const where = ga.propertyId
      ? `Google Analytics → Admin → property ${ga.propertyId} → Data collection and modification → Data deletion requests (or Reports → User explorer → delete user)`
      : `Google Analytics → Admin → property ${ga.webPropertyId} → User explorer → delete user`;
    for (const id of subject.needles(['ga-client-id'])) {
      const apiId = gaApiId(id);
      const base = {
        source: this.name,
        type: 'analytics-id',
        locator: `ga:${ga.propertyId ?? ga.webPropertyId}/${ga.idType}/${apiId}`,
        matched: [{ type: 'ga-client-id', value: id, field: 'ga-client-id' }],
        categories: ['online.identifier', 'activity.web-analytics'],
        data: {
          id: apiId,
          idType: ga.idType,
          property: ga.propertyId ?? ga.webPropertyId,
          heldBy: 'Google (Google Analytics); the project cannot read the events recorded under this id',
        },
      };
      if (token) {
        yield { ...base, disposition: 'erase', action: 'ga-user-deletion', erasure: { id: apiId } };
      } else {
        yield {
          ...base,
          disposition: 'manual',
          manual:
            `no Google Analytics token (${ga.tokenEnv ? `$${ga.tokenEnv}` : ga.tokenFile ? ga.tokenFile : 'ga.tokenEnv / ga.tokenFile not configured'}): ` +
            `delete ${ga.idType} ${apiId} in ${where}; tell the data subject that Google holds analytics data under this id`,
        };
      }
    }
  }

  private async *eraseGa(steps: ErasureStep[], subject: IdentityMatcher, ctx: AdapterContext): AsyncIterable<StepResult> {
    const ga = this.cfg.ga;
    if (!ga) {
      for (const s of steps) yield { stepId: s.id, status: 'failed', detail: 'the source has no ga: section any more' };
      return;
    }
    const token = readGaToken(ga, this.env.configDir);
    // Failures are reported per step (not thrown): the log lines of this source may already be done.
    let refused = token
      ? undefined
      : `no Google Analytics token (${ga.tokenEnv ? `$${ga.tokenEnv} is not set` : `${ga.tokenFile} is missing or empty`}); set it and re-run`;
    const subjectIds = new Set(subject.needles(['ga-client-id']).map(gaApiId));
    for (const s of steps) {
      const id = String(s.params['id'] ?? '');
      // Only ids that belong to the subject: a plan is a file, and a file can be edited.
      if (!subjectIds.has(id)) {
        yield { stepId: s.id, status: 'failed', detail: "the id is not one of the subject's identities" };
        continue;
      }
      if (refused) {
        yield { stepId: s.id, status: 'failed', detail: refused };
        continue;
      }
      try {
        const r = await requestDeletion(ga, token!, id, ctx.signal, ctx.stats);
        yield { stepId: s.id, status: r.ok ? 'done' : 'failed', detail: r.detail };
      } catch (err) {
        if (ctx.signal.aborted) throw err;
        if (err instanceof AuthError) refused = `${err.message}; ${err.hint ?? ''}`.replace(/; $/, '');
        else ctx.log.warn(`${this.name}: ${errorMessage(err)}`);
        yield { stepId: s.id, status: 'failed', detail: err instanceof AuthError ? refused! : errorMessage(err) };
      }
    }
  }

  // ---- access logs ----

  private async logFiles(opts: { allowNone?: boolean } = {}) {
    const files = await expandLogPaths(this.cfg.accessLogs!, this.env.configDir);
    // No file (all rotated away, or a wrong path) fails this source only, with output for the rest.
    if (files.length === 0 && !opts.allowNone) {
      throw new SourceError(
        `sources "${this.name}": accessLogs ${this.cfg.accessLogs!.join(', ')} names no file`,
        'check the accessLogs paths (logs may have been rotated away)',
      );
    }
    for (const f of files) {
      try {
        const st = await fsp.stat(f.abs);
        if (!st.isFile()) throw new Error('not a regular file');
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        throw new SourceError(
          `${f.shown}: cannot read the access log (${code === 'ENOENT' ? 'no such file' : (code ?? errorMessage(err))})`,
          `check sources "${this.name}".accessLogs`,
        );
      }
    }
    return files;
  }

  /** Canonical IP → the subject's identity value. */
  private subjectIps(subject: IdentityMatcher): Map<string, string> {
    const m = new Map<string, string>();
    for (const v of subject.needles(['ip'])) {
      const c = canonicalIp(v);
      if (c) m.set(c, v);
    }
    return m;
  }

  private async *logRecords(subject: IdentityMatcher, ctx: AdapterContext): AsyncIterable<PersonalRecord> {
    const ips = this.subjectIps(subject);
    if (ips.size === 0) return;
    const out: PersonalRecord[] = [];
    yield* this.scanLogs(
      ctx,
      (shown, line, ip) => {
        const value = ips.get(ip);
        if (value !== undefined) out.push(this.logRecord(shown, line, ip, value));
      },
      out,
    );
  }

  /**
   * The client IP of every access-log line, as `ip` identities: an `ip` identity keeps the
   * spelling it was given in, and discover matches any spelling of the line's address, so each
   * distinct address is yielded in its usual spellings (ipSpellings, canonical first) and as
   * written in the log. Memory: one Set of the distinct addresses (canonical), and of the rare
   * spellings in the log that are not among their usual ones.
   */
  private async *logIdentities(ctx: AdapterContext): AsyncIterable<Identity> {
    if (this.cfg.ga) ctx.log.info(`${this.name}: Google Analytics ids cannot be listed; only the access logs were checked`);
    const seen = new Set<string>();
    const out: Identity[] = [];
    yield* this.scanLogs(
      ctx,
      (_shown, line, ip) => {
        const written = normalizeIdentity('ip', clientIp(line.content)!.text);
        const first = !seen.has(ip);
        if (!first && (written === null || written === ip || seen.has(written))) return;
        const usual = ipSpellings(ip);
        if (first) {
          seen.add(ip);
          for (const value of usual) out.push({ type: 'ip', value });
        }
        if (written !== null && !usual.includes(written) && !seen.has(written)) {
          seen.add(written);
          out.push({ type: 'ip', value: written });
        }
      },
      out,
    );
  }

  private async *logRecordsMany(subjects: readonly IdentityMatcher[], ctx: AdapterContext): AsyncIterable<TaggedItem> {
    // Canonical IP → the subjects it belongs to, each with its own identity value (as in logRecords).
    const byIp = new Map<string, Array<{ subject: number; value: string }>>();
    subjects.forEach((s, subject) => {
      for (const [ip, value] of this.subjectIps(s)) {
        const list = byIp.get(ip);
        if (list) list.push({ subject, value });
        else byIp.set(ip, [{ subject, value }]);
      }
    });
    if (byIp.size === 0) return;
    const out: TaggedItem[] = [];
    yield* this.scanLogs(
      ctx,
      (shown, line, ip) => {
        const who = byIp.get(ip);
        if (who) for (const w of who) out.push({ subject: w.subject, item: this.logRecord(shown, line, ip, w.value) });
      },
      out,
    );
  }

  /**
   * Read every access log once: `onLine` gets each line that has a client IP, with the IP in
   * canonical form (the line's buffers are valid during the call only); what it puts in `out`
   * is yielded right after.
   */
  private async *scanLogs<X>(ctx: AdapterContext, onLine: (shown: string, line: LogLineRef, ip: string) => void, out: X[]): AsyncGenerator<X> {
    for (const f of await this.logFiles()) {
      try {
        for await (const line of readLines(f.abs, ctx.signal)) {
          ctx.stats['logLines'] = (ctx.stats['logLines'] ?? 0) + 1;
          const field = clientIp(line.content);
          const ip = field ? canonicalIp(field.text) : null;
          if (!ip) continue;
          onLine(f.shown, line, ip);
          if (out.length > 0) yield* out.splice(0);
        }
      } catch (err) {
        if (ctx.signal.aborted || err instanceof SourceError) throw err;
        throw new SourceError(`${f.shown}: cannot read the access log (${errorMessage(err)})`, 'check the file; a .gz log must be a complete gzip file');
      }
    }
  }

  private logRecord(shown: string, line: LogLineRef, ip: string, value: string): PersonalRecord {
    const parsed = parseLogLine(line.content.toString('utf8'));
    const data: Record<string, unknown> = parsed ? { ...parsed, ip } : { ip, line: line.content.toString('utf8') };
    const categories = ['online.ip-address', 'activity.web-request', ...(parsed?.userAgent ? ['online.device'] : [])];
    return {
      source: this.name,
      type: 'access-log-line',
      locator: `${shown}:${line.n}`,
      matched: [{ type: 'ip', value, field: 'client-ip' }],
      categories,
      data,
      disposition: 'erase',
      action: 'truncate-ip',
      erasure: { file: shown, line: line.n, digest: lineDigest(line.content) },
    };
  }

  private async *eraseLogs(steps: ErasureStep[], subject: IdentityMatcher, ctx: AdapterContext): AsyncIterable<StepResult> {
    const ips = this.subjectIps(subject);
    const files = await this.logFiles({ allowNone: true }); // gone since the plan: every step is `gone`
    const byFile = new Map<string, ErasureStep[]>();
    for (const s of steps) {
      const file = String(s.params['file'] ?? '');
      byFile.set(file, [...(byFile.get(file) ?? []), s]);
    }
    for (const [shown, list] of byFile) {
      const f = files.find((x) => x.shown === shown);
      if (!f) {
        // Rotated away or deleted since the plan: nothing of the subject's left there.
        for (const s of list) yield { stepId: s.id, status: 'gone', detail: `${shown} is no longer among the access logs` };
        continue;
      }
      const wanted = new Set(list.map((s) => String(s.params['digest'] ?? '')));
      let done = new Set<string>();
      try {
        await atomicRewrite(
          f.abs,
          async (out, input) => {
            // Only planned lines, and only when the IP is still one of the subject's.
            done = await rewriteLog(input, out, (ip, digest) => ips.has(ip) && wanted.has(digest), ctx.signal);
            return done.size > 0;
          },
          { rewriteReadOnly: this.cfg.rewriteReadOnly, label: shown },
        );
      } catch (err) {
        if (ctx.signal.aborted) throw err;
        throw new SourceError(
          `${shown}: could not rewrite the access log: ${errorMessage(err)}`,
          'check that the file and its directory are writable; nothing was changed',
        );
      }
      ctx.stats['logLinesRedacted'] = (ctx.stats['logLinesRedacted'] ?? 0) + done.size;
      for (const s of list) {
        const hit = done.has(String(s.params['digest'] ?? ''));
        yield {
          stepId: s.id,
          status: hit ? 'done' : 'gone',
          ...(hit ? {} : { detail: 'the line no longer holds the address (redacted by an earlier run, or rotated)' }),
        };
      }
    }
  }
}

export const analyticsFactory: AdapterFactory<AnalyticsSourceConfig> = {
  kind: 'analytics',
  schema: analyticsSourceSchema,
  suggestedFacts: {
    categories: ['online.identifier', 'online.ip-address', 'online.device', 'activity.web-request'],
    purpose: ['website operation and security', 'website usage statistics'],
    legalBasis: 'legitimate-interest',
    recipients: ['Google (Google Analytics), for the usage statistics'],
    retention: 'access logs are rotated and deleted after a limited period; Google Analytics keeps data for the retention period set in the property',
    origin: 'recorded when you visit the website',
    transfers:
      'Google Analytics data goes to Google LLC in the United States under its data processing terms (state the safeguard: the EU-US Data Privacy Framework or standard contractual clauses)',
  },
  create: (cfg, env) => new AnalyticsAdapter(cfg, env),
};
