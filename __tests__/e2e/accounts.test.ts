// End to end: the demo's SQLite accounts database (seeded under the state directory on first
// use), its access log and Google Analytics, through the built CLI; and PostgreSQL failures
// (connection refused: exit 3; bad credentials: exit 4; the password never printed).
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { leftoverBytes } from '../helpers/leftover-bytes.js';
import { havePostgres } from '../helpers/services.js';
import type { ErasePlanResult, EraseReceiptResult, ExportDocument, FindResult } from '../../src/cli/results.js';
import { ANN, BIN, childEnv, cleanupWorkspaces, makeWorkspace, run, runJson } from './helpers.js';

// The owner adds these sources to the demo privacyctl.yaml; until then the tests append them.
const DEMO_SOURCES = `
  - name: accounts
    kind: sql
    sqlite: { seed: fixtures/demo/accounts/accounts.sql }
    tables:
      - table: accounts
        key: id
        match: { email: [email], github: [github_login] }
        reveals: { ga-client-id: ga_client_id, ip: last_login_ip }
        erase: delete
      - table: sessions
        key: id
        via: { column: account_id, references: accounts.id }
        reveals: { ip: ip }
        erase: delete
      - table: consents
        key: id
        via: { column: account_id, references: accounts.id }
        erase: delete
      - table: newsletter_subscribers
        key: id
        match: { email: [email] }
        erase: delete

  - name: web-analytics
    kind: analytics
    ga: { propertyId: "123456789", tokenEnv: GA_TOKEN, endpoint: "GA_ENDPOINT" }
    accessLogs: ["fixtures/demo/logs/access.log*"]
`;

