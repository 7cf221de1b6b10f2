// The fake GitHub must not drift from GitHub: every response it gave while the adapter ran is
// checked against the response schema of @octokit/openapi's description of api.github.com.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { clearGithubCache, createGithubAdapter } from '../../src/adapters/github/index.js';
import { githubSourceSchema } from '../../src/adapters/github/config.js';
import type { AdapterContext, SourceAdapter } from '../../src/adapters/types.js';
import { IdentityMatcher, type Identity } from '../../src/core/identity.js';
import { stepsFor } from '../../src/core/plan.js';
import { isIdentityLink, type PersonalRecord } from '../../src/core/record.js';
import { FakeGitHub, demoWorld } from '../fake-github/server.js';

type Schema = Record<string, any>;

const require = createRequire(import.meta.url);
const specFile = join(dirname(require.resolve('@octokit/openapi/package.json')), 'generated', 'api.github.com.json');

/** A validator for the JSON-schema subset the description uses (OpenAPI 3.0: nullable, oneOf, …). */
export class SchemaChecker {
  constructor(private readonly spec: Schema) {}

  resolve(s: Schema): Schema {
    let out = s;
    for (let i = 0; out && out['$ref'] && i < 20; i++) {
      const parts = String(out['$ref']).replace(/^#\//, '').split('/');
      out = parts.reduce((o: any, p) => o?.[p.replace(/~1/g, '/').replace(/~0/g, '~')], this.spec);
    }
    return out;
  }

  check(schema: Schema, value: unknown, path = '$', errors: string[] = []): string[] {
    const s = this.resolve(schema);
    if (!s) return errors;
    if (value === null) {
      if (s['nullable'] || s['type'] === 'null') return errors;
      if (s['oneOf'] || s['anyOf'] || s['allOf']) {
        // nullable may sit on an alternative
      } else if (s['type'] !== undefined || s['properties']) {
        errors.push(`${path}: null where the schema does not allow it`);
        return errors;
      }
    }
    for (const sub of s['allOf'] ?? []) this.check(sub, value, path, errors);
    for (const key of ['oneOf', 'anyOf'] as const) {
      if (!s[key]) continue;
      const fits = (s[key] as Schema[]).filter((alt) => this.check(alt, value, path, []).length === 0).length;
      if (fits === 0) {
        const why = (s[key] as Schema[]).map((alt) => this.check(alt, value, path, []).slice(0, 2).join('; '));
        errors.push(`${path}: fits none of ${key}: ${why.join(' | ')}`);
      }
    }
    if (value === null) return errors;
    if (s['enum'] && !(s['enum'] as unknown[]).includes(value)) errors.push(`${path}: ${JSON.stringify(value)} is not one of ${JSON.stringify(s['enum'])}`);
    const type = s['type'];
    const is = (t: string) => {
      switch (t) {
        case 'string':
          return typeof value === 'string';
        case 'integer':
          return Number.isInteger(value);
        case 'number':
          return typeof value === 'number';
        case 'boolean':
          return typeof value === 'boolean';
        case 'array':
          return Array.isArray(value);
        case 'object':
          return typeof value === 'object' && !Array.isArray(value);
        default:
          return true;
      }
    };
    if (type !== undefined && !(Array.isArray(type) ? type.some(is) : is(type))) {
      errors.push(`${path}: expected ${JSON.stringify(type)}, got ${Array.isArray(value) ? 'array' : typeof value}`);
      return errors;
    }
    if (typeof value === 'string' && s['format'] === 'date-time' && Number.isNaN(Date.parse(value))) errors.push(`${path}: not a date-time`);
    if (typeof value === 'string' && s['format'] === 'uri' && !/^[a-z][a-z0-9+.-]*:/i.test(value)) errors.push(`${path}: not a URI`);
    if (Array.isArray(value) && s['items']) value.forEach((v, i) => this.check(s['items'], v, `${path}[${i}]`, errors));
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      const obj = value as Record<string, unknown>;
      for (const r of s['required'] ?? []) if (!(r in obj)) errors.push(`${path}.${r}: required, missing`);
      const props = (s['properties'] ?? {}) as Record<string, Schema>;
      for (const [k, v] of Object.entries(obj)) {
        if (props[k]) this.check(props[k], v, `${path}.${k}`, errors);
        else if (s['additionalProperties'] === false) errors.push(`${path}.${k}: not allowed`);
        else if (typeof s['additionalProperties'] === 'object') this.check(s['additionalProperties'], v, `${path}.${k}`, errors);
      }
    }
    return errors;
  }

  /** The schema of the JSON body GitHub documents for this operation and status. */
  responseSchema(route: string, method: string, status: number): Schema | null | undefined {
    const op = this.spec['paths']?.[route]?.[method.toLowerCase()];
    if (!op) return undefined;
    const res = this.resolve(op.responses[String(status)] ?? op.responses['default'] ?? {});
    if (!res || (!op.responses[String(status)] && !op.responses['default'])) return undefined;
    return res.content?.['application/json']?.schema ?? null;
  }
}

let spec: SchemaChecker;
let fake: FakeGitHub;
const TOKEN_ENV = 'PRIVACYCTL_TEST_GH_SCHEMA_TOKEN';
const ctx = (): AdapterContext => ({ signal: new AbortController().signal, log: { info() {}, warn() {} }, stats: {} });

