// The conversation metadata files (channels.json, groups.json, dms.json, mpims.json): the channels
// the subject created, the conversations that list them as a member, the topics and purposes they
// set, and the messages they pinned. Each record holds the conversation and the subject's part in
// it — never the other members.
import type { PersonalRecord } from '../../core/record.js';
import { tsToIso, type ChannelType } from './model.js';
import { CHAT_ACTIVITY_RETENTION } from './retention.js';

export interface Conversation {
  file: string;
  type: ChannelType;
  key: 'name' | 'id';
  conv: Record<string, unknown>;
}

/** The ids of a conversation object that the records below look at. */
export function conversationIds(conv: Record<string, unknown>): string[] {
  const out: unknown[] = [conv['creator']];
  if (Array.isArray(conv['members'])) out.push(...conv['members']);
  for (const k of ['topic', 'purpose']) out.push((conv[k] as { creator?: unknown } | undefined)?.creator);
  if (Array.isArray(conv['pins'])) for (const p of conv['pins'] as Array<{ user?: unknown; owner?: unknown }>) out.push(p?.user, p?.owner);
  return out.filter((x): x is string => typeof x === 'string' && x !== '');
}

export function conversationRecords(source: string, { file, type, key, conv }: Conversation, ids: Set<string>): PersonalRecord[] {
  const id = typeof conv['id'] === 'string' ? conv['id'] : '';
  const channel = typeof conv[key] === 'string' ? conv[key] : id;
  const where = { channel, channelType: type };
  const out: PersonalRecord[] = [];
  const add = (role: string, found: string, field: string, categories: string[], data: Record<string, unknown>) =>
    out.push({
      source,
      type: role,
      locator: `${file}#${id || channel}:${field}`,
      matched: [{ type: 'slack-id', value: found.toLowerCase(), field }],
      categories: [...categories, 'online.handle'].sort(),
      data: { ...where, ...data },
      disposition: 'retain',
      retention: CHAT_ACTIVITY_RETENTION,
    });
  if (typeof conv['creator'] === 'string' && ids.has(conv['creator'])) {
    add('chat-channel-created', conv['creator'], 'creator', ['project.role'], { created: tsToIso(conv['created']) });
  }
  const member = Array.isArray(conv['members']) ? conv['members'].find((m): m is string => typeof m === 'string' && ids.has(m)) : undefined;
  if (member) add('chat-membership', member, 'members', ['communication.metadata'], { event: `listed as a member in ${file}` });
  for (const field of ['topic', 'purpose'] as const) {
    const t = conv[field] as { value?: unknown; creator?: unknown; last_set?: unknown } | undefined;
    if (typeof t?.creator !== 'string' || !ids.has(t.creator)) continue;
    add('chat-channel-topic', t.creator, `${field}.creator`, ['communication.content'], {
      field,
      text: typeof t.value === 'string' ? t.value : '',
      ...(tsToIso(t.last_set) ? { date: tsToIso(t.last_set) } : {}),
    });
  }
  if (Array.isArray(conv['pins'])) {
    for (const p of conv['pins'] as Array<{ id?: unknown; user?: unknown; owner?: unknown; created?: unknown }>) {
      const who = [p?.user, p?.owner].find((u): u is string => typeof u === 'string' && ids.has(u));
      if (!who) continue;
      const at = typeof p.id === 'string' ? p.id : '';
      out.push({
        source,
        type: 'chat-pin',
        locator: `${file}#${id || channel}:pins:${at}`,
        matched: [{ type: 'slack-id', value: who.toLowerCase(), field: 'pins[].user' }],
        categories: ['communication.metadata', 'online.handle'],
        data: { ...where, pinned: at, date: tsToIso(p.created) },
        disposition: 'retain',
        retention: CHAT_ACTIVITY_RETENTION,
      });
    }
  }
  return out;
}
