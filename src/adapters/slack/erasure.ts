// Erasing in a Slack export: each file the plan names is rewritten atomically, with only the
// elements its steps name replaced and every other byte copied as it was.
import { join } from 'node:path';
import { atomicRewrite } from '../../core/atomic-file.js';
import { SourceError, errorMessage } from '../../core/errors.js';
import type { IdentityMatcher } from '../../core/identity.js';
import type { AdapterContext, ErasureStep, StepResult } from '../types.js';
import { serializeLike, type ElementRange } from './json-array.js';
import { editJson, type JsonChange } from './json-edit.js';
import { REDACTED_NAME, elementAt, isDayFilePath, isRedacted, sha256, type SlackFile, type SlackMessage, type SlackUser } from './model.js';
import type { ExportReader } from './reading.js';
import { authorOf, mentionLabels } from './records.js';

export interface ErasureTarget {
  files: ExportReader;
  /** The export folder as the config names it (in messages). */
  label: string;
  rewriteReadOnly?: boolean;
}

export async function* eraseSteps(target: ErasureTarget, steps: ErasureStep[], subject: IdentityMatcher, ctx: AdapterContext): AsyncIterable<StepResult> {
  const { files } = target;
  const byFile = new Map<string, ErasureStep[]>();
  for (const s of steps) {
    const f = String(s.params['file'] ?? '');
    byFile.set(f, [...(byFile.get(f) ?? []), s]);
  }
  for (const [rel, list] of byFile) {
    if (ctx.signal.aborted) throw ctx.signal.reason;
    if (rel !== 'users.json' && !isDayFilePath(rel)) {
      for (const s of list) yield { stepId: s.id, status: 'failed', detail: `${rel} is not a file of this export` };
      continue;
    }
    const results = new Map<string, StepResult>();
    try {
      await atomicRewrite(
        join(files.root, rel),
        async (out, input) => {
          results.clear(); // a try again on content that changed meanwhile starts afresh
          const buf = await input.read();
          const elements = files.elements(buf, rel);
          const replace = new Map<number, string>();
          if (rel === 'users.json') planProfileRedactions(files, buf, elements, list, subject, replace, results);
          else {
            planMessageRedactions(
              buf,
              elements,
              list.filter((s) => s.action === 'redact-message'),
              replace,
              results,
            );
            planCopyRedactions(
              files,
              rel,
              buf,
              elements,
              list.filter((s) => s.action !== 'redact-message'),
              subject,
              replace,
              results,
            );
          }
          if (replace.size === 0) return false;
          let copied = 0;
          for (const [k, text] of [...replace].sort((a, b) => a[0] - b[0])) {
            const el = elements[k]!;
            await out.write(buf.subarray(copied, el.start));
            await out.write(text);
            copied = el.end;
          }
          await out.write(buf.subarray(copied));
          return true;
        },
        { rewriteReadOnly: target.rewriteReadOnly, label: `${target.label}/${rel}` },
      );
    } catch (err) {
      if (err instanceof SourceError || ctx.signal.aborted) throw err;
      throw new SourceError(
        `${target.label}/${rel}: could not rewrite the file: ${errorMessage(err)}`,
        'check that the export folder is writable; nothing was changed',
      );
    }
    for (const s of list) yield results.get(s.id) ?? { stepId: s.id, status: 'gone' };
  }
}

/** The elements of `buf` that hold one of `needles`. */
function elementsHolding(buf: Buffer, elements: ElementRange[], needles: Buffer[]): Set<number> {
  const hits = new Set<number>();
  for (const n of needles) for (let at = buf.indexOf(n); at !== -1; at = buf.indexOf(n, at + 1)) hits.add(elementAt(elements, at));
  return hits;
}

function planProfileRedactions(
  files: ExportReader,
  buf: Buffer,
  elements: ElementRange[],
  steps: ErasureStep[],
  subject: IdentityMatcher,
  replace: Map<number, string>,
  results: Map<string, StepResult>,
): void {
  const wanted = new Map(steps.map((s) => [String(s.params['id'] ?? ''), s]));
  const needles = [...wanted.keys()].filter(Boolean).map((id) => Buffer.from(`"${id}"`, 'latin1'));
  for (const k of elementsHolding(buf, elements, needles)) {
    const el = elements[k]!;
    const user = files.parse<SlackUser>(buf, el, 'users.json');
    const step = wanted.get(user?.id ?? '');
    if (!step) continue;
    if (isRedacted(user)) continue; // done earlier: gone
    // Act only on the account the plan named, and only while it is still the subject's (a plan
    // is a file, and a file can be edited).
    const email = typeof user.profile?.['email'] === 'string' ? user.profile['email'] : '';
    if ((email ? subject.matchCell('email', email) : null) === null && subject.matchCell('slack-id', user.id) === null) {
      results.set(step.id, { stepId: step.id, status: 'failed', detail: 'the account no longer belongs to this subject; not changed' });
      continue;
    }
    const redacted: Record<string, unknown> = { id: user.id };
    if (user.team_id !== undefined) redacted['team_id'] = user.team_id;
    Object.assign(redacted, {
      name: REDACTED_NAME,
      deleted: true,
      real_name: '[redacted]',
      profile: { real_name: '[redacted]', display_name: '[redacted]' },
    });
    if (user.is_bot !== undefined) redacted['is_bot'] = user.is_bot;
    replace.set(k, serializeLike(buf.subarray(el.start, el.end), buf, el.start, redacted));
    results.set(step.id, { stepId: step.id, status: 'done' });
  }
}

