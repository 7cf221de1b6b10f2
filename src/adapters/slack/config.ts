// `kind: slack-export` sources: a Slack workspace export folder (users.json, channels.json,
// groups.json, dms.json, mpims.json and <channel>/YYYY-MM-DD.json message arrays).
import { z } from 'zod';
import { art15Keys } from '../base-schema.js';

export const slackSourceSchema = z.strictObject({
  ...art15Keys,
  kind: z.literal('slack-export'),
  /** The unpacked export folder, relative to the config file's directory. */
  path: z.string().min(1),
  /** The profile in users.json is always redacted; the subject's messages are kept or redacted. */
  erase: z.strictObject({ messages: z.enum(['retain', 'redact'], { error: 'must be retain or redact' }).default('retain') }).default({ messages: 'retain' }),
});

export type SlackSourceConfig = z.infer<typeof slackSourceSchema>;
