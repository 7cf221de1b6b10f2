// The Slack export adapter. users.json gives the subject's account (matched by profile email or
// by a known slack-id) and reveals its id — a strong identity link; the channel, private-channel,
// DM and group-DM folders are then searched for that id: the subject's own messages (`user`) and
// others' messages that mention them (`<@U…>`, exported as "mentioned in", never with the other
// person's text). A raw byte search for the id skips every day file that does not name it, and
// within a file only the elements that contain it are parsed. File URLs carry access tokens and
// are never exported. Erasure rewrites each file atomically, replacing only the affected elements.
// identities() lists every profile email and id, and every id a message names (for `replay`).
// Modules: reading.ts (the files), users.ts (accounts), records.ts (messages), erasure.ts.
import { isAbsolute, resolve } from 'node:path';
import { errorMessage } from '../../core/errors.js';
import { IdentityCollector, emailsInCell, normalizeIdentity, type Identity, type IdentityMatcher } from '../../core/identity.js';
import type { IdentityLink, PersonalRecord } from '../../core/record.js';
import type { AdapterContext, AdapterEnv, AdapterFactory, CheckResult, ErasureStep, SourceAdapter, StepResult, TaggedItem } from '../types.js';
import { slackSourceSchema, type SlackSourceConfig } from './config.js';
import { eraseSteps } from './erasure.js';
import { IdSearch } from './ids.js';
import { isRedacted, type SlackMessage, type SlackUser } from './model.js';
import { ExportReader, FileReader } from './reading.js';
import { conversationIds, conversationRecords } from './conversations.js';
import { messageRecords, namedIds } from './records.js';
import { addKnownIds, matchingUsers, matchingUsersMany, profileLink, profileRecord } from './users.js';

export { CHAT_MENTION_RETENTION, CHAT_PRIVATE_RETENTION, CHAT_PUBLIC_RETENTION } from './retention.js';

/** The last message search per export (see discover). */
const MEMO = new Map<string, { key: string; stamp: string; records: PersonalRecord[] }>();
/**
 * The last batch's message search per export (see discoverMany): the records of each set of ids,
 * as JSON text (a copy the caller cannot change, and much cheaper to make than structuredClone).
 */
const MANY_MEMO = new Map<string, { stamp: string; byIds: Map<string, string[]> }>();

export class SlackExportAdapter implements SourceAdapter {
  readonly kind = 'slack-export';
  readonly name: string;
  readonly identityTypes: readonly string[] = ['email', 'slack-id'];
  private readonly root: string;
  private readonly files: ExportReader;

  constructor(
    private readonly cfg: SlackSourceConfig,
    env: AdapterEnv,
  ) {
    this.name = cfg.name;
    this.root = isAbsolute(cfg.path) ? cfg.path : resolve(env.configDir, cfg.path);
    this.files = new ExportReader(this.root, cfg.path, cfg.name);
  }

  async check(_signal: AbortSignal): Promise<CheckResult> {
    try {
      const users = await this.files.readUsers();
      const folders = await this.files.folders();
      return { ok: true, detail: `${this.cfg.path}: a Slack export, ${users.elements.length} users, ${folders.length} conversations` };
    } catch (err) {
      return { ok: false, detail: errorMessage(err) };
    }
  }
  async *discover(subject: IdentityMatcher, ctx: AdapterContext): AsyncIterable<PersonalRecord | IdentityLink> {
    const users = await this.files.readUsers();
    const ids = new Set<string>();
    for (const u of matchingUsers(this.files, users.buf, users.elements, subject)) {
      ids.add(u.user.id);
      yield profileRecord(this.name, u.user, u.matched);
      const link = profileLink(this.name, u.user, u.matched);
      if (link) yield link;
    }
    addKnownIds(ids, subject);
    ctx.stats['users'] = users.elements.length;
    if (ids.size === 0) return;
    for (const c of await this.files.conversations()) yield* conversationRecords(this.name, c, ids);
    // The engine's expansion round asks again for the slack-id this round revealed: the answer
    // is the same while no file has changed, so it is remembered (per export, per set of ids)
    // with a stamp of every day file's size and mtime, instead of reading the export twice.
    const { files, digest } = await this.files.dayFilesStamped();
    const key = this.searchKey(ids);
    const memo = MEMO.get(this.root);
    const batch = MANY_MEMO.get(this.root);
    const known = memo && memo.key === key && memo.stamp === digest ? memo.records : undefined;
    const fromBatch = batch && batch.stamp === digest ? batch.byIds.get(key) : undefined;
    if (known || fromBatch) {
      ctx.stats['filesUnchanged'] = files.length;
      if (known) for (const r of known) yield structuredClone(r);
      else for (const r of fromBatch!) yield JSON.parse(r) as PersonalRecord;
      return;
    }
    const found: PersonalRecord[] = [];
    const needles = [...ids].map((id) => Buffer.from(id, 'latin1'));
    const reader = new FileReader();
    for (const { folder, rel } of files) {
      if (ctx.signal.aborted) throw ctx.signal.reason;
      // one buffer for every day file of this search (memory stays flat; nothing keeps a slice)
      const buf = this.files.readInto(reader, rel);
      ctx.stats['files'] = (ctx.stats['files'] ?? 0) + 1;
      if (!needles.some((n) => buf.includes(n))) continue;
      for (const { msg, range } of this.files.candidateMessages(buf, rel, needles)) {
        for (const rec of messageRecords(this.name, this.cfg.erase.messages, msg, folder, rel, buf.subarray(range.start, range.end), ids)) {
          found.push(structuredClone(rec));
          yield rec;
        }
      }
    }
    MEMO.set(this.root, { key, stamp: digest, records: found });
  }

