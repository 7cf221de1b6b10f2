// The analytics adapter's identities(): the client IP of every access-log line, in the spellings
// an `ip` identity may have been given in (it keeps its spelling; discover matches any), so that
// `replay` recognises an erased person a restore brought back. Google Analytics ids cannot be
// listed: a source with only `ga:` has no identities().
import { afterAll, describe, expect, test } from '@jest/globals';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { parse as parseYaml } from 'yaml';
import { canonicalIp, ipSpellings } from '../../src/adapters/analytics/access-log.js';
import { analyticsFactory } from '../../src/adapters/analytics/index.js';
import type { AdapterContext, SourceAdapter } from '../../src/adapters/types.js';
import { loadConfig } from '../../src/core/config.js';
import { SourceError } from '../../src/core/errors.js';
import { IdentityMatcher, identityKey, normalizeIdentity, type Identity } from '../../src/core/identity.js';
import { isIdentityLink, type PersonalRecord } from '../../src/core/record.js';
import { findRestored, type ErasedSubject } from '../../src/core/replay.js';
import { StateDir } from '../../src/state/state-dir.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const tmp = mkdtempSync(join(tmpdir(), 'privacyctl-analytics-ids-'));
const env = { configDir: tmp, stateDir: join(tmp, '.privacyctl') };
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const ip = (value: string): Identity => ({ type: 'ip', value: normalizeIdentity('ip', value)! });
const ctx = (messages: string[] = []): AdapterContext => ({
  signal: new AbortController().signal,
  log: { info: (m) => void messages.push(m), warn: (m) => void messages.push(m) },
  stats: {},
});

function demoAdapter(): SourceAdapter {
  const doc = parseYaml(readFileSync(join(ROOT, 'privacyctl.yaml'), 'utf8')) as { sources: Array<Record<string, unknown>> };
  const cfg = analyticsFactory.schema.parse(doc.sources.find((s) => s['kind'] === 'analytics'));
  return analyticsFactory.create(cfg, { configDir: ROOT, stateDir: join(tmp, '.privacyctl') });
}

async function listIdentities(a: SourceAdapter, c = ctx()): Promise<Identity[]> {
  const out: Identity[] = [];
  for await (const id of a.identities!(c)) out.push(id);
  return out;
}

async function discoverRecords(a: SourceAdapter, ids: Identity[]): Promise<PersonalRecord[]> {
  const out: PersonalRecord[] = [];
  for await (const x of a.discover(new IdentityMatcher(ids), ctx())) if (!isIdentityLink(x)) out.push(x);
  return out;
}

const keys = (ids: Identity[]) => new Set(ids.map(identityKey));

function expectCanonical(ids: Identity[]): void {
  for (const id of ids) expect({ id, canonical: normalizeIdentity(id.type, id.value) }).toEqual({ id, canonical: id.value });
  expect(keys(ids).size).toBe(ids.length);
  expect(ids.every((id) => id.type === 'ip')).toBe(true);
}

/**
 * Every `ip` identity in a record's `matched` list of discover over `subjects` is listed. (The
 * Google Analytics records match any ga-client-id the subject has, without reading anything:
 * those cannot be listed, so only `ip` is checked.)
 */
async function expectMatchedListed(a: SourceAdapter, listed: Set<string>, subjects: Identity[][]): Promise<number> {
  let n = 0;
  for (const s of subjects) {
    for (const r of await discoverRecords(a, s)) {
      for (const m of r.matched.filter((x) => x.type === 'ip')) {
        n++;
        expect({ locator: r.locator, m, listed: listed.has(identityKey(m)) }).toEqual({ locator: r.locator, m, listed: true });
      }
    }
  }
  return n;
}

async function expectEachFinds(a: SourceAdapter, ids: Identity[]): Promise<void> {
  for (const id of ids) {
    const records = await discoverRecords(a, [id]);
    expect({ id, found: records.some((r) => r.type === 'access-log-line') }).toEqual({ id, found: true });
  }
}

/** The first field of every line, read without the adapter: the client IPs as written. */
function firstFields(text: string): Identity[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.split(' ', 1)[0]!)
    .filter((f) => f !== '')
    .map(ip);
}

