// The records a day-file message gives a subject, built from the parsed message alone and holding
// only the subject's data (never another person's text, nor the ids of other members):
// - their own messages (`user`, or `comment.user` of a legacy file comment), with the files they
//   uploaded (`files`, or the legacy singular `file`) by name — never a URL (they carry tokens);
//   their channel_join / channel_leave messages are memberships;
// - the copies of their profile that messages carry: the `user_profile` Slack embeds in each of
//   their messages, and the `|label` of a `<@U…|label>` mention of them (their handle) in a
//   message's text or legacy `username` — erased always;
// - others' messages that mention them, embed their file (a `file_comment` on it), list them as
//   members (`channel_archive`), name them as `inviter`, or list them among a thread's repliers;
// - their reactions (`reactions[].users`) on any message, and on the file of an upload.
import type { PersonalRecord } from '../../core/record.js';
import { sha256, tsToIso, type Folder, type SlackFile, type SlackMessage } from './model.js';
import { CHAT_ACTIVITY_RETENTION, CHAT_FILE_RETENTION, CHAT_MENTION_RETENTION, CHAT_PRIVATE_RETENTION, CHAT_PUBLIC_RETENTION } from './retention.js';

export type MessagesMode = 'retain' | 'redact';

/** Messages Slack writes when a member joins or leaves a conversation: memberships, not words. */
const MEMBERSHIP_EVENTS: Readonly<Record<string, string>> = {
  channel_join: 'joined',
  channel_leave: 'left',
  group_join: 'joined',
  group_leave: 'left',
};

/** The author of a message: `user`, or for a legacy `file_comment` (which has none) the comment's. */
export function authorOf(msg: SlackMessage): string | undefined {
  if (typeof msg.user === 'string') return msg.user;
  const comment = msg['comment'] as { user?: unknown } | undefined;
  return msg.subtype === 'file_comment' && typeof comment?.user === 'string' ? comment.user : undefined;
}

/** The file objects a message embeds: `files`, and the legacy singular `file`. */
export function filesOf(msg: SlackMessage): SlackFile[] {
  const out: SlackFile[] = [];
  if (Array.isArray(msg.files)) for (const f of msg.files) if (f && typeof f === 'object') out.push(f);
  if (msg.file && typeof msg.file === 'object' && !Array.isArray(msg.file)) out.push(msg.file);
  return out;
}

/** A file as exported: what it is, never where (url_private, permalink, thumb_* carry tokens). */
function fileData(f: SlackFile): Record<string, unknown> {
  const o: Record<string, unknown> = { name: f.name ?? '', title: f.title ?? '', mimetype: f.mimetype ?? '' };
  if (typeof f.size === 'number') o['size'] = f.size;
  return o;
}

/** The `|label`s of the `<@id|label>` mentions of `ids` in a text (a label is the member's handle). */
export function mentionLabels(text: unknown, ids: Set<string>): string[] {
  if (typeof text !== 'string') return [];
  const out: string[] = [];
  for (const m of text.matchAll(/<@([^>|]+)\|([^>]*)>/g)) if (ids.has(m[1]!)) out.push(m[2]!);
  return out;
}

/** The ids of `list` (an array of ids) that are among `ids`. */
const among = (list: unknown, ids: Set<string>): string[] => (Array.isArray(list) ? list.filter((x): x is string => typeof x === 'string' && ids.has(x)) : []);

const matchedOf = (found: Iterable<string>, field: string) => [...new Set(found)].map((id) => ({ type: 'slack-id', value: id.toLowerCase(), field }));

