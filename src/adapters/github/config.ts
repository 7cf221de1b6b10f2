// `kind: github` sources: an organisation read through the GitHub REST API.
import { z } from 'zod';
import { art15Keys } from '../base-schema.js';

const repoName = z.string().regex(/^[A-Za-z0-9._*?-]{1,100}$/, 'must be a repository name (letters, digits, . _ -), or a pattern with * and ?');

export const githubSourceSchema = z.strictObject({
  ...art15Keys,
  kind: z.literal('github'),
  org: z.string().regex(/^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/, 'must be a GitHub organisation name, e.g. cri-o'),
  /** Repositories of the org to cover (names, or patterns with * and ?); all of them when absent. */
  repos: z.union([repoName, z.array(repoName).min(1)]).optional(),
  baseUrl: z
    .string()
    .url('must be a URL, e.g. https://api.github.com or https://ghe.example.com/api/v3')
    .refine((u) => /^https?:\/\//.test(u), 'must be an http(s) URL')
    .default('https://api.github.com'),
  tokenEnv: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name')
    .default('GITHUB_TOKEN'),
  tokenFile: z.string().min(1).optional(),
  erase: z.strictObject({ removeFromOrg: z.boolean().default(false) }).default({ removeFromOrg: false }),
  /** Longest total wait on rate limits before the source gives up (seconds). */
  maxWaitSeconds: z.number().int().min(0).max(86_400).default(900),
});

export type GithubSourceConfig = z.infer<typeof githubSourceSchema>;

/** Does the repository `name` belong to the configured set? */
export function repoFilter(repos: GithubSourceConfig['repos']): (name: string) => boolean {
  if (repos === undefined) return () => true;
  const list = typeof repos === 'string' ? [repos] : repos;
  const res = list.map(
    (p) =>
      new RegExp(
        `^${p
          .replace(/[.+^${}()|[\]\\]/g, '\\$&')
          .replace(/\*/g, '.*')
          .replace(/\?/g, '.')}$`,
        'i',
      ),
  );
  return (name) => res.some((re) => re.test(name));
}

/** The explicit repository names (no pattern) of the config, for per-repository commit listing. */
export function explicitRepos(repos: GithubSourceConfig['repos']): string[] {
  if (repos === undefined) return [];
  const list = typeof repos === 'string' ? [repos] : repos;
  return list.filter((r) => !/[*?]/.test(r));
}
