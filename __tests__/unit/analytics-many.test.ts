// The analytics adapter's discoverMany: the access logs read once for a batch of subjects, each
// subject getting exactly what discover gives it alone (the Google Analytics part per subject).
import { afterAll, afterEach, describe, expect, test } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { parse as parseYaml } from 'yaml';
import { analyticsFactory } from '../../src/adapters/analytics/index.js';
import type { SourceAdapter } from '../../src/adapters/types.js';
import { IdentityMatcher, type Identity } from '../../src/core/identity.js';
import { isIdentityLink, type PersonalRecord } from '../../src/core/record.js';
import { expectManyMatchesSingle, testContext } from '../helpers/many.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const tmp = mkdtempSync(join(tmpdir(), 'privacyctl-analytics-many-'));
const env = { configDir: tmp, stateDir: join(tmp, '.privacyctl') };
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
afterEach(() => {
  delete process.env['GA_MANY_TOKEN'];
});

const who = (...ids: Array<[string, string]>) => new IdentityMatcher(ids.map(([type, value]): Identity => ({ type, value })));
const records = (items: Array<PersonalRecord | { kind: 'identity-link' }>) => items.filter((x): x is PersonalRecord => !isIdentityLink(x as PersonalRecord));

// The log of analytics-adapter.test.ts, with a line two subjects share and an IPv4-mapped address.
const LOG = [
  '203.0.113.7 - - [02/Nov/2024:08:00:12 +0000] "GET /login HTTP/1.1" 200 5120 "-" "Firefox/128.0"',
  '203.0.113.77 - - [03/Nov/2024:09:00:03 +0000] "GET /joann HTTP/1.1" 200 20480 "-" "Safari/17.0"',
  '192.0.2.10 - - [05/Nov/2024:19:21:00 +0000] "GET /?q=203.0.113.7 HTTP/1.1" 200 1234 "-" "Googlebot/2.1"',
  '2001:db8:85a3::8a2e:370:7334 - - [04/Nov/2024:10:00:00 +0000] "GET /api HTTP/1.1" 200 734 "-" "curl/8.5.0"',
  '203.0.113.7 - - [05/Nov/2024:19:20:55 +0000] "POST /account HTTP/1.1" 302 0 "-" "Android Firefox"',
  '::ffff:198.51.100.42 - - [06/Nov/2024:11:00:41 +0000] "GET /blog HTTP/1.1" 200 9876 "-" "Edge/130.0"',
  'not a log line',
  '',
].join('\r\n');

function logAdapter(extra: Record<string, unknown> = {}): { adapter: SourceAdapter; dir: string } {
  const dir = mkdtempSync(join(tmp, 'logs-'));
  writeFileSync(join(dir, 'access.log'), LOG);
  writeFileSync(join(dir, 'access.log.1.gz'), gzipSync(LOG));
  const cfg = analyticsFactory.schema.parse({ name: 'web', kind: 'analytics', accessLogs: [join(dir, 'access.log*')], ...extra });
  return { adapter: analyticsFactory.create(cfg, env), dir };
}

