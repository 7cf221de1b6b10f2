// The records a day-file message gives a subject: their own messages, and others' messages that
// mention them. Built from the parsed message alone; never another person's text.
import type { PersonalRecord } from '../../core/record.js';
import { sha256, tsToIso, type Folder, type SlackMessage } from './model.js';
import { CHAT_MENTION_RETENTION, CHAT_PRIVATE_RETENTION, CHAT_PUBLIC_RETENTION } from './retention.js';

export type MessagesMode = 'retain' | 'redact';

export function messageRecord(source: string, mode: MessagesMode, msg: SlackMessage, folder: Folder, rel: string, raw: Buffer, ids: Set<string>): PersonalRecord | null {
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
      source,
      type: 'chat-message',
      locator,
      matched: [{ type: 'slack-id', value: msg.user.toLowerCase(), field: 'user' }],
      categories: ['communication.content', 'online.handle', ...(files.length > 0 ? ['communication.files'] : [])].sort(),
      data,
    };
    if (mode === 'redact') {
      return { ...base, disposition: 'erase', action: 'redact-message', erasure: { file: rel, ts, digest: sha256(raw) } };
    }
    return { ...base, disposition: 'retain', retention: isPublic ? CHAT_PUBLIC_RETENTION : CHAT_PRIVATE_RETENTION };
  }
  const mentioned = [...ids].filter((id) => mentions(msg, id));
  if (mentioned.length === 0) return null;
  return {
    source,
    type: 'chat-mention',
    locator,
    matched: mentioned.map((id) => ({ type: 'slack-id', value: id.toLowerCase(), field: 'text' })),
    categories: ['online.handle'],
    data: { ...where, mentionedIn: "a message by another member (its text is theirs and is not part of this export)" },
    disposition: 'retain',
    retention: CHAT_MENTION_RETENTION,
  };
}

/**
 * Every id a message could name for messageRecord: its author, the ids of its `<@…>` mentions
 * (what follows `<@` up to `>` or `|`), and the user elements of its blocks.
 */
export function namedIds(msg: SlackMessage): Set<string> {
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
