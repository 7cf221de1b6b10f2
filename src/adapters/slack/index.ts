// The Slack export adapter. users.json gives the subject's account (matched by profile email or
// by a known slack-id) and reveals its id — a strong identity link; the channel, private-channel,
// DM and group-DM folders are then searched for that id: the subject's own messages (`user`) and
// others' messages that mention them (`<@U…>`, exported as "mentioned in", never with the other
// person's text). A raw byte search for the id skips every day file that does not name it, and
// within a file only the elements that contain it are parsed. File URLs carry access tokens and
// are never exported. Erasure rewrites each file atomically, replacing only the affected elements.
// identities() lists every profile email and id, and every id a message names (for `replay`).
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, promises as fsp, readFileSync, readSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { atomicRewrite } from '../../core/atomic-file.js';
import { SourceError, errorMessage } from '../../core/errors.js';
import { IdentityCollector, emailsInCell, normalizeIdentity, type Identity, type IdentityMatcher, type MatchedIdentity } from '../../core/identity.js';
import type { IdentityLink, PersonalRecord, Retention } from '../../core/record.js';
import type { AdapterContext, AdapterEnv, AdapterFactory, CheckResult, ErasureStep, SourceAdapter, StepResult, TaggedItem } from '../types.js';
import { bytePatterns, lowerAscii } from '../mbox/bytes.js';
import { slackSourceSchema, type SlackSourceConfig } from './config.js';
import { IdSearch, escapeRegExp } from './ids.js';
import { arrayElements, elementsAround, serializeLike, type ElementRange } from './json-array.js';

const DAY_FILE = /^\d{4}-\d{2}-\d{2}\.json$/;
const REDACTED_NAME = 'redacted-user';
const JSON_ESCAPE = Buffer.from('\\u', 'latin1');
// NFC turns these into "K" and "`": a profile email or id spelt with them holds no ASCII needle
const KELVIN = Buffer.from('\u212a', 'utf8');
const VARIA = Buffer.from('\u1fef', 'utf8');

type ChannelType = 'channel' | 'private-channel' | 'dm' | 'group-dm';

export const CHAT_PUBLIC_RETENTION: Retention = {
  reason: "a message in one of the project's public chat channels: part of the record of its public forums",
  ground:
    'the privacy statement\'s "Public Forums Reminder": legitimate interest (GDPR Art. 6(1)(f)) in an accurate record of the public forums ' +
    'and in the integrity of that content for historical, scientific and research purposes (Art. 17(3)(d)); the source can be set to erase: { messages: redact }',
};

export const CHAT_PRIVATE_RETENTION: Retention = {
  reason: "a message in a private conversation (private channel or direct message): the other participants' record of it",
  ground:
    "GDPR Art. 6(1)(f): the other participants' legitimate interest in the record of their own conversations; " +
    'kept because this source is set to erase: { messages: retain } (set redact to remove it)',
};

export const CHAT_MENTION_RETENTION: Retention = {
  reason: "another member's message that mentions this person by account id; the message is theirs and is left intact (the redacted profile no longer names this person)",
  ground: 'the other author\'s rights in their own words (GDPR Art. 17(3)(a), Art. 6(1)(f)); the privacy statement\'s "Public Forums Reminder"',
};

interface SlackUser {
  id: string;
  name?: string;
  deleted?: boolean;
  real_name?: string;
  tz?: string;
  tz_label?: string;
  team_id?: string;
  is_bot?: boolean;
  profile?: Record<string, unknown>;
}

interface SlackFile {
  name?: string;
  title?: string;
  mimetype?: string;
  filetype?: string;
  size?: number;
}

interface SlackMessage {
  type?: string;
  subtype?: string;
  user?: string;
  text?: string;
  ts?: string;
  thread_ts?: string;
  edited?: { ts?: string };
  files?: SlackFile[];
  blocks?: unknown;
  [k: string]: unknown;
}

/** The last message search per export (see discover). */
const MEMO = new Map<string, { key: string; stamp: string; records: PersonalRecord[] }>();
/**
 * The last batch's message search per export (see discoverMany): the records of each set of ids,
 * as JSON text (a copy the caller cannot change, and much cheaper to make than structuredClone).
 */
const MANY_MEMO = new Map<string, { stamp: string; byIds: Map<string, string[]> }>();

interface Folder {
  name: string;
  type: ChannelType;
}

