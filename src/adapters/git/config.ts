// `kind: git` sources: local clones (bare or not) of the project's repositories, or git bundles.
import { z } from 'zod';
import { art15Keys } from '../base-schema.js';

const repo = z.union([
  z.string().min(1),
  z.strictObject({
    path: z.string().min(1),
    /** The repository's name in locators (`name@sha`); default: the last path segment without .git / .bundle. */
    name: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, 'must be letters, digits, dots, dashes or underscores')
      .optional(),
  }),
]);

export const gitSourceSchema = z.strictObject({
  ...art15Keys,
  kind: z.literal('git'),
  /** Paths of local clones; a path ending in `.bundle` is a git bundle, cloned into a cache under the state directory. */
  repos: z.array(repo).min(1, 'name at least one repository: repos: [path/to/clone]'),
  /** The branch whose tip holds the people files (.mailmap, OWNERS, …); default: the repository's HEAD. */
  branch: z.string().min(1).optional(),
  /** Read the people files at the tip (default true). */
  peopleFiles: z.boolean().default(true),
  /**
   * Globs (minimatch, paths from the repository root) of trees whose people files are not this
   * project's, on top of vendor/, third_party/, node_modules/ and submodules, always left out.
   * A glob that matches a folder leaves out everything under it.
   */
  exclude: z.array(z.string().min(1, 'an exclude glob cannot be empty')).default([]),
});

export type GitSourceConfig = z.infer<typeof gitSourceSchema>;