  /**
   * One pass for a batch: users.json is searched once for every subject (their profiles, and so
   * their ids), then every day file is read once and searched for all their ids at once. Each
   * subject gets what discover gives it: a message counts for a subject only when discover would
   * have looked at it (a byte search for one of that subject's ids hits it) and it names the
   * subject's ids (messageRecords, with that subject's ids).
   */
  async *discoverMany(subjects: readonly IdentityMatcher[], ctx: AdapterContext): AsyncIterable<TaggedItem> {
    const users = await this.files.readUsers();
    const ids = subjects.map(() => new Set<string>());
    for (const { subject: k, user, matched } of matchingUsersMany(this.files, users.buf, users.elements, subjects)) {
      ids[k]!.add(user.id);
      yield { subject: k, item: profileRecord(this.name, user, matched) };
      const link = profileLink(this.name, user, matched);
      if (link) yield { subject: k, item: link };
    }
    subjects.forEach((s, k) => addKnownIds(ids[k]!, s));
    ctx.stats['users'] = users.elements.length;
    const active = subjects.map((_, k) => k).filter((k) => ids[k]!.size > 0);
    if (active.length === 0) return;
    const conversations = await this.files.conversations();
    for (const k of active) for (const c of conversations) for (const item of conversationRecords(this.name, c, ids[k]!)) yield { subject: k, item };
    const { files, digest } = await this.files.dayFilesStamped();
    // The expansion round asks again for the subjects whose slack-id the first round revealed:
    // while no file has changed, the same ids give the same messages (as in discover).
    const keys = subjects.map((_, k) => this.searchKey(ids[k]!));
    const memo = MANY_MEMO.get(this.root);
    if (memo && memo.stamp === digest && active.every((k) => memo.byIds.has(keys[k]!))) {
      ctx.stats['filesUnchanged'] = files.length;
      for (const k of active) for (const r of memo.byIds.get(keys[k]!)!) yield { subject: k, item: JSON.parse(r) as PersonalRecord };
      return;
    }
    // id → the subjects that have it; each subject's ids as discover searches for them
    const owners = new Map<string, number[]>();
    const needles: Buffer[][] = subjects.map(() => []);
    const special: number[] = []; // an id with ">" or "|" is not read out of a mention: try them always
    for (const k of active) {
      for (const id of ids[k]!) {
        owners.set(id, [...(owners.get(id) ?? []), k]);
        needles[k]!.push(Buffer.from(id, 'latin1'));
        if ((id.includes('>') || id.includes('|')) && !special.includes(k)) special.push(k);
      }
    }
    const search = new IdSearch(needles.flat());
    const found = subjects.map((): string[] => []);
    const reader = new FileReader();
    for (const { folder, rel } of files) {
      if (ctx.signal.aborted) throw ctx.signal.reason;
      const buf = this.files.readInto(reader, rel);
      ctx.stats['files'] = (ctx.stats['files'] ?? 0) + 1;
      const hits = search.positions(buf);
      if (hits.length === 0) continue;
      const out: TaggedItem[] = [];
      for (const { range, from, to } of this.files.elementsWith(buf, rel, hits)) {
        const msg = this.files.parse<SlackMessage>(buf, range, rel);
        if (!msg || typeof msg !== 'object') continue;
        const named = new Set<number>(special);
        for (const id of namedIds(msg)) for (const k of owners.get(id) ?? []) named.add(k);
        for (const k of [...named].sort((a, b) => a - b)) {
          // discover looks at a message only where a byte search for one of the subject's ids hits
          if (
            !needles[k]!.some((n) => {
              const at = buf.indexOf(n, from);
              return at !== -1 && at < to;
            })
          )
            continue;
          for (const rec of messageRecords(this.name, this.cfg.erase.messages, msg, folder, rel, buf.subarray(range.start, range.end), ids[k]!)) {
            found[k]!.push(JSON.stringify(rec));
            out.push({ subject: k, item: rec });
          }
        }
      }
      yield* out;
    }
    MANY_MEMO.set(this.root, { stamp: digest, byIds: new Map(active.map((k) => [keys[k]!, found[k]!])) });
  }

