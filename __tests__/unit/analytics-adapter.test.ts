// The analytics adapter: access logs (plain and gzip; IP near misses; truncation in an atomic
// rewrite) and the Google Analytics User Deletion API against a local fake endpoint.
import { afterAll, afterEach, beforeAll, describe, expect, test } from '@jest/globals';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { analyticsFactory } from '../../src/adapters/analytics/index.js';
import { canonicalIp, parseLogLine, truncateIp } from '../../src/adapters/analytics/access-log.js';
import { gaSchema } from '../../src/adapters/analytics/config.js';
import { requestDeletion } from '../../src/adapters/analytics/ga.js';
import type { AdapterContext, StepResult } from '../../src/adapters/types.js';
import { AuthError } from '../../src/core/errors.js';
import { IdentityMatcher, type Identity } from '../../src/core/identity.js';
import { stepsFor } from '../../src/core/plan.js';
import { isIdentityLink, type PersonalRecord } from '../../src/core/record.js';

const tmp = mkdtempSync(join(tmpdir(), 'privacyctl-analytics-'));
const env = { configDir: tmp, stateDir: join(tmp, '.privacyctl') };
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const ctx = (): AdapterContext => ({ signal: new AbortController().signal, log: { info: () => undefined, warn: () => undefined }, stats: {} });
const subject = (...ids: Array<[string, string]>) => new IdentityMatcher(ids.map(([type, value]): Identity => ({ type, value })));

async function discover(adapter: ReturnType<typeof analyticsFactory.create>, who: IdentityMatcher) {
  const records: PersonalRecord[] = [];
  for await (const x of adapter.discover(who, ctx())) if (!isIdentityLink(x)) records.push(x);
  return records;
}

async function erase(adapter: ReturnType<typeof analyticsFactory.create>, records: PersonalRecord[], who: IdentityMatcher, c = ctx()) {
  const out: StepResult[] = [];
  for await (const r of adapter.erase!(stepsFor(records), who, c)) out.push(r);
  return out;
}

