// `kind: analytics` sources: Google Analytics (User Deletion API) and web access logs.
import { z } from 'zod';
import { art15Keys } from '../base-schema.js';

export const DEFAULT_GA_ENDPOINT = 'https://www.googleapis.com/analytics/v3/userDeletion/userDeletionRequests:upsert';

export const gaSchema = z
  .strictObject({
    /** GA4 property (numeric id). */
    propertyId: z.string().regex(/^\d+$/, 'must be the numeric GA4 property id').optional(),
    /** Universal Analytics property (UA-XXXX-Y). */
    webPropertyId: z
      .string()
      .regex(/^UA-\d+-\d+$/, 'must look like UA-12345-1')
      .optional(),
    /** How the ga-client-id identities are sent: as CLIENT_ID (the _ga cookie) or USER_ID. */
    idType: z.enum(['CLIENT_ID', 'USER_ID']).default('CLIENT_ID'),
    tokenEnv: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name')
      .optional(),
    tokenFile: z.string().min(1).optional(),
    endpoint: z.url().default(DEFAULT_GA_ENDPOINT),
    timeoutSeconds: z.number().positive().max(300).default(30),
    /** Retries after a 429 or a 5xx answer, and the first back-off delay (doubled each time). */
    maxRetries: z.number().int().min(0).max(10).default(3),
    retryDelayMs: z.number().int().min(0).max(60_000).default(1000),
  })
  .superRefine((g, ctx) => {
    if (!g.propertyId === !g.webPropertyId)
      ctx.addIssue({ code: 'custom', path: ['propertyId'], message: 'give exactly one of propertyId (GA4) or webPropertyId (Universal Analytics)' });
    if (g.tokenEnv && g.tokenFile) ctx.addIssue({ code: 'custom', path: ['tokenFile'], message: 'give tokenEnv or tokenFile, not both' });
  });

export type GaConfig = z.infer<typeof gaSchema>;

export const analyticsSourceSchema = z
  .strictObject({
    ...art15Keys,
    kind: z.literal('analytics'),
    ga: gaSchema.optional(),
    /** Combined-log-format files; `*` and `?` in the file name (not in directories); `.gz` is read and rewritten as gzip. */
    accessLogs: z
      .union([z.string().min(1), z.array(z.string().min(1)).min(1)])
      .transform((v) => (typeof v === 'string' ? [v] : v))
      .optional(),
  })
  .refine((c) => c.ga || c.accessLogs, { message: 'give ga: { propertyId, tokenEnv } or accessLogs: [path], or both', path: ['ga'] });

export type AnalyticsSourceConfig = z.infer<typeof analyticsSourceSchema>;
