// `kind: csv` sources: survey, event, contest and trade-show lead exports.
import { z } from 'zod';
import { art15Keys } from '../base-schema.js';

const columns = z.array(z.string().min(1)).min(1);

export const csvSourceSchema = z
  .strictObject({
    ...art15Keys,
    kind: z.literal('csv'),
    path: z.string().min(1),
    delimiter: z
      .string()
      .refine((d) => d.length === 1 && d.charCodeAt(0) < 128 && !'"\r\n'.includes(d), 'must be one ASCII character other than a quote or a line break')
      .default(','),
    match: z
      .strictObject({ email: columns.optional(), github: columns.optional() })
      .refine((m) => m.email || m.github, 'name at least one column: match: { email: [Email] } or { github: [GitHub] }'),
    erase: z
      .union([z.literal('delete-row'), z.strictObject({ redact: columns })], {
        error: 'must be delete-row or { redact: [Column, ...] }',
      })
      .default('delete-row'),
    /** How a row that holds both an email and a handle links them (strong links are followed, candidates only by hand). */
    links: z.enum(['candidate', 'strong', 'none']).default('candidate'),
    /** Category of each column's data, where the column name does not say it. */
    columns: z.record(z.string(), z.string().min(1)).optional(),
  })
  .superRefine((cfg, ctx) => {
    if (typeof cfg.erase === 'object') {
      const redact = new Set(cfg.erase.redact);
      for (const col of [...(cfg.match.email ?? []), ...(cfg.match.github ?? [])]) {
        if (!redact.has(col)) {
          ctx.addIssue({
            code: 'custom',
            path: ['erase', 'redact'],
            message: `must include the match column "${col}", or the redacted row still names the person`,
          });
        }
      }
    }
  });

export type CsvSourceConfig = z.infer<typeof csvSourceSchema>;

/** Category of a column's data from its name (or the source's `columns:` map). */
export function categoryOfColumn(column: string, overrides?: Record<string, string>): string {
  const o = overrides?.[column];
  if (o) return o;
  const c = column.toLowerCase();
  if (/e-?mail/.test(c)) return 'contact.email';
  if (/github|handle|login|username/.test(c)) return 'online.handle';
  if (/phone|mobile|tel/.test(c)) return 'contact.phone';
  if (/time ?zone|\btz\b/.test(c)) return 'location.timezone';
  if (/address|street|city|country|postcode|zip|state|region|location/.test(c)) return 'location.address';
  if (/company|employer|organi[sz]ation|affiliation|\borg\b/.test(c)) return 'affiliation';
  if (/title|role|position|job/.test(c)) return 'professional.title';
  if (/name/.test(c)) return 'name';
  if (/lang/.test(c)) return 'preference.language';
  if (/shirt|size|diet|allerg|access/.test(c)) return 'preference.personal';
  if (/date|time|when|submitted/.test(c)) return 'activity.timestamp';
  return 'response';
}