describe('IP addresses', () => {
  test('canonical forms and truncation (IPv4 /24, IPv6 /48)', () => {
    expect(canonicalIp(' 203.0.113.7 ')).toBe('203.0.113.7');
    expect(canonicalIp('2001:DB8:85A3:0:0:8A2E:370:7334')).toBe('2001:db8:85a3::8a2e:370:7334');
    expect(canonicalIp('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(canonicalIp('[2001:db8::1]')).toBe('2001:db8::1');
    expect(canonicalIp('not-an-ip')).toBeNull();
    expect(canonicalIp('203.0.113.777')).toBeNull();
    expect(truncateIp('203.0.113.7')).toBe('203.0.113.0');
    expect(truncateIp('2001:db8:85a3::8a2e:370:7334')).toBe('2001:db8:85a3::');
  });

  test('combined log lines are parsed', () => {
    const l = parseLogLine('203.0.113.7 - - [02/Nov/2024:08:00:12 +0000] "GET /a?b=1 HTTP/1.1" 200 51 "https://x.example/" "Mozilla/5.0 \\"quoted\\""');
    expect(l).toMatchObject({
      ip: '203.0.113.7',
      time: '2024-11-02T08:00:12+00:00',
      method: 'GET',
      path: '/a?b=1',
      status: '200',
      referer: 'https://x.example/',
      userAgent: 'Mozilla/5.0 "quoted"',
    });
  });
});

describe('access logs', () => {
  const LOG = [
    '203.0.113.7 - - [02/Nov/2024:08:00:12 +0000] "GET /login HTTP/1.1" 200 5120 "-" "Firefox/128.0"',
    '203.0.113.77 - - [03/Nov/2024:09:00:03 +0000] "GET /joann HTTP/1.1" 200 20480 "-" "Safari/17.0"',
    '192.0.2.10 - - [05/Nov/2024:19:21:00 +0000] "GET /?q=203.0.113.7 HTTP/1.1" 200 1234 "-" "Googlebot/2.1"',
    '2001:db8:85a3::8a2e:370:7334 - - [04/Nov/2024:10:00:00 +0000] "GET /api HTTP/1.1" 200 734 "-" "curl/8.5.0"',
    '203.0.113.7 - - [05/Nov/2024:19:20:55 +0000] "POST /account HTTP/1.1" 302 0 "-" "Android Firefox"',
    '',
  ].join('\r\n');

  test('finds the lines of the subject IPs only, and truncates them in place; re-run is a no-op', async () => {
    const dir = mkdtempSync(join(tmp, 'logs-'));
    writeFileSync(join(dir, 'access.log'), LOG);
    writeFileSync(join(dir, 'access.log.1.gz'), gzipSync(LOG));
    const cfg = analyticsFactory.schema.parse({ name: 'web', kind: 'analytics', accessLogs: [join(dir, 'access.log*')] });
    const adapter = analyticsFactory.create(cfg, env);
    const who = subject(['ip', '203.0.113.7'], ['ip', '2001:DB8:85A3::8A2E:0370:7334']);
    const records = await discover(adapter, who);
    expect(records.map((r) => r.locator.replace(`${dir}/`, ''))).toEqual([
      'access.log:1',
      'access.log:4',
      'access.log:5',
      'access.log.1.gz:1',
      'access.log.1.gz:4',
      'access.log.1.gz:5',
    ]);
    expect(records[0]!.data).toMatchObject({ ip: '203.0.113.7', path: '/login', userAgent: 'Firefox/128.0', time: '2024-11-02T08:00:12+00:00' });
    expect(records.every((r) => r.action === 'truncate-ip')).toBe(true);

    const results = await erase(adapter, records, who);
    expect(results.map((r) => r.status)).toEqual(Array(6).fill('done'));
    const expected = LOG.replace(/^203\.0\.113\.7 /gm, '203.0.113.0 ').replace('2001:db8:85a3::8a2e:370:7334 ', '2001:db8:85a3:: ');
    expect(readFileSync(join(dir, 'access.log'), 'utf8')).toBe(expected);
    expect(gunzipSync(readFileSync(join(dir, 'access.log.1.gz'))).toString('utf8')).toBe(expected);
    expect(expected).toContain('203.0.113.77 - -'); // the near miss is untouched
    expect(expected).toContain('q=203.0.113.7 '); // only the client IP field is the subject's

    const again = await erase(adapter, records, who);
    expect(again.map((r) => r.status)).toEqual(Array(6).fill('gone'));
    expect(await discover(adapter, who)).toEqual([]);
  });

  test('a log larger than one read buffer: lines across chunk boundaries are kept byte for byte', async () => {
    const dir = mkdtempSync(join(tmp, 'big-'));
    const lines: string[] = [];
    for (let i = 0; i < 20_000; i++) {
      const ip = i % 997 === 5 ? '203.0.113.7' : `10.0.${(i >> 8) & 255}.${i & 255}`;
      lines.push(`${ip} - - [05/Nov/2024:19:20:55 +0000] "GET /page/${i}?${'x'.repeat(i % 50)} HTTP/1.1" 200 ${i} "-" "UA ${i}"`);
    }
    const text = `${lines.join('\n')}\n`;
    writeFileSync(join(dir, 'big.log'), text);
    writeFileSync(join(dir, 'big.log.gz'), gzipSync(text));
    const adapter = analyticsFactory.create(analyticsFactory.schema.parse({ name: 'web', kind: 'analytics', accessLogs: [join(dir, 'big.log*')] }), env);
    const who = subject(['ip', '203.0.113.7']);
    const records = await discover(adapter, who);
    expect(records).toHaveLength(2 * 21);
    const results = await erase(adapter, records, who);
    expect(results.every((r) => r.status === 'done')).toBe(true);
    const expected = text.replace(/^203\.0\.113\.7 /gm, '203.0.113.0 ');
    expect(readFileSync(join(dir, 'big.log'), 'utf8')).toBe(expected);
    expect(gunzipSync(readFileSync(join(dir, 'big.log.gz'))).toString('utf8')).toBe(expected);
  });

  test('a missing log file is a source failure; a pattern matching nothing is a config error', async () => {
    const missing = analyticsFactory.create(analyticsFactory.schema.parse({ name: 'w', kind: 'analytics', accessLogs: ['nope/access.log'] }), env);
    await expect(discover(missing, subject(['ip', '203.0.113.7']))).rejects.toThrow(/no such file/);
    const none = analyticsFactory.create(analyticsFactory.schema.parse({ name: 'w', kind: 'analytics', accessLogs: ['nothing-*.log'] }), env);
    await expect(discover(none, subject(['ip', '203.0.113.7']))).rejects.toThrow(/names no file/);
  });
});

describe('Google Analytics user deletion', () => {
  let server: Server;
  let url: string;
  const seen: Array<{ method: string; path: string; auth: string | undefined; body: any }> = [];
  let replies: Array<(res: ServerResponse) => void> = [];
  const ok = (res: ServerResponse, body: any) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ ...body, deletionRequestTime: '2026-11-29T12:00:00.000Z' }));
  };

  beforeAll(async () => {
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      let text = '';
      req.on('data', (d) => (text += d));
      req.on('end', () => {
        const body = text ? JSON.parse(text) : undefined;
        seen.push({ method: req.method!, path: req.url!, auth: req.headers.authorization, body });
        const next = replies.shift();
        if (next) next(res);
        else ok(res, body);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/analytics/v3/userDeletion/userDeletionRequests:upsert`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));
  afterEach(() => {
    seen.length = 0;
    replies = [];
    delete process.env['GA_TEST_TOKEN'];
  });

  const adapterFor = (ga: object = {}) =>
    analyticsFactory.create(
      analyticsFactory.schema.parse({
        name: 'ga',
        kind: 'analytics',
        ga: { propertyId: '123456', tokenEnv: 'GA_TEST_TOKEN', endpoint: url, retryDelayMs: 1, ...ga },
      }),
      env,
    );
  const gaConfig = () => gaSchema.parse({ propertyId: '123456', tokenEnv: 'GA_TEST_TOKEN', endpoint: url, retryDelayMs: 1 });
  const who = subject(['ga-client-id', 'ga1.2.1111111111.1700000001'], ['email', 'ann@example.org']);

  test('without a token the erasure is a manual step naming where to do it and that Google holds the data', async () => {
    const records = await discover(adapterFor(), who);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      type: 'analytics-id',
      disposition: 'manual',
      data: { id: '1111111111.1700000001', idType: 'CLIENT_ID', property: '123456' },
    });
    expect(records[0]!.manual).toMatch(/GA_TEST_TOKEN.*property 123456.*Google holds analytics data/);
    expect(seen).toHaveLength(0);
  });

  test('with a token: the request shape, the deletionRequestTime recorded; re-sending is harmless', async () => {
    process.env['GA_TEST_TOKEN'] = 'ya29.test-token';
    const adapter = adapterFor();
    const records = await discover(adapter, who);
    expect(records[0]).toMatchObject({ disposition: 'erase', action: 'ga-user-deletion' });
    const results = await erase(adapter, records, who);
    expect(results).toEqual([{ stepId: 'ga#1', status: 'done', detail: 'deletionRequestTime 2026-11-29T12:00:00.000Z' }]);
    expect(seen).toEqual([
      {
        method: 'POST',
        path: '/analytics/v3/userDeletion/userDeletionRequests:upsert',
        auth: 'Bearer ya29.test-token',
        body: { kind: 'analytics#userDeletionRequest', id: { type: 'CLIENT_ID', userId: '1111111111.1700000001' }, propertyId: '123456' },
      },
    ]);
    const again = await erase(adapter, records, who);
    expect(again[0]!.status).toBe('done');
    expect(seen[1]!.body).toEqual(seen[0]!.body);
  });

  test('Universal Analytics: webPropertyId and USER_ID', async () => {
    process.env['GA_TEST_TOKEN'] = 't';
    const adapter = adapterFor({ propertyId: undefined, webPropertyId: 'UA-12345-1', idType: 'USER_ID' });
    await erase(adapter, await discover(adapter, who), who);
    expect(seen[0]!.body).toEqual({
      kind: 'analytics#userDeletionRequest',
      id: { type: 'USER_ID', userId: '1111111111.1700000001' },
      webPropertyId: 'UA-12345-1',
    });
  });

  test('401 is an authentication error; the token never appears in it', async () => {
    process.env['GA_TEST_TOKEN'] = 'ya29.secret-value';
    const adapter = adapterFor();
    const records = await discover(adapter, who);
    replies = [(res) => res.writeHead(401).end('{"error":{"message":"Invalid Credentials"}}')];
    const err = await requestDeletion(gaConfig(), 'ya29.secret-value', '1.2', new AbortController().signal, {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthError);
    expect(`${(err as AuthError).message} ${(err as AuthError).hint}`).not.toContain('secret-value');
    // through erase(): the step fails (other steps of the source may already be done), no more requests
    replies = [(res) => res.writeHead(401).end()];
    const two = [...records, { ...records[0]!, locator: 'other' }];
    const results = await erase(adapter, two, subject(['ga-client-id', 'ga1.2.1111111111.1700000001']));
    expect(results.map((r) => r.status)).toEqual(['failed', 'failed']);
    expect(results[1]!.detail).toMatch(/refused the token \(HTTP 401\)/);
    expect(JSON.stringify(results)).not.toContain('secret-value');
    expect(seen).toHaveLength(2);
  });

  test('429 and 5xx are retried (Retry-After honoured), then reported as a failed step', async () => {
    process.env['GA_TEST_TOKEN'] = 't';
    const adapter = adapterFor({ maxRetries: 2 });
    const records = await discover(adapter, who);
    replies = [(res) => res.writeHead(429, { 'retry-after': '0' }).end(), (res) => res.writeHead(503).end()];
    const c = ctx();
    const results = await erase(adapter, records, who, c);
    expect(results[0]!.status).toBe('done');
    expect(seen).toHaveLength(3);
    expect(c.stats['gaRetries']).toBe(2);

    seen.length = 0;
    replies = [(res) => res.writeHead(500).end(), (res) => res.writeHead(502).end(), (res) => res.writeHead(500).end('{"error":{"message":"backend"}}')];
    const failed = await erase(adapter, records, who);
    expect(failed[0]).toMatchObject({ status: 'failed' });
    expect(failed[0]!.detail).toMatch(/HTTP 500: backend \(after 3 attempts/);
    expect(seen).toHaveLength(3);
  });

  test("a step for an id that is not the subject's is refused", async () => {
    process.env['GA_TEST_TOKEN'] = 't';
    const adapter = adapterFor();
    const records = await discover(adapter, who);
    const forged = [{ ...records[0]!, erasure: { id: '999.999' } }];
    const results = await erase(adapter, forged, who);
    expect(results[0]).toMatchObject({ status: 'failed' });
    expect(seen).toHaveLength(0);
  });
});
