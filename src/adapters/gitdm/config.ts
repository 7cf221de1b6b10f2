// `kind: gitdm` sources: CNCF gitdm affiliation files.
import { z } from 'zod';
import { art15Keys } from '../base-schema.js';

export type GitdmFormat = 'affiliations' | 'email-map';

/** The format a file's name implies: developers_affiliations*.txt or email-map*. */
export function formatFromName(path: string): GitdmFormat | null {
  const base = path.slice(path.lastIndexOf('/') + 1);
  if (/^developers_affiliations.*\.txt$/i.test(base)) return 'affiliations';
  if (/email-map/i.test(base)) return 'email-map';
  return null;
}

const file = z.union([z.string().min(1), z.strictObject({ path: z.string().min(1), format: z.enum(['affiliations', 'email-map']) })]);

export const gitdmSourceSchema = z
  .strictObject({
    ...art15Keys,
    kind: z.literal('gitdm'),
    files: z.array(file).min(1, 'name at least one file: files: [gitdm/developers_affiliations1.txt, gitdm/email-map]'),
    /**
     * remove-lines: delete the person's blocks and lines (atomic rewrite, every other byte kept).
     * forbidden-hashes: the same, and append the SHA-1 / SHA-256 of each of the person's
     * identities to forbidden-sha1.csv / forbidden-sha256.csv in forbiddenDir.
     */
    erase: z.enum(['remove-lines', 'forbidden-hashes'], { error: 'must be remove-lines or forbidden-hashes' }).default('remove-lines'),
    forbiddenDir: z.string().min(1).optional(),
  })
  .superRefine((cfg, ctx) => {
    cfg.files.forEach((f, i) => {
      if (typeof f === 'string' && formatFromName(f) === null) {
        ctx.addIssue({
          code: 'custom',
          path: ['files', i],
          message: 'cannot tell the format from the name (developers_affiliations*.txt or email-map); write { path: FILE, format: affiliations | email-map }',
        });
      }
    });
    if (cfg.erase === 'forbidden-hashes' && !cfg.forbiddenDir) {
      ctx.addIssue({
        code: 'custom',
        path: ['forbiddenDir'],
        message: 'is required with erase: forbidden-hashes (the folder that holds forbidden-sha1.csv and forbidden-sha256.csv)',
      });
    }
  });

export type GitdmSourceConfig = z.infer<typeof gitdmSourceSchema>;