export function messageRecords(
  source: string,
  mode: MessagesMode,
  msg: SlackMessage,
  folder: Folder,
  rel: string,
  raw: Buffer,
  ids: Set<string>,
): PersonalRecord[] {
  const ts = typeof msg.ts === 'string' ? msg.ts : '';
  const date = tsToIso(ts);
  const where = {
    channel: folder.name,
    channelType: folder.type,
    ts,
    date,
    ...(typeof msg.thread_ts === 'string' && msg.thread_ts !== ts ? { threadTs: msg.thread_ts } : {}),
    ...(typeof msg.thread_ts === 'string' && msg.thread_ts === ts ? { threadParent: true } : {}),
  };
  const locator = `${rel}#${ts}`;
  const isPublic = folder.type === 'channel';
  const out: PersonalRecord[] = [];
  const retained = (type: string, matched: PersonalRecord['matched'], categories: string[], data: Record<string, unknown>, at = locator): PersonalRecord => ({
    source,
    type,
    locator: at,
    matched,
    categories: [...new Set(categories)].sort(),
    data,
    disposition: 'retain',
    retention: CHAT_ACTIVITY_RETENTION,
  });
  const author = authorOf(msg);
  const own = author !== undefined && ids.has(author);
  const event = typeof msg.subtype === 'string' ? MEMBERSHIP_EVENTS[msg.subtype] : undefined;
  let tombstoned = false;
  if (own && event) {
    out.push(retained('chat-membership', matchedOf([author], 'user'), ['communication.metadata', 'online.handle'], { ...where, event }));
  } else if (own) {
    // their uploads; a comment of theirs on another member's file embeds that file: not theirs
    const files = filesOf(msg)
      .filter((f) => f.user === undefined || ids.has(String(f.user)))
      .map(fileData);
    const comment = msg['comment'] as { comment?: unknown } | undefined;
    const text = msg.subtype === 'file_comment' && typeof comment?.comment === 'string' ? comment.comment : typeof msg.text === 'string' ? msg.text : '';
    const data: Record<string, unknown> = {
      ...where,
      ...(msg.subtype ? { subtype: msg.subtype } : {}),
      text,
      ...(msg.edited?.ts ? { edited: tsToIso(msg.edited.ts) } : {}),
      ...(files.length > 0 ? { files } : {}),
    };
    const base = {
      source,
      type: 'chat-message',
      locator,
      matched: matchedOf([author], msg.user === author ? 'user' : 'comment.user'),
      categories: ['communication.content', 'online.handle', ...(files.length > 0 ? ['communication.files'] : [])].sort(),
      data,
    };
    if (mode === 'redact') {
      out.push({ ...base, disposition: 'erase', action: 'redact-message', erasure: { file: rel, ts, digest: sha256(raw) } });
      tombstoned = true;
    } else out.push({ ...base, disposition: 'retain', retention: isPublic ? CHAT_PUBLIC_RETENTION : CHAT_PRIVATE_RETENTION });
  } else {
    const mentioned = [...ids].filter((id) => mentions(msg, id));
    if (mentioned.length > 0) {
      out.push({
        source,
        type: 'chat-mention',
        locator,
        matched: matchedOf(mentioned, 'text'),
        categories: ['online.handle'],
        data: { ...where, mentionedIn: 'a message by another member (its text is theirs and is not part of this export)' },
        disposition: 'retain',
        retention: CHAT_MENTION_RETENTION,
      });
    }
    // their file, embedded in another member's message (a comment on it)
    const theirFiles = filesOf(msg).filter((f) => typeof f.user === 'string' && ids.has(f.user));
    if (theirFiles.length > 0) {
      const base = {
        source,
        type: 'chat-file',
        locator,
        matched: matchedOf(
          theirFiles.map((f) => f.user!),
          msg.file && theirFiles.includes(msg.file) ? 'file.user' : 'files[].user',
        ),
        categories: ['communication.files', 'online.handle'],
        data: {
          ...where,
          files: theirFiles.map(fileData),
          in: "another member's message embeds this file (its text is theirs and is not part of this export)",
        },
      };
      if (mode === 'redact')
        out.push({ ...base, disposition: 'erase', action: 'redact-file-copy', erasure: { file: rel, ts, ids: [...new Set(theirFiles.map((f) => f.user!))] } });
      else out.push({ ...base, disposition: 'retain', retention: CHAT_FILE_RETENTION });
    }
    // a reply another member also sent to the channel quotes its thread's first message: theirs
    const root = msg['root'] as SlackMessage | undefined;
    if (root && typeof root === 'object' && typeof root.user === 'string' && ids.has(root.user)) {
      const base = {
        source,
        type: 'chat-message-copy',
        locator,
        matched: matchedOf([root.user], 'root.user'),
        categories: ['communication.content', 'online.handle'],
        data: {
          ...where,
          copyOf: typeof root.ts === 'string' ? root.ts : '',
          text: typeof root.text === 'string' ? root.text : '',
          in: "another member's reply, also sent to the channel, quotes this message as the start of its thread",
        },
      };
      if (mode === 'redact') out.push({ ...base, disposition: 'erase', action: 'redact-root-copy', erasure: { file: rel, ts, ids: [root.user] } });
      else out.push({ ...base, disposition: 'retain', retention: isPublic ? CHAT_PUBLIC_RETENTION : CHAT_PRIVATE_RETENTION });
    }
    const listed = among(msg['members'], ids);
    if (listed.length > 0) {
      out.push(
        retained('chat-membership', matchedOf(listed, 'members'), ['communication.metadata', 'online.handle'], {
          ...where,
          event: `listed as a member (${msg.subtype ?? 'message'})`,
        }),
      );
    }
    if (typeof msg['inviter'] === 'string' && ids.has(msg['inviter'])) {
      out.push(
        retained('chat-invitation', matchedOf([msg['inviter']], 'inviter'), ['communication.metadata', 'online.handle'], {
          ...where,
          event: 'invited a member to the conversation',
        }),
      );
    }
    const replies = Array.isArray(msg['replies']) ? (msg['replies'] as Array<{ user?: unknown }>).map((r) => r?.user) : [];
    const inThread = [...among(msg['reply_users'], ids), ...among(replies, ids), ...among([msg['parent_user_id']], ids)];
    if (inThread.length > 0) {
      const started = among([msg['parent_user_id']], ids).length > 0;
      out.push(
        retained('chat-thread', matchedOf(inThread, started ? 'parent_user_id' : 'reply_users'), ['communication.metadata', 'online.handle'], {
          ...where,
          thread: started ? 'a reply to their message' : 'a thread they replied to',
        }),
      );
    }
  }
  // the copies of their profile this message carries (erased whatever the messages setting)
  if (!tombstoned) {
    const profile = own && msg['user_profile'] && typeof msg['user_profile'] === 'object' ? (msg['user_profile'] as Record<string, unknown>) : undefined;
    const labels = [...mentionLabels(msg.text, ids), ...mentionLabels(msg['username'], ids)];
    if (profile || labels.length > 0) {
      const str = (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? v : undefined);
      const data: Record<string, unknown> = {
        ...where,
        realName: str(profile?.['real_name']),
        displayName: str(profile?.['display_name']),
        name: str(profile?.['name']),
        avatar:
          profile && Object.keys(profile).some((k) => k.startsWith('image_') || k === 'avatar_hash') ? 'an avatar image (its URL is not exported)' : undefined,
        mentionLabels: labels.length > 0 ? [...new Set(labels)] : undefined,
      };
      for (const k of Object.keys(data)) if (data[k] === undefined) delete data[k];
      const found = [
        ...(profile ? [author!] : []),
        ...[...ids].filter((id) => [msg.text, msg['username']].some((t) => mentionLabels(t, new Set([id])).length > 0)),
      ];
      out.push({
        source,
        type: 'chat-profile-copy',
        locator,
        matched: matchedOf(found, profile ? 'user_profile' : 'text'),
        categories: ['name', 'online.handle', ...(data['avatar'] ? ['profile.image'] : [])].sort(),
        data,
        disposition: 'erase',
        action: 'redact-profile-copy',
        erasure: { file: rel, ts, ids: [...new Set(found)] },
      });
    }
  }
  // their reactions: on the message, and on the file of an upload (a comment's copy of a file
  // repeats the upload's reactions, so only the upload's count)
  const onFiles = msg.subtype === 'file_comment' ? [] : filesOf(msg);
  for (const [on, reactions] of [['message', msg['reactions']] as const, ...onFiles.map((f) => ['file', f.reactions] as const)]) {
    if (!Array.isArray(reactions)) continue;
    for (const r of reactions as Array<{ name?: unknown; users?: unknown }>) {
      const who = among(r?.users, ids);
      if (who.length === 0 || typeof r.name !== 'string') continue;
      const rec = retained(
        'chat-reaction',
        matchedOf(who, 'reactions[].users'),
        ['communication.metadata', 'online.handle'],
        { channel: folder.name, channelType: folder.type, ts, date, emoji: r.name, on },
        `${locator}:${on}-reaction:${r.name}`,
      );
      // on their own message under redact, the reaction goes with the message (the same step)
      if (!tombstoned) out.push(rec);
      else {
        const { retention: _kept, ...rest } = rec;
        out.push({ ...rest, disposition: 'erase', action: 'redact-message', erasure: { file: rel, ts, digest: sha256(raw) } });
      }
    }
  }
  return out;
}