describe('analytics identities() on the demo source (privacyctl.yaml)', () => {
  test('lists every client IP discover finds for the demo people, canonical and once each; says Google Analytics was not checked', async () => {
    const a = demoAdapter();
    const messages: string[] = [];
    const ids = await listIdentities(a, ctx(messages));
    expectCanonical(ids);
    const listed = keys(ids);
    const log = readFileSync(join(ROOT, 'fixtures/demo/logs/access.log'), 'utf8');
    const people: Identity[][] = [
      [ip('203.0.113.7'), { type: 'ga-client-id', value: 'ga1.2.1234567890.1700000000' }],
      [ip('203.0.113.77')],
      [ip('198.51.100.42')],
      [ip('2001:db8:85a3::8a2e:370:7334')],
      [ip('2001:DB8:85A3:0:0:8A2E:370:7334')], // another spelling of the same address
      [ip('2001:0db8:85a3:0000:0000:8a2e:0370:7334')],
      [ip('::ffff:203.0.113.7')],
      firstFields(log), // every client IP as the log writes it
    ];
    expect(await expectMatchedListed(a, listed, people)).toBeGreaterThan(10);
    for (const v of ['203.0.113.7', '203.0.113.77', '203.0.113.70', '198.51.100.42', '192.0.2.10', '2001:db8:85a3::8a2e:370:7334'])
      expect(listed.has(`ip:${v}`)).toBe(true);
    expect(listed.has('ip:203.0.113.0')).toBe(false);
    expect(messages.some((m) => /Google Analytics ids cannot be listed/.test(m))).toBe(true);
  });

  test('each identity listed, given to discover alone, finds an access-log line', async () => {
    const a = demoAdapter();
    await expectEachFinds(a, await listIdentities(a));
  });
});

describe('analytics identities() on generated logs', () => {
  const LOG = [
    '203.0.113.7 - - [02/Nov/2024:08:00:12 +0000] "GET /login HTTP/1.1" 200 5120 "-" "Firefox/128.0"',
    '::FFFF:198.51.100.42 - - [06/Nov/2024:11:00:41 +0000] "GET /blog HTTP/1.1" 200 9876 "-" "Edge/130.0"',
    '[2001:DB8::1] - - [04/Nov/2024:10:00:00 +0000] "GET /api HTTP/1.1" 200 734 "-" "curl/8.5.0"',
    '2001:0db8:0000:0000:0000:0000:0000:0002 - - [04/Nov/2024:10:00:01 +0000] "GET /api HTTP/1.1" 200 734 "-" "curl/8.5.0"',
    '192.0.2.10 - - [05/Nov/2024:19:21:00 +0000] "GET /?q=203.0.113.99 HTTP/1.1" 200 1234 "-" "Googlebot/2.1"',
    '- - - [05/Nov/2024:19:21:01 +0000] "GET / HTTP/1.1" 400 0 "-" "-"',
    'not a log line',
    '203.0.113.7 - - [05/Nov/2024:19:20:55 +0000] "POST /account HTTP/1.1" 302 0 "-" "Android Firefox"',
    '',
  ].join('\r\n');

  function logAdapter(extra: Record<string, unknown> = {}): SourceAdapter {
    const dir = mkdtempSync(join(tmp, 'logs-'));
    writeFileSync(join(dir, 'access.log'), LOG);
    writeFileSync(join(dir, 'access.log.1.gz'), gzipSync('198.51.100.200 - - [01/Nov/2024:00:00:00 +0000] "GET / HTTP/1.1" 200 1 "-" "-"\n'));
    const cfg = analyticsFactory.schema.parse({ name: 'web', kind: 'analytics', accessLogs: [join(dir, 'access.log*')], ...extra });
    return analyticsFactory.create(cfg, env);
  }

  test('gives every address in canonical form and in the usual spellings; as written in the log too', async () => {
    const ids = await listIdentities(logAdapter());
    expectCanonical(ids);
    const listed = keys(ids);
    for (const v of [
      '203.0.113.7',
      '::ffff:203.0.113.7', // IPv4-mapped spellings
      '::ffff:cb00:7107',
      '0:0:0:0:0:ffff:203.0.113.7',
      '198.51.100.42', // written ::FFFF:198.51.100.42
      '::ffff:198.51.100.42', // as written, lower-cased
      '2001:db8::1', // written [2001:DB8::1]
      '[2001:db8::1]', // as written, lower-cased
      '2001:db8:0:0:0:0:0:1',
      '2001:0db8:0000:0000:0000:0000:0000:0001',
      '2001:0db8::0001',
      '2001:db8::2', // written in full
      '2001:0db8:0000:0000:0000:0000:0000:0002',
      '192.0.2.10',
      '198.51.100.200', // in the gzip log
    ]) {
      expect({ v, listed: listed.has(`ip:${v}`) }).toEqual({ v, listed: true });
    }
    expect(listed.has('ip:203.0.113.99')).toBe(false); // in a query string, not a client IP
    expect(listed.has('ip:-')).toBe(false);
    expect(listed.has('ip:not')).toBe(false);
  });

  test('lists every identity discover matches, and each identity listed finds a line on its own', async () => {
    const a = logAdapter();
    const ids = await listIdentities(a);
    const subjects = [...firstFields(LOG), ip('2001:DB8:0:0:0:0:0:1'), ip('::ffff:CB00:7107'), ip('198.51.100.200')].map((x) => [x]);
    expect(await expectMatchedListed(a, keys(ids), subjects)).toBeGreaterThan(8);
    await expectEachFinds(a, ids);
  });

  test('ipSpellings: canonical first; every spelling canonicalises back', async () => {
    expect(ipSpellings('203.0.113.7')[0]).toBe('203.0.113.7');
    expect(ipSpellings('2001:db8:85a3::8a2e:370:7334')).toEqual([
      '2001:db8:85a3::8a2e:370:7334',
      '2001:db8:85a3:0:0:8a2e:370:7334',
      '2001:0db8:85a3:0000:0000:8a2e:0370:7334',
      '2001:0db8:85a3::8a2e:0370:7334',
    ]);
    expect(ipSpellings('::1')).toEqual(['::1', '0:0:0:0:0:0:0:1', '0000:0000:0000:0000:0000:0000:0000:0001', '::0001']);
    for (const c of ['203.0.113.7', '0.0.0.0', '2001:db8::1', '::1', '::', 'fe80::1:0:0:2', '2001:db8:85a3::8a2e:370:7334']) {
      for (const v of ipSpellings(c)) expect({ v, back: canonicalIp(v) }).toEqual({ v, back: c });
    }
  });

  test('a source with Google Analytics only cannot list its identities (replay reports it unchecked); no log file fails as discover does', async () => {
    const gaOnly = analyticsFactory.create(
      analyticsFactory.schema.parse({ name: 'ga', kind: 'analytics', ga: { propertyId: '1', tokenEnv: 'NO_SUCH_TOKEN' } }),
      env,
    );
    expect(gaOnly.identities).toBeUndefined();
    const missing = analyticsFactory.create(
      analyticsFactory.schema.parse({ name: 'web', kind: 'analytics', accessLogs: [join(tmp, 'nowhere', 'access.log*')] }),
      env,
    );
    mkdirSync(join(tmp, 'nowhere'), { recursive: true });
    await expect(listIdentities(missing)).rejects.toBeInstanceOf(SourceError);
  });
});