function workspace(endpoint = 'https://www.googleapis.com/analytics/v3/userDeletion/userDeletionRequests:upsert'): string {
  const dir = makeWorkspace();
  const file = join(dir, 'privacyctl.yaml');
  const yaml = readFileSync(file, 'utf8');
  if (!/kind: sql/.test(yaml)) appendFileSync(file, DEMO_SOURCES.replace('GA_ENDPOINT', endpoint));
  else {
    // The demo config has the sources already: point its ga: section at the fake endpoint.
    const patched = yaml.replace(/^(\s*ga: \{)/m, `$1 endpoint: "${endpoint}",`);
    if (patched === yaml) throw new Error('the demo config has no `ga: { ... }` line to point at the test endpoint');
    writeFileSync(file, patched);
  }
  return dir;
}

function accountsDb(dir: string) {
  return new Database(join(dir, '.privacyctl', 'sql', 'accounts.db'), { readonly: true });
}

/** The CLI without blocking this process (the fake endpoint below must answer meanwhile). */
function runAsync(cwd: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

afterAll(cleanupWorkspaces);

describe('accounts database and access log (demo, SQLite)', () => {
  test('find on a fresh copy: the database is seeded; ga-client-id and ip are followed from the account', () => {
    const dir = workspace();
    expect(existsSync(join(dir, '.privacyctl', 'sql', 'accounts.db'))).toBe(false);
    const r = runJson<FindResult>(dir, ['find', '--email', ANN, '--include-identity', 'ip:203.0.113.7', '--json']);
    expect(r.code).toBe(0);
    const ids = r.json.identities.map((i) => `${i.type}:${i.value}`);
    expect(ids).toEqual(expect.arrayContaining(['email:ann@example.org', 'github:ann-example', 'ga-client-id:ga1.2.1111111111.1700000001', 'ip:203.0.113.7']));
    expect(ids).not.toContain('ip:203.0.113.77');
    const accounts = r.json.sources.find((s) => s.name === 'accounts');
    expect(accounts).toMatchObject({ status: 'ok', records: 6, byType: { 'db-row': 6 } });
    const web = r.json.sources.find((s) => s.name === 'web-analytics');
    expect(web).toMatchObject({ status: 'ok', records: 3, byType: { 'analytics-id': 1, 'access-log-line': 2 } });
    expect(existsSync(join(dir, '.privacyctl', 'sql', 'accounts.db'))).toBe(true);
  });

  test('an IP address from the account is only a candidate: without --include-identity no log line is taken', () => {
    const dir = workspace();
    const r = runJson<FindResult>(dir, ['find', '--email', ANN, '--json']);
    expect(r.code).toBe(0);
    const ids = r.json.identities.map((i) => `${i.type}:${i.value}`);
    expect(ids).toContain('ga-client-id:ga1.2.1111111111.1700000001');
    expect(ids).not.toContain('ip:203.0.113.7');
    expect(r.json.candidates.map((c) => `${c.to.type}:${c.to.value}`)).toContain('ip:203.0.113.7');
    const web = r.json.sources.find((s) => s.name === 'web-analytics');
    expect(web!.byType['access-log-line']).toBeUndefined();
  });

  test("export: the rows are the subject's only; the password hash is withheld; Google named as the holder", () => {
    const dir = workspace();
    const r = runJson<ExportDocument>(dir, ['export', '--email', 'ANN@example.org', '--include-identity', 'ip:203.0.113.7']);
    expect(r.code).toBe(0);
    const mine = r.json.records.filter((x) => x.source === 'accounts' || x.source === 'web-analytics');
    const text = JSON.stringify(mine);
    expect(text).not.toMatch(/joann|203\.0\.113\.77|ann@example\.org\.evil|\$argon2/i);
    const account = mine.find((x) => x.locator === 'accounts/1');
    expect(account!.data).toMatchObject({ email: 'Ann@Example.org', password_hash: '[withheld: credential]', ga_client_id: 'GA1.2.1111111111.1700000001' });
    const ga = mine.find((x) => x.type === 'analytics-id');
    expect(ga!.disposition).toBe('manual');
    expect(ga!.data['heldBy']).toMatch(/Google/);
    const lines = mine.filter((x) => x.type === 'access-log-line');
    expect(lines.map((l) => l.data.path)).toEqual(['/login', '/account/settings']);
  });

  test('a near miss and a non-ASCII address', () => {
    const dir = workspace();
    const joann = runJson<ExportDocument>(dir, ['export', '--email', 'joann@example.org']);
    const locs = joann.json.records
      .filter((x) => x.source === 'accounts')
      .map((x) => x.locator)
      .sort();
    expect(locs).toEqual(['accounts/2', 'consents/102', 'newsletter_subscribers/1001', 'sessions/12']);
    const zoe = runJson<ExportDocument>(dir, ['export', '--email', 'zoë.lindqvist@example.net']);
    expect(
      zoe.json.records
        .filter((x) => x.source === 'accounts')
        .map((x) => x.locator)
        .sort(),
    ).toEqual(['accounts/4', 'consents/103', 'sessions/14']);
  });

  test('erase --apply: rows deleted children first in one transaction, log IPs truncated; verify is clean; a re-run is a no-op', () => {
    const dir = workspace();
    const plan = runJson<ErasePlanResult>(dir, ['erase', '--email', ANN, '--include-identity', 'ip:203.0.113.7', '--json']);
    expect(plan.json.steps.filter((s) => s.source === 'accounts').map((s) => s.locator)).toEqual(
      expect.arrayContaining(['accounts/1', 'sessions/10', 'sessions/11', 'consents/100', 'consents/101', 'newsletter_subscribers/1000']),
    );
    const applied = runJson<EraseReceiptResult>(dir, ['erase', '--email', ANN, '--include-identity', 'ip:203.0.113.7', '--apply', '--yes', '--json']);
    expect(applied.code).toBe(0);
    expect(applied.json.failed).toEqual([]);
    expect(applied.json.erased.filter((e) => e.source === 'accounts')).toHaveLength(6);
    expect(applied.json.manual.map((m) => m.type)).toContain('analytics-id');
    const db = accountsDb(dir);
    try {
      expect(db.prepare('SELECT id FROM accounts ORDER BY id').all()).toEqual([{ id: 2 }, { id: 3 }, { id: 4 }]);
      expect(db.prepare('SELECT count(*) AS n FROM sessions WHERE account_id = 1').get()).toEqual({ n: 0 });
      expect(db.prepare("SELECT count(*) AS n FROM newsletter_subscribers WHERE email LIKE 'ann@%'").get()).toEqual({ n: 1 }); // the .evil address stays
    } finally {
      db.close();
    }
    const log = readFileSync(join(dir, 'fixtures/demo/logs/access.log'), 'utf8');
    expect(log).not.toMatch(/^203\.0\.113\.7 /m);
    expect(log.match(/^203\.0\.113\.0 /gm)).toHaveLength(2);
    expect(log).toMatch(/^203\.0\.113\.77 /m);
    expect(log).toMatch(/^203\.0\.113\.70 /m);

    const verify = run(dir, ['verify', '--email', ANN, '--include-identity', 'ip:203.0.113.7']);
    expect(verify.code).toBe(0);
    const again = runJson<EraseReceiptResult>(dir, ['erase', '--email', ANN, '--include-identity', 'ip:203.0.113.7', '--apply', '--yes', '--json']);
    expect(again.code).toBe(0);
    expect(again.json.erased).toEqual([]);
    expect(readFileSync(join(dir, 'fixtures/demo/logs/access.log'), 'utf8')).toBe(log);
  });
});

describe('what an erasure leaves in the demo database file', () => {
  // Ann's accounts row: name, e-mail (as written, and lower-cased in an index), GA id, IP address.
  // Other people's values contain some of these (joann@…, ann@example.org.evil, 203.0.113.77).
  const ANN_ROW = [/Ann Example/, /Ann@Example\.org/, /(?<!jo)ann@example\.org(?!\.evil)/, /GA1\.2\.1111111111\.1700000001/, /203\.0\.113\.7(?!7)/];

  test("erase --apply: no byte of Ann's account row left in accounts.db or beside it; the others' rows intact; the receipt says what was overwritten", () => {
    const dir = workspace();
    const file = join(dir, '.privacyctl', 'sql', 'accounts.db');
    expect(run(dir, ['find', '--email', ANN]).code).toBe(0); // seeds the database
    const others = () => {
      const db = accountsDb(dir);
      try {
        return ['accounts', 'sessions', 'consents', 'newsletter_subscribers'].map(
          (t) => db.prepare(`SELECT * FROM ${t} ORDER BY id`).all() as Array<{ id?: number; account_id?: number }>,
        );
      } finally {
        db.close();
      }
    };
    const before = others();
    expect(leftoverBytes(file, ANN_ROW)).toHaveLength(ANN_ROW.length);
    const r = run(dir, ['erase', '--email', ANN, '--apply', '--yes']);
    expect(r.code).toBe(0);
    expect(leftoverBytes(file, ANN_ROW)).toEqual([]);
    expect(r.stdout).toMatch(/^ {2}note +accounts +the erased rows were overwritten with zeros/m);
    const gone = (row: { id?: number; account_id?: number }) => row.id === 1 || row.account_id === 1 || row.id === 1000;
    expect(others()).toEqual(before.map((rows) => rows.filter((row) => !gone(row))));
  });
});

describe('Google Analytics deletion through the CLI', () => {
  let server: Server;
  let endpoint: string;
  const bodies: any[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      let text = '';
      req.on('data', (d) => (text += d));
      req.on('end', () => {
        if (req.headers.authorization !== 'Bearer demo-token') return void res.writeHead(401).end();
        bodies.push(JSON.parse(text));
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ deletionRequestTime: '2026-11-29T12:00:00Z' }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/upsert`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  test('with a token the deletion request is sent and the id erased', async () => {
    const dir = workspace(endpoint);
    const r = await runAsync(dir, ['erase', '--email', ANN, '--apply', '--yes', '--json'], { GA_TOKEN: 'demo-token' });
    expect(r.code).toBe(0);
    const receipt = JSON.parse(r.stdout) as EraseReceiptResult;
    expect(receipt.erased.map((e) => e.action)).toContain('ga-user-deletion');
    expect(bodies).toEqual([{ kind: 'analytics#userDeletionRequest', id: { type: 'CLIENT_ID', userId: '1111111111.1700000001' }, propertyId: '123456789' }]);
    expect(r.stderr).not.toContain('demo-token');
  });

  test('a refused token: the step fails, exit 3, the token is not printed', async () => {
    const dir = workspace(endpoint);
    const r = await runAsync(dir, ['erase', '--email', ANN, '--apply', '--yes', '--json'], { GA_TOKEN: 'wrong-token' });
    expect(r.code).toBe(3);
    const receipt = JSON.parse(r.stdout);
    expect(receipt.failed).toEqual([
      expect.objectContaining({ source: 'web-analytics', action: 'ga-user-deletion', reason: expect.stringMatching(/HTTP 401/) }),
    ]);
    expect(r.stdout + r.stderr).not.toContain('wrong-token');
  });
});

describe('a secret a server sends back', () => {
  let server: Server;
  let endpoint: string;
  beforeAll(async () => {
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () =>
        res
          .writeHead(400, { 'content-type': 'application/json' })
          .end(JSON.stringify({ error: { code: 400, message: `Invalid request; headers were: Authorization: ${req.headers.authorization}` } })),
      );
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/upsert`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  test('a GA error body that repeats the token reaches neither the printed receipt nor the state directory', async () => {
    const token = 'ya29.echoed-secret-token-0123456789'; // a fake token, for this fake server
    for (const json of [true, false]) {
      const dir = workspace(endpoint);
      const r = await runAsync(dir, ['erase', '--email', ANN, '--apply', '--yes', ...(json ? ['--json'] : []), '--debug'], { GA_TOKEN: token });
      expect(r.code).toBe(3);
      expect(r.stdout).toMatch(/HTTP 400: Invalid request; headers were: Authorization: Bearer \[secret withheld\]/);
      expect(r.stdout + r.stderr).not.toContain('echoed-secret');
      const state = join(dir, '.privacyctl');
      const files = ['journal', 'receipts'].flatMap((d) => readdirSync(join(state, d)).map((f) => join(state, d, f)));
      expect(files.length).toBeGreaterThan(1);
      for (const f of [...files, join(state, 'audit.ndjson')])
        expect({ f, leaks: readFileSync(f, 'utf8').includes('echoed-secret') }).toEqual({ f, leaks: false });
    }
  });
});

// The tests that need a running PostgreSQL skip locally without one (saying why); CI fails.
const pgOk = await havePostgres('PostgreSQL (accounts e2e)');

describe('PostgreSQL source failures through the CLI', () => {
  const pgSource = (url: string, extra = '') => `
  - name: site-db
    kind: sql
    url: "${url}"${extra}
    tables:
      - { table: accounts, key: id, match: { email: [email] } }
`;

  test('connection refused: the source failed, the rest answered, exit 3', () => {
    const dir = makeWorkspace();
    appendFileSync(join(dir, 'privacyctl.yaml'), pgSource('postgres://postgres@127.0.0.1:1/test'));
    const r = runJson<ExportDocument>(dir, ['export', '--email', ANN]);
    expect(r.code).toBe(3);
    const s = r.json.sources.find((x) => x.name === 'site-db');
    expect(s).toMatchObject({ status: 'failed' });
    expect(s!.reason).toMatch(/connection refused/);
    expect(r.json.sources.find((x) => x.name === 'survey-2024')!.status).toBe('ok');
  });

  (pgOk ? test : test.skip)('bad credentials: exit 4, and the password is never printed', () => {
    const dir = makeWorkspace();
    appendFileSync(join(dir, 'privacyctl.yaml'), pgSource(`postgres://no_such_role_${process.pid}@127.0.0.1:5432/test`, '\n    passwordEnv: SITE_DB_PASSWORD'));
    const r = run(dir, ['find', '--email', ANN], { env: { SITE_DB_PASSWORD: 'correct-horse-battery' } });
    expect(r.code).toBe(4);
    expect(r.stdout + r.stderr).toMatch(/refused the credentials/);
    expect(r.stdout + r.stderr).not.toContain('correct-horse-battery');
    const dbg = run(dir, ['find', '--email', ANN, '--debug'], { env: { SITE_DB_PASSWORD: 'correct-horse-battery' } });
    expect(dbg.stdout + dbg.stderr).not.toContain('correct-horse-battery');
  });

  (pgOk ? describe : describe.skip)('erasure: what the receipt says stays in the table files', () => {
    const db = `privacyctl_e2e_${process.pid}_${Date.now().toString(36)}`;
    const admin = (database = 'postgres') => new pg.Client({ host: '127.0.0.1', port: 5432, user: 'postgres', database });
    async function sql(text: string, database = db): Promise<void> {
      const c = admin(database);
      await c.connect();
      try {
        await c.query(text);
      } finally {
        await c.end();
      }
    }
    beforeAll(() => sql(`CREATE DATABASE "${db}"`, 'postgres'));
    afterAll(() => sql(`DROP DATABASE IF EXISTS "${db}" WITH (FORCE)`, 'postgres'));

    test.each([
      [
        '',
        /^ {2}note +site-db +PostgreSQL keeps the erased rows' old versions in the files of accounts until VACUUM FULL rewrites them; this source does not run it \(set vacuum: true\)$/m,
      ],
      ['\n    vacuum: true', /^ {2}note +site-db +VACUUM FULL rewrote accounts: the erased rows' old versions are no longer in their files/m],
    ])('printed and stored (config%s)', async (extra, note) => {
      await sql(`DROP TABLE IF EXISTS accounts; CREATE TABLE accounts (id int PRIMARY KEY, email text, name text);
        INSERT INTO accounts VALUES (1, 'Ann@Example.org', 'Ann Example'), (2, 'joann@example.org', 'Joann Doe');`);
      const dir = makeWorkspace();
      appendFileSync(join(dir, 'privacyctl.yaml'), pgSource(`postgres://postgres@127.0.0.1:5432/${db}`, extra));
      const r = run(dir, ['erase', '--email', ANN, '--apply', '--yes']);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(note);
      const receipts = join(dir, '.privacyctl', 'receipts');
      const stored = JSON.parse(readFileSync(join(receipts, readdirSync(receipts)[0]!), 'utf8')) as EraseReceiptResult;
      const notes = stored.sources.find((x) => x.name === 'site-db')!.notes!;
      expect(notes).toHaveLength(1);
      expect(`  note      site-db  ${notes[0]}`).toMatch(note);
    });
  });

  test('a password in the URL is refused by the config check (exit 2)', () => {
    const dir = makeWorkspace();
    appendFileSync(join(dir, 'privacyctl.yaml'), pgSource('postgres://app:s3cret@127.0.0.1:5432/test'));
    const r = run(dir, ['find', '--email', ANN]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/sources\[\d+\]\.url must not hold a password/);
  });
});