export class SlackExportAdapter implements SourceAdapter {
  readonly kind = 'slack-export';
  readonly name: string;
  readonly identityTypes: readonly string[] = ['email', 'slack-id'];
  private readonly root: string;

  constructor(
    private readonly cfg: SlackSourceConfig,
    env: AdapterEnv,
  ) {
    this.name = cfg.name;
    this.root = isAbsolute(cfg.path) ? cfg.path : resolve(env.configDir, cfg.path);
  }

  async check(_signal: AbortSignal): Promise<CheckResult> {
    try {
      const users = await this.readUsers();
      const folders = await this.folders();
      return { ok: true, detail: `${this.cfg.path}: a Slack export, ${users.elements.length} users, ${folders.length} conversations` };
    } catch (err) {
      return { ok: false, detail: errorMessage(err) };
    }
  }

  async *discover(subject: IdentityMatcher, ctx: AdapterContext): AsyncIterable<PersonalRecord | IdentityLink> {
    const users = await this.readUsers();
    const ids = new Set<string>();
    for (const u of this.matchingUsers(users.buf, users.elements, subject)) {
      ids.add(u.user.id);
      yield this.profileRecord(u.user, u.matched);
      const link = this.profileLink(u.user, u.matched);
      if (link) yield link;
    }
    addKnownIds(ids, subject);
    ctx.stats['users'] = users.elements.length;
    if (ids.size === 0) return;
    // The engine's expansion round asks again for the slack-id this round revealed: the answer
    // is the same while no file has changed, so it is remembered (per export, per set of ids)
    // with a stamp of every day file's size and mtime, instead of reading the export twice.
    const { files, digest } = await this.dayFilesStamped();
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
      const buf = this.readInto(reader, rel);
      ctx.stats['files'] = (ctx.stats['files'] ?? 0) + 1;
      if (!needles.some((n) => buf.includes(n))) continue;
      for (const { msg, range } of this.candidateMessages(buf, rel, needles)) {
        const rec = this.messageRecord(msg, folder, rel, buf.subarray(range.start, range.end), ids);
        if (!rec) continue;
        found.push(structuredClone(rec));
        yield rec;
      }
    }
    MEMO.set(this.root, { key, stamp: digest, records: found });
  }

  /**
   * One pass for a batch: users.json is searched once for every subject (their profiles, and so
   * their ids), then every day file is read once and searched for all their ids at once. Each
   * subject gets what discover gives it: a message counts for a subject only when discover would
   * have looked at it (a byte search for one of that subject's ids hits it) and it names the
   * subject's ids (messageRecord, with that subject's ids).
   */
  async *discoverMany(subjects: readonly IdentityMatcher[], ctx: AdapterContext): AsyncIterable<TaggedItem> {
    const users = await this.readUsers();
    const ids = subjects.map(() => new Set<string>());
    for (const { subject: k, user, matched } of this.matchingUsersMany(users.buf, users.elements, subjects)) {
      ids[k]!.add(user.id);
      yield { subject: k, item: this.profileRecord(user, matched) };
      const link = this.profileLink(user, matched);
      if (link) yield { subject: k, item: link };
    }
    subjects.forEach((s, k) => addKnownIds(ids[k]!, s));
    ctx.stats['users'] = users.elements.length;
    const active = subjects.map((_, k) => k).filter((k) => ids[k]!.size > 0);
    if (active.length === 0) return;
    const { files, digest } = await this.dayFilesStamped();
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
      const buf = this.readInto(reader, rel);
      ctx.stats['files'] = (ctx.stats['files'] ?? 0) + 1;
      const hits = search.positions(buf);
      if (hits.length === 0) continue;
      const out: TaggedItem[] = [];
      for (const { range, from, to } of this.elementsWith(buf, rel, hits)) {
        const msg = this.parse<SlackMessage>(buf, range, rel);
        if (!msg || typeof msg !== 'object') continue;
        const named = new Set<number>(special);
        for (const id of namedIds(msg)) for (const k of owners.get(id) ?? []) named.add(k);
        for (const k of [...named].sort((a, b) => a - b)) {
          // discover looks at a message only where a byte search for one of the subject's ids hits
          if (!needles[k]!.some((n) => {
            const at = buf.indexOf(n, from);
            return at !== -1 && at < to;
          })) continue;
          const rec = this.messageRecord(msg, folder, rel, buf.subarray(range.start, range.end), ids[k]!);
          if (!rec) continue;
          found[k]!.push(JSON.stringify(rec));
          out.push({ subject: k, item: rec });
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
   * file of the export — its author, its `<@U…>` mentions and the user elements of its blocks
   * (namedIds, what messageRecord matches): an account deleted from users.json is still found by
   * its messages. One day file in memory at a time; each distinct identity yielded once.
   */
  async *identities(ctx: AdapterContext): AsyncIterable<Identity> {
    const users = await this.readUsers();
    const ids = new IdentityCollector();
    const add = (type: string, raw: string) => {
      const value = normalizeIdentity(type, raw);
      if (value !== null) ids.add({ type, value });
    };
    for (const el of users.elements) {
      const user = this.parse<SlackUser>(users.buf, el, 'users.json');
      if (!user || typeof user.id !== 'string') continue;
      if (isRedacted(user)) continue; // erased: discover no longer matches the profile (its messages name the id)
      add('slack-id', user.id);
      const email = user.profile?.['email'];
      if (typeof email === 'string') for (const e of emailsInCell(email)) add('email', e);
    }
    ctx.stats['users'] = users.elements.length;
    yield* ids.take();
    const reader = new FileReader();
    for (const folder of await this.folders()) {
      for (const day of await this.dayFiles(folder)) {
        if (ctx.signal.aborted) throw ctx.signal.reason;
        const rel = `${folder.name}/${day}`;
        const buf = this.readInto(reader, rel);
        ctx.stats['files'] = (ctx.stats['files'] ?? 0) + 1;
        for (const msg of this.messagesOf(buf, rel)) {
          if (!msg || typeof msg !== 'object') continue;
          for (const id of namedIds(msg)) add('slack-id', id);
        }
        yield* ids.take();
      }
    }
  }

  async *erase(steps: ErasureStep[], subject: IdentityMatcher, ctx: AdapterContext): AsyncIterable<StepResult> {
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
      const file = join(this.root, rel);
      try {
        await atomicRewrite(file, async (out, input) => {
          results.clear(); // a try again on content that changed meanwhile starts afresh
          const buf = await input.read();
          const elements = this.elements(buf, rel);
          const replace = new Map<number, string>();
          if (rel === 'users.json') this.planProfileRedactions(buf, elements, list, subject, replace, results);
          else this.planMessageRedactions(buf, elements, list, replace, results);
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
        }, { rewriteReadOnly: this.cfg.rewriteReadOnly, label: `${this.cfg.path}/${rel}` });
      } catch (err) {
        if (err instanceof SourceError || ctx.signal.aborted) throw err;
        throw new SourceError(`${this.cfg.path}/${rel}: could not rewrite the file: ${errorMessage(err)}`, 'check that the export folder is writable; nothing was changed');
      }
      for (const s of list) yield results.get(s.id) ?? { stepId: s.id, status: 'gone' };
    }
  }

  // ---- reading ----

  private async readFile(rel: string): Promise<Buffer> {
    try {
      // synchronous: a day file is small, and an asynchronous read costs a thread-pool round
      // trip per file (thousands of them in a large export)
      return readFileSync(join(this.root, rel));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : errorMessage(err);
      throw new SourceError(`${this.cfg.path}/${rel}: cannot read the file (${why})`, `check sources "${this.name}".path: it must be an unpacked Slack export folder`);
    }
  }

  private readInto(reader: FileReader, rel: string): Buffer {
    try {
      return reader.read(join(this.root, rel));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : errorMessage(err);
      throw new SourceError(`${this.cfg.path}/${rel}: cannot read the file (${why})`, `check sources "${this.name}".path: it must be an unpacked Slack export folder`);
    }
  }

  /** Every day file, and a stamp of their names, sizes and mtimes (for the memos of message searches). */
  private async dayFilesStamped(): Promise<{ files: Array<{ folder: Folder; rel: string }>; digest: string }> {
    const files: Array<{ folder: Folder; rel: string }> = [];
    for (const folder of await this.folders()) for (const day of await this.dayFiles(folder)) files.push({ folder, rel: `${folder.name}/${day}` });
    const stamp = createHash('sha256');
    for (const f of files) {
      const st = statSync(join(this.root, f.rel), { throwIfNoEntry: false });
      stamp.update(`${f.rel}\0${st?.size ?? -1}\0${st?.mtimeMs ?? -1}\n`);
    }
    return { files, digest: stamp.digest('hex') };
  }

  /** What a message search depends on: the export, the ids, the erase mode. */
  private searchKey(ids: Set<string>): string {
    return `${this.root}\0${[...ids].sort().join(',')}\0${this.cfg.erase.messages}`;
  }

  /**
   * The elements of a day file that hold the byte positions `hits`, each with the positions a
   * hit is counted in for it (see elementsAround): around the hits when the file is laid out as
   * an export is, else from arrayElements over the whole file.
   */
  private elementsWith(buf: Buffer, rel: string, hits: number[]): Array<{ range: ElementRange; from: number; to: number }> {
    const near = elementsAround(buf, hits);
    if (near) return near;
    const elements = this.elements(buf, rel);
    if (elements.length === 0) return [];
    const out = new Map<number, { range: ElementRange; from: number; to: number }>();
    for (const at of hits) {
      const k = elementAt(elements, at);
      if (!out.has(k)) out.set(k, { range: elements[k]!, from: k === 0 ? 0 : elements[k]!.start, to: k + 1 < elements.length ? elements[k + 1]!.start : buf.length });
    }
    return [...out.values()];
  }

  private elements(buf: Buffer, rel: string): ElementRange[] {
    try {
      return arrayElements(buf);
    } catch (err) {
      throw new SourceError(`${this.cfg.path}/${rel}: not a Slack export file (${errorMessage(err)})`, 'export the workspace again, or fix the file; nothing was changed');
    }
  }

  private parse<T>(buf: Buffer, range: ElementRange, rel: string): T {
    try {
      return JSON.parse(buf.toString('utf8', range.start, range.end)) as T;
    } catch (err) {
      throw new SourceError(`${this.cfg.path}/${rel}: malformed JSON at byte ${range.start}: ${errorMessage(err)}`, 'export the workspace again, or fix the file; nothing was changed');
    }
  }

  private async readUsers(): Promise<{ buf: Buffer; elements: ElementRange[] }> {
    const st = await fsp.stat(this.root).catch(() => null);
    if (!st?.isDirectory()) {
      throw new SourceError(`${this.cfg.path}: no such folder`, `check sources "${this.name}".path: it must be an unpacked Slack export folder`);
    }
    const buf = await this.readFile('users.json');
    return { buf, elements: this.elements(buf, 'users.json') };
  }

  /**
   * Accounts that belong to the subject: profile email equal to one of theirs (whole address), or
   * id equal to one of their slack-ids. Pre-filter: the lower-cased bytes of an element hold a
   * needle, or a JSON \u escape (which could spell one); then exact matching on parsed fields.
   */
  private *matchingUsers(buf: Buffer, elements: ElementRange[], subject: IdentityMatcher): Iterable<{ user: SlackUser; matched: MatchedIdentity[] }> {
    const patterns = userPatterns(subject);
    if (patterns.length === 0 || elements.length === 0) return;
    const base = elements[0]!.start;
    const lower = lowerAscii(buf, base, elements[elements.length - 1]!.end);
    const hits = new Set<number>();
    for (const p of patterns) {
      for (let at = lower.indexOf(p); at !== -1; at = lower.indexOf(p, at + 1)) hits.add(elementAt(elements, base + at));
    }
    for (const k of [...hits].sort((a, b) => a - b)) {
      const user = this.parse<SlackUser>(buf, elements[k]!, 'users.json');
      if (!user || typeof user.id !== 'string') continue;
      if (isRedacted(user)) continue; // erased earlier: nothing personal left in it
      const matched = matchUser(user, subject);
      if (matched.length > 0) yield { user, matched };
    }
  }

  /**
   * matchingUsers for every subject of a batch, in one search of users.json. An account counts
   * for a subject when matchingUsers would give it: its element holds one of that subject's
   * patterns (checked per subject, in the folded bytes, before anything is yielded: the folded
   * view is shared) and its profile email or id is the subject's.
   */
  private matchingUsersMany(buf: Buffer, elements: ElementRange[], subjects: readonly IdentityMatcher[]): Array<{ subject: number; user: SlackUser; matched: MatchedIdentity[] }> {
    const patterns = subjects.map(userPatterns);
    const all = [...new Set(patterns.flat().map((p) => p.toString('latin1')))];
    if (all.length === 0 || elements.length === 0) return [];
    // canonical email / id → the subjects that have it
    const owners = new Map<string, number[]>();
    subjects.forEach((s, k) => {
      for (const v of s.needles(['email']).filter((x) => x.includes('@'))) owners.set(`email\0${v}`, [...(owners.get(`email\0${v}`) ?? []), k]);
      for (const v of s.needles(['slack-id'])) owners.set(`slack-id\0${v}`, [...(owners.get(`slack-id\0${v}`) ?? []), k]);
    });
    const base = elements[0]!.start;
    const lower = lowerAscii(buf, base, elements[elements.length - 1]!.end);
    const text = lower.toString('latin1');
    const search = new RegExp(all.sort((a, b) => b.length - a.length).map(escapeRegExp).join('|'), 'g');
    const hits = new Set<number>();
    for (let m = search.exec(text); m !== null; m = search.exec(text)) {
      hits.add(elementAt(elements, base + m.index));
      search.lastIndex = m.index + 1;
    }
    const out: Array<{ subject: number; user: SlackUser; matched: MatchedIdentity[] }> = [];
    for (const k of [...hits].sort((a, b) => a - b)) {
      const user = this.parse<SlackUser>(buf, elements[k]!, 'users.json');
      if (!user || typeof user.id !== 'string') continue;
      if (isRedacted(user)) continue;
      const email = typeof user.profile?.['email'] === 'string' ? (user.profile['email'] as string) : '';
      const whose = new Set<number>();
      for (const e of email ? emailsInCell(email) : []) for (const s of owners.get(`email\0${e}`) ?? []) whose.add(s);
      const id = normalizeIdentity('slack-id', user.id);
      if (id !== null) for (const s of owners.get(`slack-id\0${id}`) ?? []) whose.add(s);
      // where matchingUsers would have looked for subject s: its patterns' hits in this element
      const from = elements[k]!.start - base;
      const to = k + 1 < elements.length ? elements[k + 1]!.start - base : Infinity;
      for (const s of [...whose].sort((a, b) => a - b)) {
        if (!patterns[s]!.some((p) => {
          const at = lower.indexOf(p, from);
          return at !== -1 && at < to;
        })) continue;
        const matched = matchUser(user, subjects[s]!);
        if (matched.length > 0) out.push({ subject: s, user, matched });
      }
    }
    return out;
  }

  private async folders(): Promise<Folder[]> {
    const types = new Map<string, ChannelType>();
    const meta: Array<[string, ChannelType, 'name' | 'id']> = [
      ['channels.json', 'channel', 'name'],
      ['groups.json', 'private-channel', 'name'],
      ['dms.json', 'dm', 'id'],
      ['mpims.json', 'group-dm', 'name'],
    ];
    for (const [file, type, key] of meta) {
      let buf: Buffer;
      try {
        buf = await fsp.readFile(join(this.root, file));
      } catch {
        continue; // optional: present only for the conversations the export includes
      }
      for (const el of this.elements(buf, file)) {
        const c = this.parse<Record<string, unknown>>(buf, el, file);
        if (typeof c?.[key] === 'string') types.set(c[key] as string, type);
      }
    }
    let entries;
    try {
      entries = await fsp.readdir(this.root, { withFileTypes: true });
    } catch (err) {
      throw new SourceError(`${this.cfg.path}: cannot list the folder (${errorMessage(err)})`, `check sources "${this.name}".path`);
    }
    return entries
      .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
      .map((e) => ({ name: e.name, type: types.get(e.name) ?? (/^D[A-Z0-9]+$/.test(e.name) ? 'dm' : 'channel') }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  private async dayFiles(folder: Folder): Promise<string[]> {
    const names = await fsp.readdir(join(this.root, folder.name));
    return names.filter((n) => DAY_FILE.test(n)).sort();
  }

  /**
   * Every element of a day file, parsed: the whole array at once when it is valid JSON, else
   * element by element, so that a malformed file fails with the error discover gives.
   */
  private messagesOf(buf: Buffer, rel: string): SlackMessage[] {
    const hasBom = buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf;
    try {
      const all = JSON.parse(buf.toString('utf8', hasBom ? 3 : 0)) as unknown;
      if (Array.isArray(all)) return all as SlackMessage[];
    } catch {
      // element by element below
    }
    return this.elements(buf, rel).map((range) => this.parse<SlackMessage>(buf, range, rel));
  }

  private *candidateMessages(buf: Buffer, rel: string, needles: Buffer[]): Iterable<{ msg: SlackMessage; range: ElementRange }> {
    const elements = this.elements(buf, rel);
    const hits = new Set<number>();
    for (const n of needles) {
      for (let at = buf.indexOf(n); at !== -1; at = buf.indexOf(n, at + 1)) hits.add(elementAt(elements, at));
    }
    for (const k of [...hits].sort((a, b) => a - b)) {
      const range = elements[k]!;
      const msg = this.parse<SlackMessage>(buf, range, rel);
      if (msg && typeof msg === 'object') yield { msg, range };
    }
  }

  // ---- records ----

  /** The account's id, linked (strongly) to the subject's address that is its profile email. */
  private profileLink(user: SlackUser, matched: MatchedIdentity[]): IdentityLink | null {
    const email = matched.find((m) => m.type === 'email');
    if (!email) return null;
    return {
      kind: 'identity-link',
      from: { type: 'email', value: email.value },
      to: { type: 'slack-id', value: user.id.toLowerCase() },
      strength: 'strong',
      source: this.name,
      locator: `users.json#${user.id}`,
      reason: 'the Slack export gives this address as the profile email of the account',
    };
  }

  private profileRecord(user: SlackUser, matched: MatchedIdentity[]): PersonalRecord {
    const p = user.profile ?? {};
    const str = (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? v : undefined);
    const data: Record<string, unknown> = {
      id: user.id,
      name: str(user.name),
      realName: str(user.real_name) ?? str(p['real_name']),
      displayName: str(p['display_name']),
      title: str(p['title']),
      phone: str(p['phone']),
      timeZone: str(user.tz),
      timeZoneLabel: str(user.tz_label),
      email: str(p['email']),
      ...(user.deleted ? { deleted: true } : {}),
    };
    for (const k of Object.keys(data)) if (data[k] === undefined) delete data[k];
    const categories = new Set(['online.handle']);
    if (data['realName'] || data['displayName']) categories.add('name');
    if (data['email']) categories.add('contact.email');
    if (data['phone']) categories.add('contact.phone');
    if (data['title']) categories.add('professional.title');
    if (data['timeZone']) categories.add('location.timezone');
    return {
      source: this.name,
      type: 'chat-profile',
      locator: `users.json#${user.id}`,
      matched,
      categories: [...categories].sort(),
      data,
      disposition: 'erase',
      action: 'redact-profile',
      erasure: { file: 'users.json', id: user.id },
    };
  }

  private messageRecord(msg: SlackMessage, folder: Folder, rel: string, raw: Buffer, ids: Set<string>): PersonalRecord | null {
    const ts = typeof msg.ts === 'string' ? msg.ts : '';
    const where = {
      channel: folder.name,
      channelType: folder.type,
      ts,
      date: tsToIso(ts),
      ...(typeof msg.thread_ts === 'string' && msg.thread_ts !== ts ? { threadTs: msg.thread_ts } : {}),
      ...(typeof msg.thread_ts === 'string' && msg.thread_ts === ts ? { threadParent: true } : {}),
    };
    const locator = `${rel}#${ts}`;
    if (typeof msg.user === 'string' && ids.has(msg.user)) {
      const files = Array.isArray(msg.files)
        ? msg.files.map((f) => {
            const o: Record<string, unknown> = { name: f.name ?? '', title: f.title ?? '', mimetype: f.mimetype ?? '' };
            if (typeof f.size === 'number') o['size'] = f.size;
            return o; // never url_private, permalink, thumb_*: they carry access tokens
          })
        : [];
      const data: Record<string, unknown> = {
        ...where,
        ...(msg.subtype ? { subtype: msg.subtype } : {}),
        text: typeof msg.text === 'string' ? msg.text : '',
        ...(msg.edited?.ts ? { edited: tsToIso(msg.edited.ts) } : {}),
        ...(files.length > 0 ? { files } : {}),
      };
      const isPublic = folder.type === 'channel';
      const base = {
        source: this.name,
        type: 'chat-message',
        locator,
        matched: [{ type: 'slack-id', value: msg.user.toLowerCase(), field: 'user' }],
        categories: ['communication.content', 'online.handle', ...(files.length > 0 ? ['communication.files'] : [])].sort(),
        data,
      };
      if (this.cfg.erase.messages === 'redact') {
        return { ...base, disposition: 'erase', action: 'redact-message', erasure: { file: rel, ts, digest: sha256(raw) } };
      }
      return { ...base, disposition: 'retain', retention: isPublic ? CHAT_PUBLIC_RETENTION : CHAT_PRIVATE_RETENTION };
    }
    const mentioned = [...ids].filter((id) => mentions(msg, id));
    if (mentioned.length === 0) return null;
    return {
      source: this.name,
      type: 'chat-mention',
      locator,
      matched: mentioned.map((id) => ({ type: 'slack-id', value: id.toLowerCase(), field: 'text' })),
      categories: ['online.handle'],
      data: { ...where, mentionedIn: "a message by another member (its text is theirs and is not part of this export)" },
      disposition: 'retain',
      retention: CHAT_MENTION_RETENTION,
    };
  }

  // ---- erasing ----

  private planProfileRedactions(buf: Buffer, elements: ElementRange[], steps: ErasureStep[], subject: IdentityMatcher, replace: Map<number, string>, results: Map<string, StepResult>): void {
    const wanted = new Map(steps.map((s) => [String(s.params['id'] ?? ''), s]));
    const needles = [...wanted.keys()].filter(Boolean).map((id) => Buffer.from(`"${id}"`, 'latin1'));
    const hits = new Set<number>();
    for (const n of needles) for (let at = buf.indexOf(n); at !== -1; at = buf.indexOf(n, at + 1)) hits.add(elementAt(elements, at));
    for (const k of hits) {
      const el = elements[k]!;
      const user = this.parse<SlackUser>(buf, el, 'users.json');
      const step = wanted.get(user?.id ?? '');
      if (!step) continue;
      if (isRedacted(user)) continue; // done earlier: gone
      // Act only on the account the plan named, and only while it is still the subject's (a plan
      // is a file, and a file can be edited).
      const email = typeof user.profile?.['email'] === 'string' ? (user.profile['email'] as string) : '';
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

  private planMessageRedactions(buf: Buffer, elements: ElementRange[], steps: ErasureStep[], replace: Map<number, string>, results: Map<string, StepResult>): void {
    const byDigest = new Map<string, ErasureStep[]>();
    for (const s of steps) byDigest.set(String(s.params['digest'] ?? ''), [...(byDigest.get(String(s.params['digest'] ?? '')) ?? []), s]);
    const tsNeedles = [...new Set(steps.map((s) => String(s.params['ts'] ?? '')))].filter(Boolean).map((ts) => Buffer.from(`"${ts}"`, 'latin1'));
    const hits = new Set<number>();
    for (const n of tsNeedles) for (let at = buf.indexOf(n); at !== -1; at = buf.indexOf(n, at + 1)) hits.add(elementAt(elements, at));
    for (const k of hits) {
      const el = elements[k]!;
      const raw = buf.subarray(el.start, el.end);
      const list = byDigest.get(sha256(raw));
      if (!list) continue;
      const msg = JSON.parse(raw.toString('utf8')) as SlackMessage;
      const keep: Record<string, unknown> = { type: 'message', subtype: 'tombstone', user: 'USLACKBOT', text: 'This message was deleted.', ts: msg.ts };
      // thread structure stays, so that replies still hang together
      for (const key of ['thread_ts', 'parent_user_id', 'reply_count', 'reply_users_count', 'latest_reply', 'reply_users', 'replies']) {
        if (msg[key] !== undefined) keep[key] = msg[key];
      }
      keep['hidden'] = true;
      replace.set(k, serializeLike(raw, buf, el.start, keep));
      for (const s of list) results.set(s.id, { stepId: s.id, status: 'done' });
    }
  }
}

/** Reads whole files into one growing buffer, synchronously (a day file is small). */
class FileReader {
  private buf = Buffer.allocUnsafeSlow(1 << 20);

  read(file: string): Buffer {
    const fd = openSync(file, 'r');
    try {
      const size = fstatSync(fd).size;
      if (this.buf.length < size) this.buf = Buffer.allocUnsafeSlow(Math.max(size, this.buf.length * 2));
      let got = 0;
      while (got < size) {
        const n = readSync(fd, this.buf, got, size - got, got);
        if (n === 0) break;
        got += n;
      }
      return this.buf.subarray(0, got);
    } finally {
      closeSync(fd);
    }
  }
}

/**
 * What matchingUsers searches users.json for: the subject's addresses and ids (an address's
 * longest ASCII run when it has other characters), a JSON \\u escape, which could spell one, and
 * a KELVIN SIGN or GREEK VARIA, which NFC makes a "k" or "`" of.
 */
function userPatterns(subject: IdentityMatcher): Buffer[] {
  const needles = subject.needles(['email', 'slack-id']).filter((x) => !x.includes('!'));
  if (needles.length === 0) return [];
  const out = [...bytePatterns(needles), JSON_ESCAPE];
  if (needles.some((n) => n.includes('k'))) out.push(KELVIN);
  if (needles.some((n) => n.includes('`'))) out.push(VARIA);
  return out;
}

/** A known id whose account is no longer in users.json still finds its messages. */
function addKnownIds(ids: Set<string>, subject: IdentityMatcher): void {
  for (const v of subject.needles(['slack-id'])) if (![...ids].some((id) => id.toLowerCase() === v)) ids.add(v.toUpperCase());
}

/** The subject's identities in an account: its profile email, its id. */
function matchUser(user: SlackUser, subject: IdentityMatcher): MatchedIdentity[] {
  const matched: MatchedIdentity[] = [];
  const email = typeof user.profile?.['email'] === 'string' ? (user.profile['email'] as string) : '';
  const e = email ? subject.matchCell('email', email) : null;
  if (e !== null) matched.push({ type: 'email', value: e, field: 'profile.email' });
  const id = subject.matchCell('slack-id', user.id);
  if (id !== null) matched.push({ type: 'slack-id', value: id, field: 'id' });
  return matched;
}

/**
 * Every id a message could name for messageRecord: its author, the ids of its `<@…>` mentions
 * (what follows `<@` up to `>` or `|`), and the user elements of its blocks.
 */
function namedIds(msg: SlackMessage): Set<string> {
  const out = new Set<string>();
  if (typeof msg.user === 'string') out.add(msg.user);
  const text = msg.text;
  if (typeof text === 'string') {
    for (let q = text.indexOf('<@'); q !== -1; q = text.indexOf('<@', q + 1)) {
      let e = q + 2;
      while (e < text.length && text[e] !== '>' && text[e] !== '|') e++;
      if (e < text.length) out.add(text.slice(q + 2, e));
    }
  }
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (o['type'] === 'user' && typeof o['user_id'] === 'string') out.add(o['user_id']);
      Object.values(o).forEach(walk);
    }
  };
  walk(msg.blocks);
  return out;
}

function isRedacted(user: SlackUser): boolean {
  return user.name === REDACTED_NAME && !user.profile?.['email'];
}

function isDayFilePath(rel: string): boolean {
  const parts = rel.split('/');
  return parts.length === 2 && parts[0] !== '' && parts[0] !== '.' && parts[0] !== '..' && DAY_FILE.test(parts[1]!);
}

function sha256(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}

function tsToIso(ts: string): string {
  const n = Number(ts);
  return Number.isFinite(n) && n > 0 ? new Date(Math.round(n * 1000)).toISOString() : '';
}

function elementAt(elements: ElementRange[], pos: number): number {
  let lo = 0;
  let hi = elements.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (elements[mid]!.start <= pos) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Does another member's message mention `id`: `<@U…>` / `<@U…|name>` in its text, or a user element in its blocks? */
function mentions(msg: SlackMessage, id: string): boolean {
  if (typeof msg.text === 'string' && (msg.text.includes(`<@${id}>`) || msg.text.includes(`<@${id}|`))) return true;
  const walk = (v: unknown): boolean => {
    if (Array.isArray(v)) return v.some(walk);
    if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (o['type'] === 'user' && o['user_id'] === id) return true;
      return Object.values(o).some(walk);
    }
    return false;
  };
  return walk(msg.blocks);
}

export const slackExportFactory: AdapterFactory<SlackSourceConfig> = {
  kind: 'slack-export',
  schema: slackSourceSchema as unknown as AdapterFactory<SlackSourceConfig>['schema'],
  defaults: {
    categories: ['contact.email', 'name', 'online.handle', 'professional.title', 'contact.phone', 'location.timezone', 'communication.content'],
    purpose: ['communication', 'public project discussion'],
    legalBasis: 'legitimate-interest',
    recipients: ['the workspace members', 'Slack (hosting)'],
    retention: "the profile until the account is closed; messages kept as the record of the project's chat (privacy statement, \"Public Forums Reminder\")",
    origin: 'provided by the data subject (their Slack profile and messages) and by other members (mentions)',
  },
  create: (cfg, env) => new SlackExportAdapter(cfg, env),
};