describe('replay over the analytics source', () => {
  test('recognises a person erased by an IP spelled otherwise than the restored log writes it', async () => {
    const dir = mkdtempSync(join(tmp, 'replay-'));
    writeFileSync(join(dir, 'access.log'), '2001:db8:85a3::8a2e:370:7334 - - [04/Nov/2024:10:00:00 +0000] "GET / HTTP/1.1" 200 1 "-" "-"\n');
    const file = join(dir, 'privacyctl.yaml');
    writeFileSync(
      file,
      `stateDir: ${JSON.stringify(join(dir, '.privacyctl'))}\nsources:\n  - name: web\n    kind: analytics\n    accessLogs: [access.log]\n  - name: ga\n    kind: analytics\n    ga: { propertyId: "1", tokenEnv: NO_SUCH_TOKEN }\n`,
    );
    const config = loadConfig(file);
    const state = new StateDir(config.stateDir);
    // erased as given on the command line: --include-identity ip:2001:DB8:85A3:0:0:8A2E:370:7334
    const erased: ErasedSubject = {
      ref: 'r1',
      hashes: new Set([state.hashIdentity(ip('2001:DB8:85A3:0:0:8A2E:370:7334'))]),
      planIds: ['p1'],
      lastErasedAt: '',
    };
    const { restored, sources } = await findRestored(config, state, [erased], { signal: new AbortController().signal, log: { info() {}, warn() {} } });
    expect(sources.map((s) => [s.name, s.status])).toEqual([
      ['web', 'ok'],
      ['ga', 'unlisted'],
    ]);
    expect(restored.map((r) => r.identities.map((i) => `${i.type}:${i.value}`))).toEqual([['ip:2001:db8:85a3:0:0:8a2e:370:7334']]);
  });
});
