// The Slack export adapter. users.json gives the subject's account (matched by profile email or
// by a known slack-id) and reveals its id — a strong identity link; the channel, private-channel,
// DM and group-DM folders are then searched for that id: the subject's own messages (`user`) and
// others' messages that mention them (`<@U…>`, exported as "mentioned in", never with the other
// person's text). A raw byte search for the id skips every day file that does not name it, and
// within a file only the elements that contain it are parsed. File URLs carry access tokens and
// are never exported. Erasure rewrites each file atomically, replacing only the affected elements.
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, promises as fsp, readFileSync, readSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { atomicRewrite } from '../../core/atomic-file.js';
import { SourceError, errorMessage } from '../../core/errors.js';
import type { IdentityMatcher, MatchedIdentity } from '../../core/identity.js';
import type { IdentityLink, PersonalRecord, Retention } from '../../core/record.js';
import type { AdapterContext, AdapterEnv, AdapterFactory, CheckResult, ErasureStep, SourceAdapter, StepResult } from '../types.js';
import { bytePatterns, lowerAscii } from '../mbox/bytes.js';
import { slackSourceSchema, type SlackSourceConfig } from './config.js';
import { arrayElements, serializeLike, type ElementRange } from './json-array.js';

const DAY_FILE = /^\d{4}-\d{2}-\d{2}\.json$/;
const REDACTED_NAME = 'redacted-user';
const JSON_ESCAPE = Buffer.from('\\u', 'latin1');

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
      const email = u.matched.find((m) => m.type === 'email');
      if (email) {
        yield {
          kind: 'identity-link',
          from: { type: 'email', value: email.value },
          to: { type: 'slack-id', value: u.user.id.toLowerCase() },
          strength: 'strong',
          source: this.name,
          locator: `users.json#${u.user.id}`,
          reason: 'the Slack export gives this address as the profile email of the account',
        };
      }
    }
    // a known id whose account is no longer in users.json still finds its messages
    for (const v of subject.needles(['slack-id'])) if (![...ids].some((id) => id.toLowerCase() === v)) ids.add(v.toUpperCase());
    ctx.stats['users'] = users.elements.length;
    if (ids.size === 0) return;
    // The engine's expansion round asks again for the slack-id this round revealed: the answer
    // is the same while no file has changed, so it is remembered (per export, per set of ids)
    // with a stamp of every day file's size and mtime, instead of reading the export twice.
    const files: Array<{ folder: Folder; rel: string }> = [];
    for (const folder of await this.folders()) for (const day of await this.dayFiles(folder)) files.push({ folder, rel: `${folder.name}/${day}` });
    const stamp = createHash('sha256');
    for (const f of files) {
      const st = statSync(join(this.root, f.rel), { throwIfNoEntry: false });
      stamp.update(`${f.rel}\0${st?.size ?? -1}\0${st?.mtimeMs ?? -1}\n`);
    }
    const key = `${this.root}\0${[...ids].sort().join(',')}\0${this.cfg.erase.messages}`;
    const digest = stamp.digest('hex');
    const memo = MEMO.get(this.root);
    if (memo && memo.key === key && memo.stamp === digest) {
      ctx.stats['filesUnchanged'] = files.length;
      for (const r of memo.records) yield structuredClone(r);
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
        await atomicRewrite(file, async (out) => {
          const buf = await fsp.readFile(file);
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
        });
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
    const needles = subject.needles(['email', 'slack-id']).filter((x) => !x.includes('!'));
    if (needles.length === 0 || elements.length === 0) return;
    const patterns = [...bytePatterns(needles), JSON_ESCAPE];
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
      const matched: MatchedIdentity[] = [];
      const email = typeof user.profile?.['email'] === 'string' ? (user.profile['email'] as string) : '';
      const e = email ? subject.matchCell('email', email) : null;
      if (e !== null) matched.push({ type: 'email', value: e, field: 'profile.email' });
      const id = subject.matchCell('slack-id', user.id);
      if (id !== null) matched.push({ type: 'slack-id', value: id, field: 'id' });
      if (matched.length > 0) yield { user, matched };
    }
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