/**
 * Every id a message could name for messageRecords: its author (and a file comment's), the ids
 * of its `<@…>` mentions (what follows `<@` up to `>` or `|`), the user elements of its blocks,
 * its reactions' users, the owners of the files it embeds, its member list, its inviter and its
 * thread's repliers.
 */
export function namedIds(msg: SlackMessage): Set<string> {
  const out = new Set<string>();
  const add = (v: unknown) => {
    if (typeof v === 'string') out.add(v);
  };
  add(msg.user);
  add(authorOf(msg));
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
  const files = filesOf(msg);
  for (const f of files) add(f.user);
  for (const reactions of [msg['reactions'], ...(msg.subtype === 'file_comment' ? [] : files.map((f) => f.reactions))]) {
    if (Array.isArray(reactions)) for (const r of reactions as Array<{ users?: unknown }>) if (Array.isArray(r?.users)) r.users.forEach(add);
  }
  for (const list of [msg['members'], msg['reply_users']]) if (Array.isArray(list)) list.forEach(add);
  if (Array.isArray(msg['replies'])) for (const r of msg['replies'] as Array<{ user?: unknown }>) add(r?.user);
  add(msg['inviter']);
  add(msg['parent_user_id']);
  add((msg['root'] as { user?: unknown } | undefined)?.user);
  return out;
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