function adapter(cfg: Record<string, unknown> = {}): SourceAdapter {
  const parsed = githubSourceSchema.parse({ name: 'gh', kind: 'github', org: 'lanternfish', baseUrl: fake.base, tokenEnv: TOKEN_ENV, ...cfg });
  return createGithubAdapter(parsed, { configDir: '/', stateDir: '/' }, { waitUnitMs: 1, writeIntervalMs: 0 });
}

async function records(a: SourceAdapter, ids: Identity[]): Promise<PersonalRecord[]> {
  const out: PersonalRecord[] = [];
  try {
    for await (const x of a.discover(new IdentityMatcher(ids), ctx())) if (!isIdentityLink(x)) out.push(x);
  } catch {
    // the error cases are exercised for their response bodies only
  }
  return out;
}

beforeAll(async () => {
  spec = new SchemaChecker(JSON.parse(readFileSync(specFile, 'utf8')) as Schema);
  process.env[TOKEN_ENV] = 'test-token';
  fake = new FakeGitHub(demoWorld(), { keepLog: true });
  await fake.start();
  // Everything the adapter calls, the error answers included.
  await adapter().check(new AbortController().signal);
  await records(adapter({ repos: ['lanternfish', 'docs'] }), [
    { type: 'github', value: 'ann-example' },
    { type: 'email', value: 'ann@example.org' },
  ]);
  await records(adapter(), [
    { type: 'github', value: 'bo-tr' },
    { type: 'email', value: 'bo@example.com' },
  ]);
  await records(adapter(), [{ type: 'github', value: 'nobody-here' }]);
  await records(adapter({ org: 'no-such-org' }), [{ type: 'email', value: 'ann@example.org' }]);
  // A member's token that is not an owner's: the owner-only lists answer 404.
  process.env[TOKEN_ENV] = 'member-token';
  clearGithubCache();
  await records(adapter(), [{ type: 'github', value: 'bo-tr' }]);
  process.env[TOKEN_ENV] = 'test-token';
  const a = adapter({ erase: { removeFromOrg: true } });
  const found = await records(a, [
    { type: 'github', value: 'ann-example' },
    { type: 'email', value: 'bo@example.com' },
  ]);
  for await (const _ of a.erase!(
    stepsFor(found),
    new IdentityMatcher([
      { type: 'github', value: 'ann-example' },
      { type: 'email', value: 'bo@example.com' },
    ]),
    ctx(),
  ))
    void _;
}, 30_000);

afterAll(async () => {
  delete process.env[TOKEN_ENV];
  await fake?.stop();
});

describe('the fake GitHub answers as the OpenAPI description says', () => {
  it('covers every endpoint the adapter calls', () => {
    const routes = new Set(fake.log.map((l) => `${l.method} ${l.route} ${l.status}`));
    for (const r of [
      'GET /orgs/{org} 200',
      'GET /users/{username} 200',
      'GET /orgs/{org}/memberships/{username} 200',
      'GET /orgs/{org}/teams 200',
      'GET /orgs/{org}/teams/{team_slug}/memberships/{username} 200',
      'GET /orgs/{org}/outside_collaborators 200',
      'GET /orgs/{org}/invitations 200',
      'GET /orgs/{org}/invitations 404',
      'GET /users/{username} 404',
      'GET /search/issues 200',
      'GET /search/commits 200',
      'GET /search/users 200',
      'GET /search/commits 422',
      'GET /repos/{owner}/{repo}/issues/{issue_number}/comments 200',
      'GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews 200',
      'GET /repos/{owner}/{repo}/pulls/{pull_number}/comments 200',
      'GET /repos/{owner}/{repo}/commits 200',
      'DELETE /orgs/{org}/members/{username} 204',
      'DELETE /orgs/{org}/teams/{team_slug}/memberships/{username} 204',
      'DELETE /orgs/{org}/invitations/{invitation_id} 204',
    ]) {
      expect([...routes]).toContain(r);
    }
  });

  it('every response body fits its schema', () => {
    const problems: string[] = [];
    let checked = 0;
    for (const l of fake.log) {
      const schema = spec.responseSchema(l.route, l.method, l.status);
      if (schema === undefined) continue; // a 404 for a path the fake does not know: not an operation
      if (schema === null) {
        if (l.body !== undefined && l.status !== 204) problems.push(`${l.method} ${l.route} ${l.status}: GitHub documents no JSON body`);
        continue;
      }
      checked++;
      for (const e of spec.check(schema, l.body).slice(0, 5)) problems.push(`${l.method} ${l.route} ${l.status}: ${e}`);
    }
    expect(checked).toBeGreaterThan(20);
    expect([...new Set(problems)]).toEqual([]);
  });

  it('the checker itself rejects a body that drifted', () => {
    const schema = spec.responseSchema('/users/{username}', 'GET', 200)!;
    const good = fake.log.find((l) => l.route === '/users/{username}' && l.status === 200)!.body as Record<string, unknown>;
    expect(spec.check(schema, good)).toEqual([]);
    const { login: _l, ...noLogin } = good;
    expect(spec.check(schema, noLogin).length).toBeGreaterThan(0);
    expect(spec.check(schema, { ...good, id: 'one' }).length).toBeGreaterThan(0);
    const search = spec.responseSchema('/search/issues', 'GET', 200)!;
    expect(spec.check(search, { total_count: 0, incomplete_results: false, items: [{}] }).join('\n')).toMatch(/items\[0\]\.html_url: required/);
  });
});
