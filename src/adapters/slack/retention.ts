// Why the Slack records that are kept are kept: the reason and the ground each retained record carries.
import type { Retention } from '../../core/record.js';

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