  /**
   * Every identity by which discover could find a record (`replay`): the profile email (each
   * address in it, canonical) and the id (`slack-id`, lower-cased as discover links it) of every
   * account in users.json that is not a redacted one, and every id a message names in any day
   * file of the export — its author, mentions, reactions, files, member lists, inviter, thread
   * repliers (namedIds, what messageRecords matches) — and every id of the conversation metadata
   * files (conversationIds): an account deleted from users.json is still found by its messages. One day file in memory at a time; each distinct identity yielded once.
   */
  async *identities(ctx: AdapterContext): AsyncIterable<Identity> {
    const users = await this.files.readUsers();
    const ids = new IdentityCollector();
    const add = (type: string, raw: string) => {
      const value = normalizeIdentity(type, raw);
      if (value !== null) ids.add({ type, value });
    };
    for (const el of users.elements) {
      const user = this.files.parse<SlackUser>(users.buf, el, 'users.json');
      if (!user || typeof user.id !== 'string') continue;
      if (isRedacted(user)) continue; // erased: discover no longer matches the profile (its messages name the id)
      add('slack-id', user.id);
      const email = user.profile?.['email'];
      if (typeof email === 'string') for (const e of emailsInCell(email)) add('email', e);
    }
    ctx.stats['users'] = users.elements.length;
    for (const { conv } of await this.files.conversations()) for (const id of conversationIds(conv)) add('slack-id', id);
    yield* ids.take();
    const reader = new FileReader();
    for (const folder of await this.files.folders()) {
      for (const day of await this.files.dayFiles(folder)) {
        if (ctx.signal.aborted) throw ctx.signal.reason;
        const rel = `${folder.name}/${day}`;
        const buf = this.files.readInto(reader, rel);
        ctx.stats['files'] = (ctx.stats['files'] ?? 0) + 1;
        for (const msg of this.files.messagesOf(buf, rel)) {
          if (!msg || typeof msg !== 'object') continue;
          for (const id of namedIds(msg)) add('slack-id', id);
        }
        yield* ids.take();
      }
    }
  }

  erase(steps: ErasureStep[], subject: IdentityMatcher, ctx: AdapterContext): AsyncIterable<StepResult> {
    return eraseSteps({ files: this.files, label: this.cfg.path, rewriteReadOnly: this.cfg.rewriteReadOnly }, steps, subject, ctx);
  }

  /** What a message search depends on: the export, the ids, the erase mode. */
  private searchKey(ids: Set<string>): string {
    return `${this.root}\0${[...ids].sort().join(',')}\0${this.cfg.erase.messages}`;
  }
}

export const slackExportFactory: AdapterFactory<SlackSourceConfig> = {
  kind: 'slack-export',
  schema: slackSourceSchema,
  suggestedFacts: {
    categories: ['contact.email', 'name', 'online.handle', 'professional.title', 'contact.phone', 'location.timezone', 'communication.content'],
    purpose: ['communication', 'public project discussion'],
    legalBasis: 'legitimate-interest',
    recipients: ['the workspace members', 'Slack (hosting)'],
    retention: "the profile until the account is closed; messages kept as the record of the project's chat",
    origin: 'provided by you (their Slack profile and messages) and by other members (mentions)',
    transfers: 'to Slack Technologies, LLC in the United States (state the safeguard: the EU-US Data Privacy Framework or standard contractual clauses)',
  },
  create: (cfg, env) => new SlackExportAdapter(cfg, env),
};
