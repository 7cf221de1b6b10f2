// Why the Slack records that are kept are kept: the reason and the ground each retained record carries.
import type { Retention } from '../../core/record.js';

const PUBLIC_FORUMS_GROUND =
  'legitimate interest (GDPR Art. 6(1)(f)) in an accurate record of the public forums ' +
  'and in the integrity of that content for historical, scientific and research purposes (Art. 17(3)(d))';

export const CHAT_PUBLIC_RETENTION: Retention = {
  reason: "a message in one of the project's public chat channels: part of the record of its public forums",
  ground: PUBLIC_FORUMS_GROUND,
  hint: 'the source can be set to erase: { messages: redact }',
};

export const CHAT_PRIVATE_RETENTION: Retention = {
  reason: "a message in a private conversation (private channel or direct message): the other participants' record of it",
  ground: "GDPR Art. 6(1)(f): the other participants' legitimate interest in the record of their own conversations",
  hint: 'kept because this source is set to erase: { messages: retain } (set redact to remove it)',
};

export const CHAT_MENTION_RETENTION: Retention = {
  reason:
    "another member's message that mentions this person by account id; the message is theirs and is left intact (the redacted profile no longer names this person)",
  ground: "the other author's rights in their own words (GDPR Art. 17(3)(a), Art. 6(1)(f))",
};

export const CHAT_FILE_RETENTION: Retention = {
  reason: "this person's file as another member's message embeds it (their comment on it): kept with that message, as this person's own uploads are kept",
  ground: `${PUBLIC_FORUMS_GROUND}, and the other author's rights in their own message (Art. 17(3)(a))`,
  hint: "the file's access URLs are never exported; set erase: { messages: redact } to remove it",
};

/**
 * Reactions, memberships, channels created, invitations, topics, pins and thread replies: facts
 * of the conversations recorded under the account id alone. Once the profile (users.json and every
 * copy of it in messages) is redacted, nothing left names the person: the id is a pseudonymous key.
 */
export const CHAT_ACTIVITY_RETENTION: Retention = {
  reason:
    "a fact of the workspace's conversations (a reaction, a membership, a channel created, an invitation, a topic set, a pin, a thread reply) " +
    'recorded under the account id alone; with the profile and its copies in messages redacted, the id is a pseudonymous key that no longer names this person',
  ground:
    `${PUBLIC_FORUMS_GROUND}, including who took part in which conversation; kept pseudonymised (GDPR Art. 4(5), Recital 26): ` +
    'the profile that linked the id to the person is erased',
};
