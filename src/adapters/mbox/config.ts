// `kind: mbox` sources: mailing-list archives (mboxrd / mboxo, as Mailman/HyperKitty, Google
// Groups takeout and mail clients write them).
import { z } from 'zod';
import { art15Keys } from '../base-schema.js';

export const mboxSourceSchema = z.strictObject({
  ...art15Keys,
  kind: z.literal('mbox'),
  /** Files or globs (`*`, `?`, `**`), relative to the config file's directory. */
  paths: z.array(z.string().min(1)).min(1, 'name at least one mbox file or glob, e.g. paths: ["archives/*.mbox"]'),
  /** The list's address or name, for exports when a message carries no List-Id header. */
  list: z.string().min(1).optional(),
  /**
   * retain: posts are kept as public-forum records (the default);
   * redact: the subject's posts become tombstones, their address is removed from others' headers.
   */
  erase: z.enum(['retain', 'redact'], { error: 'must be retain or redact' }).default('retain'),
});

export type MboxSourceConfig = z.infer<typeof mboxSourceSchema>;