function planMessageRedactions(
  buf: Buffer,
  elements: ElementRange[],
  steps: ErasureStep[],
  replace: Map<number, string>,
  results: Map<string, StepResult>,
): void {
  const byDigest = new Map<string, ErasureStep[]>();
  for (const s of steps) byDigest.set(String(s.params['digest'] ?? ''), [...(byDigest.get(String(s.params['digest'] ?? '')) ?? []), s]);
  const tsNeedles = [...new Set(steps.map((s) => String(s.params['ts'] ?? '')))].filter(Boolean).map((ts) => Buffer.from(`"${ts}"`, 'latin1'));
  for (const k of elementsHolding(buf, elements, tsNeedles)) {
    const el = elements[k]!;
    const raw = buf.subarray(el.start, el.end);
    const list = byDigest.get(sha256(raw));
    if (!list) continue;
    const msg = JSON.parse(raw.toString('utf8')) as SlackMessage;
    replace.set(k, serializeLike(raw, buf, el.start, tombstoneOf(msg)));
    for (const s of list) results.set(s.id, { stepId: s.id, status: 'done' });
  }
}

/** What is left of an erased message: Slack's tombstone, with the thread structure so that replies still hang together. */
function tombstoneOf(msg: SlackMessage): Record<string, unknown> {
  const keep: Record<string, unknown> = { type: 'message', subtype: 'tombstone', user: 'USLACKBOT', text: 'This message was deleted.', ts: msg.ts };
  for (const key of ['thread_ts', 'parent_user_id', 'reply_count', 'reply_users_count', 'latest_reply', 'reply_users', 'replies']) {
    if (msg[key] !== undefined) keep[key] = msg[key];
  }
  keep['hidden'] = true;
  return keep;
}

/** Slack's own shape of a deleted file. */
const FILE_TOMBSTONE = (f: SlackFile) => ({ ...(typeof f.id === 'string' ? { id: f.id } : {}), mode: 'tombstone' });

/**
 * The copies of the subject's data in messages that stay (theirs retained, or others'), each
 * step naming a message by `ts` and the subject's ids: `redact-profile-copy` removes the
 * `user_profile` of their message and the `|label` of each `<@id|label>` mention of them (in
 * `text` and the legacy `username`);
 * `redact-file-copy` replaces their file embedded in another's message with a tombstone;
 * `redact-root-copy` replaces their message quoted as a thread's start with a tombstone. Only
 * those bytes change (editJson). What a step would change is worked out again from the message
 * as it is now: nothing left to change is `gone`; ids no longer the subject's fail the step.
 */
function planCopyRedactions(
  files: ExportReader,
  rel: string,
  buf: Buffer,
  elements: ElementRange[],
  steps: ErasureStep[],
  subject: IdentityMatcher,
  replace: Map<number, string>,
  results: Map<string, StepResult>,
): void {
  const byTs = new Map<string, ErasureStep[]>();
  for (const s of steps) {
    const ids = Array.isArray(s.params['ids']) ? (s.params['ids'] as unknown[]).map(String) : [];
    if (ids.length === 0 || ids.some((id) => subject.matchCell('slack-id', id) === null)) {
      results.set(s.id, { stepId: s.id, status: 'failed', detail: "the step names an account that is not this subject's; not changed" });
      continue;
    }
    const ts = String(s.params['ts'] ?? '');
    byTs.set(ts, [...(byTs.get(ts) ?? []), s]);
  }
  const needles = [...byTs.keys()].filter(Boolean).map((ts) => Buffer.from(`"${ts}"`, 'latin1'));
  for (const k of [...elementsHolding(buf, elements, needles)].sort((a, b) => a - b)) {
    if (replace.has(k)) continue; // tombstoned whole
    const el = elements[k]!;
    const msg = files.parse<SlackMessage>(buf, el, rel);
    const list = byTs.get(typeof msg?.ts === 'string' ? msg.ts : '');
    if (!msg || typeof msg !== 'object' || !list) continue;
    const changes: JsonChange[] = [];
    const did = new Set<string>();
    for (const s of list) {
      const ids = new Set((s.params['ids'] as unknown[]).map(String));
      const before = changes.length;
      if (s.action === 'redact-profile-copy') {
        const author = authorOf(msg);
        if (author !== undefined && ids.has(author) && msg['user_profile'] !== undefined) changes.push({ path: ['user_profile'], value: undefined });
        for (const field of ['text', 'username']) {
          if (mentionLabels(msg[field], ids).length === 0) continue;
          // in the string as written: its other escapes (`\/` in older exports) stay as they are
          changes.push({ path: [field], literal: (raw) => raw.replace(/<@([^>|"\\]+)\|[^>"]*>/g, (m, id: string) => (ids.has(id) ? `<@${id}>` : m)) });
        }
      } else if (s.action === 'redact-file-copy') {
        if (msg.file && typeof msg.file === 'object' && typeof msg.file.user === 'string' && ids.has(msg.file.user))
          changes.push({ path: ['file'], value: FILE_TOMBSTONE(msg.file) });
        if (Array.isArray(msg.files)) {
          msg.files.forEach((f, i) => {
            if (f && typeof f.user === 'string' && ids.has(f.user)) changes.push({ path: ['files', i], value: FILE_TOMBSTONE(f) });
          });
        }
      } else if (s.action === 'redact-root-copy') {
        const root = msg['root'] as SlackMessage | undefined;
        if (root && typeof root === 'object' && typeof root.user === 'string' && ids.has(root.user)) changes.push({ path: ['root'], value: tombstoneOf(root) });
      } else {
        results.set(s.id, { stepId: s.id, status: 'failed', detail: `unknown action ${s.action}` });
        continue;
      }
      if (changes.length > before) did.add(s.id);
    }
    if (changes.length === 0) continue;
    replace.set(k, editJson(buf.toString('utf8', el.start, el.end), changes));
    for (const id of did) results.set(id, { stepId: id, status: 'done' });
  }
}