describe('analytics discoverMany', () => {
  test('access logs: two subjects sharing an address each get their own records; other forms, no data, no IP', async () => {
    const { adapter, dir } = logAdapter();
    const subjects = [
      who(['ip', '203.0.113.7']),
      who(['ip', '203.0.113.7'], ['email', 'ann@example.org']), // the same address, and an email the logs cannot match
      who(['ip', '2001:DB8:85A3::8A2E:0370:7334']), // written differently from the log
      who(['ip', '198.51.100.42']), // the log has it IPv4-mapped
      who(['ip', '10.9.9.9']), // no data
      who(['email', 'ann@example.org'], ['github', 'ann-example']), // no IP at all
      who(['ip', '203.0.113.7'], ['ip', '::ffff:203.0.113.7']), // two values with one canonical form
    ];
    const many = (await expectManyMatchesSingle(adapter, subjects)).map(records);
    const where = (i: number) => many[i]!.map((r) => r.locator.replace(`${dir}/`, ''));
    expect(where(0)).toEqual(['access.log:1', 'access.log:5', 'access.log.1.gz:1', 'access.log.1.gz:5']);
    expect(where(1)).toEqual(where(0));
    expect(many[0]![0]).not.toBe(many[1]![0]); // their own record objects
    expect(where(2)).toEqual(['access.log:4', 'access.log.1.gz:4']);
    expect(many[2]![0]!.matched[0]!.value).toBe('2001:DB8:85A3::8A2E:0370:7334');
    expect(where(3)).toEqual(['access.log:6', 'access.log.1.gz:6']);
    expect(many[4]).toEqual([]);
    expect(many[5]).toEqual([]);
    expect(where(6)).toEqual(where(0));
  });

  test('the logs are read once for the batch', async () => {
    const { adapter } = logAdapter();
    const ctx = testContext();
    const items = [];
    for await (const t of adapter.discoverMany!([who(['ip', '203.0.113.7']), who(['ip', '203.0.113.7']), who(['ip', '2001:db8:85a3::8a2e:370:7334'])], ctx))
      items.push(t);
    expect(items.map((t) => t.subject).sort()).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 2, 2]);
    expect(ctx.stats['logLines']).toBe(14);
  });

  test('a log larger than one read buffer, with Google Analytics ids (no token, then a token)', async () => {
    const dir = mkdtempSync(join(tmp, 'big-'));
    const lines: string[] = [];
    for (let i = 0; i < 20_000; i++) {
      const ip = i % 997 === 5 ? '203.0.113.7' : i % 1009 === 3 ? '198.51.100.9' : `10.0.${(i >> 8) & 255}.${i & 255}`;
      lines.push(`${ip} - - [05/Nov/2024:19:20:55 +0000] "GET /page/${i}?${'x'.repeat(i % 50)} HTTP/1.1" 200 ${i} "-" "UA ${i}"`);
    }
    writeFileSync(join(dir, 'big.log'), `${lines.join('\n')}\n`);
    writeFileSync(join(dir, 'big.log.gz'), gzipSync(`${lines.join('\n')}\n`));
    const cfg = analyticsFactory.schema.parse({
      name: 'web',
      kind: 'analytics',
      accessLogs: [join(dir, 'big.log*')],
      ga: { propertyId: '123456', tokenEnv: 'GA_MANY_TOKEN' },
    });
    const adapter = analyticsFactory.create(cfg, env);
    const subjects = [
      who(['ip', '203.0.113.7'], ['ga-client-id', 'ga1.2.1111111111.1700000001']),
      who(['ip', '198.51.100.9']),
      who(['ga-client-id', '2222222222.1700000002'], ['ga-client-id', 'ga1.2.3333333333.1700000003']),
      who(['ip', '203.0.113.7'], ['ip', '10.0.0.1']),
      who(['email', 'nobody@example.org']),
    ];
    let many = (await expectManyMatchesSingle(adapter, subjects)).map(records);
    expect(many.map((m) => m.length)).toEqual([2 * 21 + 1, 2 * 20, 2, 2 * 21 + 2, 0]);
    expect(many[2]!.every((r) => r.disposition === 'manual')).toBe(true);
    process.env['GA_MANY_TOKEN'] = 'token';
    many = (await expectManyMatchesSingle(adapter, subjects)).map(records);
    expect(many[2]!.every((r) => r.action === 'ga-user-deletion')).toBe(true);
  });

  test('on the demo source (privacyctl.yaml): Google Analytics ids and the access log', async () => {
    const doc = parseYaml(readFileSync(join(ROOT, 'privacyctl.yaml'), 'utf8')) as { sources: Array<Record<string, unknown>> };
    const adapter = analyticsFactory.create(analyticsFactory.schema.parse(doc.sources.find((s) => s['kind'] === 'analytics')), {
      configDir: ROOT,
      stateDir: join(tmp, '.demo-state'),
    });
    const many = (
      await expectManyMatchesSingle(adapter, [
        who(['ip', '203.0.113.7'], ['ga-client-id', 'GA1.2.1111111111.1700000001']),
        who(['ip', '203.0.113.7']),
        who(['ip', '2001:db8:85a3::8a2e:370:7334']),
        who(['ip', '203.0.113.70']),
        who(['ip', '192.0.2.200']),
        who(['email', 'ann@example.org']),
      ])
    ).map(records);
    expect(many.map((m) => m.map((r) => r.locator.replace('fixtures/demo/logs/', '')))).toEqual([
      ['ga:123456789/CLIENT_ID/1111111111.1700000001', 'access.log:1', 'access.log:5'],
      ['access.log:1', 'access.log:5'],
      ['access.log:4'],
      ['access.log:7'],
      [],
      [],
    ]);
  });
});
