// The sql adapter against a real PostgreSQL (a uniquely named database per run, dropped after)
// and SQLite files: matching pushed down with case differences, via chains two deep, nullify vs
// delete, rollback on a failure injected mid-way, plan/row-count mismatch, idempotent re-run,
// SQL injection in identities, connection refused and bad credentials.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { sqlFactory } from '../../src/adapters/sql/index.js';
import type { SqlSourceConfig } from '../../src/adapters/sql/config.js';
import type { AdapterContext, StepResult } from '../../src/adapters/types.js';
import { AuthError, ConfigError, SourceError } from '../../src/core/errors.js';
import { IdentityMatcher, type Identity } from '../../src/core/identity.js';
import { stepsFor } from '../../src/core/plan.js';
import { isIdentityLink, type IdentityLink, type PersonalRecord } from '../../src/core/record.js';
import { leftoverBytes } from '../helpers/leftover-bytes.js';
import { PG_HOST, havePostgres } from '../helpers/services.js';

// Without PostgreSQL (locally) its tests skip, saying why; SQLite's still run. Under CI it fails.
const pgOk = await havePostgres('PostgreSQL (sql adapter)');
const describePg = pgOk ? describe : describe.skip;
const testPg = pgOk ? test : test.skip;
const PG_ADMIN = { host: PG_HOST, port: 5432, user: 'postgres', database: 'postgres' };
const dbName = `privacyctl_test_${process.pid}_${Date.now().toString(36)}`;
const tmp = mkdtempSync(join(tmpdir(), 'privacyctl-sql-'));
const env = { configDir: tmp, stateDir: join(tmp, '.privacyctl') };

const SCHEMA = `
CREATE TABLE accounts (id INTEGER PRIMARY KEY, email TEXT NOT NULL, github_login TEXT, phone TEXT, password_hash TEXT, ga_client_id TEXT, last_login_ip TEXT);
CREATE TABLE sessions (id INTEGER PRIMARY KEY, account_id INTEGER NOT NULL REFERENCES accounts (id), ip TEXT, started TEXT);
CREATE TABLE session_events (id INTEGER PRIMARY KEY, session_id INTEGER NOT NULL REFERENCES sessions (id), path TEXT);
CREATE TABLE newsletter (id INTEGER PRIMARY KEY, email TEXT, list TEXT NOT NULL);
CREATE TABLE "odd ""table""" (k TEXT PRIMARY KEY, "e-mail" TEXT);
INSERT INTO accounts VALUES
  (1, 'Ann@Example.ORG', 'Ann-Example', '+1 555 0100', 'argon2-hash', 'GA1.2.111.222', '203.0.113.7'),
  (2, 'joann@example.org', 'joann-d', NULL, 'h2', 'GA1.2.333.444', '203.0.113.77'),
  (3, 'ann@example.org.evil', NULL, NULL, 'h3', NULL, NULL),
  (4, 'Zoë.Lindqvist@Example.NET', NULL, NULL, 'h4', NULL, NULL),
  (5, 'o''hara@example.org', NULL, NULL, 'h5', NULL, NULL);
INSERT INTO sessions VALUES (10, 1, '203.0.113.7', '2024-11-01'), (11, 1, '203.0.113.8', '2024-11-02'), (12, 2, '203.0.113.77', '2024-11-03'), (13, 4, NULL, '2024-11-04');
INSERT INTO session_events VALUES (100, 10, '/login'), (101, 10, '/settings'), (102, 11, '/'), (103, 12, '/joann'), (104, 13, '/zoe');
INSERT INTO newsletter VALUES (1000, 'ANN@example.org', 'announce'), (1001, 'joann@example.org', 'announce'), (1002, 'ann@example.org', 'dev');
INSERT INTO "odd ""table""" VALUES ('x', 'ann@example.org');
`;

function tables(): SqlSourceConfig['tables'] {
  return [
    {
      table: 'accounts',
      key: ['id'],
      match: { email: ['email'], github: ['github_login'] },
      reveals: { 'ga-client-id': ['ga_client_id'], ip: ['last_login_ip'] },
      erase: 'delete',
    },
    { table: 'sessions', key: ['id'], via: [{ column: 'account_id', references: 'accounts.id' }], reveals: { ip: ['ip'] }, erase: 'delete' },
    { table: 'session_events', key: ['id'], via: [{ column: 'session_id', references: 'sessions.id' }], erase: 'delete' },
    { table: 'newsletter', key: ['id'], match: { email: ['email'] }, erase: { nullify: ['email'] } },
    { table: 'odd "table"', key: ['k'], match: { email: ['e-mail'] }, erase: { retain: { reason: 'test retention', ground: 'Art. 17(3)(b)' } } },
  ] as SqlSourceConfig['tables'];
}

/** An adapter context; the notes an erasure leaves for the receipt go to `notes`. */
function ctx(notes: string[] = []): AdapterContext {
  return { signal: new AbortController().signal, log: { info: () => undefined, warn: () => undefined }, stats: {}, note: (text) => notes.push(text) };
}

const subject = (...ids: Array<[string, string]>) => new IdentityMatcher(ids.map(([type, value]): Identity => ({ type, value })));
const ANN = subject(['email', 'ann@example.org']);

async function collect(adapter: ReturnType<typeof sqlFactory.create>, who: IdentityMatcher) {
  const records: PersonalRecord[] = [];
  const links: IdentityLink[] = [];
  for await (const x of adapter.discover(who, ctx())) (isIdentityLink(x) ? links : records).push(x as never);
  return { records, links };
}

async function eraseAll(
  adapter: ReturnType<typeof sqlFactory.create>,
  records: PersonalRecord[],
  who: IdentityMatcher,
  notes: string[] = [],
): Promise<StepResult[]> {
  const out: StepResult[] = [];
  for await (const r of adapter.erase!(stepsFor(records), who, ctx(notes))) out.push(r);
  return out;
}

interface Backend {
  name: string;
  config(extra?: Partial<SqlSourceConfig>): SqlSourceConfig;
  exec(sql: string): Promise<void>;
  count(sql: string): Promise<number>;
  reset(): Promise<void>;
  failTrigger(): Promise<void>;
}

let pgAvailable = true;

const pgBackend: Backend = {
  name: 'postgresql',
  config: (extra = {}) =>
    sqlFactory.schema.parse({ name: 'accounts-db', kind: 'sql', url: `postgres://postgres@${PG_HOST}:5432/${dbName}`, tables: tables(), ...extra }),
  async exec(sql) {
    const c = new pg.Client({ ...PG_ADMIN, database: dbName });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  },
  async count(sql) {
    const c = new pg.Client({ ...PG_ADMIN, database: dbName });
    await c.connect();
    try {
      return Number((await c.query(sql)).rows[0].n);
    } finally {
      await c.end();
    }
  },
  async reset() {
    await this.exec(`DROP SCHEMA public CASCADE; CREATE SCHEMA public; ${SCHEMA}`);
  },
  async failTrigger() {
    await this.exec(`CREATE FUNCTION fail_delete() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'injected failure'; END $$;
      CREATE TRIGGER accounts_fail BEFORE DELETE ON accounts FOR EACH ROW EXECUTE FUNCTION fail_delete();`);
  },
};

const sqliteFile = join(tmp, 'site.db');
const sqliteBackend: Backend = {
  name: 'sqlite',
  config: (extra = {}) => sqlFactory.schema.parse({ name: 'accounts-db', kind: 'sql', sqlite: 'site.db', tables: tables(), ...extra }),
  async exec(sql) {
    const db = new Database(sqliteFile);
    try {
      db.exec(sql);
    } finally {
      db.close();
    }
  },
  async count(sql) {
    const db = new Database(sqliteFile, { readonly: true });
    try {
      return Number((db.prepare(sql).get() as { n: number }).n);
    } finally {
      db.close();
    }
  },
  async reset() {
    rmSync(sqliteFile, { force: true });
    await this.exec(SCHEMA);
  },
  async failTrigger() {
    await this.exec(`CREATE TRIGGER accounts_fail BEFORE DELETE ON accounts BEGIN SELECT RAISE(ABORT, 'injected failure'); END;`);
  },
};

beforeAll(async () => {
  if (!pgOk) return;
  const c = new pg.Client(PG_ADMIN);
  try {
    await c.connect();
    await c.query(`CREATE DATABASE "${dbName}" TEMPLATE template0 ENCODING 'UTF8'`);
  } catch (err) {
    pgAvailable = false;
    throw new Error(`PostgreSQL is needed for these tests (127.0.0.1:5432, user postgres): ${String(err)}`, { cause: err });
  } finally {
    await c.end().catch(() => undefined);
  }
});

afterAll(async () => {
  rmSync(tmp, { recursive: true, force: true });
  if (!pgOk || !pgAvailable) return;
  const c = new pg.Client(PG_ADMIN);
  await c.connect();
  await c.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
  await c.end();
});

describe.each(pgOk ? [pgBackend, sqliteBackend] : [sqliteBackend])('sql adapter on $name', (b) => {
  test('matches whole identities case-insensitively, never near misses; via chains two deep', async () => {
    await b.reset();
    const { records, links } = await collect(sqlFactory.create(b.config(), env), ANN);
    const locators = records.map((r) => r.locator).sort();
    expect(locators).toEqual(
      [
        'accounts/1',
        'newsletter/1000',
        'newsletter/1002',
        'odd%20%22table%22/x',
        'session_events/100',
        'session_events/101',
        'session_events/102',
        'sessions/10',
        'sessions/11',
      ]
        .sort()
        .map((l) => l.replace('odd%20%22table%22', 'odd "table"')),
    );
    const account = records.find((r) => r.locator === 'accounts/1')!;
    expect(account.data['email']).toBe('Ann@Example.ORG');
    expect(account.data['password_hash']).toBe('[withheld: credential]');
    expect(account.matched).toEqual([{ type: 'email', value: 'ann@example.org', field: 'accounts.email' }]);
    expect(account.categories).toContain('contact.email');
    const event = records.find((r) => r.locator === 'session_events/101')!;
    expect(event.matched[0]).toMatchObject({ type: 'email', value: 'ann@example.org' });
    expect(records.find((r) => r.locator.startsWith('odd'))!.disposition).toBe('retain');
    expect(records.find((r) => r.locator === 'newsletter/1000')!.action).toBe('nullify-columns');
    // reveals: strong links, except IP addresses (a network, not a person: candidates); the other
    // match column: a strong link (an account row the person filled in)
    const to = links.map((l) => `${l.to.type}:${l.to.value}:${l.strength}`).sort();
    expect(to).toEqual(['ga-client-id:ga1.2.111.222:strong', 'github:ann-example:strong', 'ip:203.0.113.7:candidate', 'ip:203.0.113.8:candidate']);
    expect(JSON.stringify(records)).not.toMatch(/joann|evil|argon2/);
  });

  test('the GitHub handle and a non-ASCII address match regardless of case', async () => {
    await b.reset();
    const gh = await collect(sqlFactory.create(b.config(), env), subject(['github', 'ann-example']));
    expect(gh.records.map((r) => r.locator)).toContain('accounts/1');
    const zoe = await collect(sqlFactory.create(b.config(), env), subject(['email', 'zoë.lindqvist@example.net']));
    expect(zoe.records.map((r) => r.locator).sort()).toEqual(['accounts/4', 'session_events/104', 'sessions/13']);
  });

  test('SQL injection attempts in identities are data', async () => {
    await b.reset();
    const evil = subject(['email', "x' OR '1'='1"], ['github', `"); DROP TABLE accounts; --`], ['email', "o'hara@example.org"]);
    const { records } = await collect(sqlFactory.create(b.config(), env), evil);
    expect(records.map((r) => r.locator)).toEqual(['accounts/5']);
    expect(await b.count('SELECT count(*) AS n FROM accounts')).toBe(5);
  });

  test('erase: children before parents, nullify vs delete, one transaction; re-run is a no-op', async () => {
    await b.reset();
    const adapter = sqlFactory.create(b.config(), env);
    const { records } = await collect(adapter, ANN);
    const results = await eraseAll(adapter, records, ANN);
    expect(results.every((r) => r.status === 'done')).toBe(true);
    expect(results).toHaveLength(8); // the retained row has no step
    expect(await b.count(`SELECT count(*) AS n FROM accounts WHERE id = 1`)).toBe(0);
    expect(await b.count(`SELECT count(*) AS n FROM sessions`)).toBe(2);
    expect(await b.count(`SELECT count(*) AS n FROM session_events`)).toBe(2);
    // nullified, not deleted
    expect(await b.count(`SELECT count(*) AS n FROM newsletter WHERE id IN (1000, 1002) AND email IS NULL`)).toBe(2);
    expect(await b.count(`SELECT count(*) AS n FROM newsletter WHERE email = 'joann@example.org'`)).toBe(1);
    expect(await b.count(`SELECT count(*) AS n FROM accounts`)).toBe(4);
    // the same plan again: every step is gone, nothing changes
    const again = await eraseAll(adapter, records, ANN);
    expect(again.map((r) => r.status)).toEqual(Array(8).fill('gone'));
    // and a fresh discovery finds only the retained row
    const after = await collect(adapter, ANN);
    expect(after.records.map((r) => r.disposition)).toEqual(['retain']);
  });

  test('a failure injected mid-way rolls everything back', async () => {
    await b.reset();
    await b.failTrigger();
    const adapter = sqlFactory.create(b.config(), env);
    const { records } = await collect(adapter, ANN);
    await expect(eraseAll(adapter, records, ANN)).rejects.toThrow(/injected failure/);
    expect(await b.count(`SELECT count(*) AS n FROM session_events`)).toBe(5);
    expect(await b.count(`SELECT count(*) AS n FROM sessions`)).toBe(4);
    expect(await b.count(`SELECT count(*) AS n FROM newsletter WHERE email IS NULL`)).toBe(0);
  });

  test('a database that changed since the plan: rolled back, the difference reported', async () => {
    await b.reset();
    const adapter = sqlFactory.create(b.config(), env);
    const { records } = await collect(adapter, ANN);
    await b.exec(`INSERT INTO sessions VALUES (14, 1, '198.51.100.1', '2024-12-01'); UPDATE newsletter SET list = 'changed' WHERE id = 1002`);
    const err = await eraseAll(adapter, records, ANN).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SourceError);
    expect(String((err as Error).message)).toMatch(/sessions: 1 row not in the plan; newsletter: 1 planned row changed.*rolled back/);
    expect(await b.count(`SELECT count(*) AS n FROM accounts`)).toBe(5);
    expect(await b.count(`SELECT count(*) AS n FROM session_events`)).toBe(5);
  });

  test('a table or column missing from the database is a config error', async () => {
    await b.reset();
    const cfg = b.config({ tables: [{ table: 'accounts', key: ['id'], match: { email: ['mail'] }, erase: 'delete' }] as SqlSourceConfig['tables'] });
    await expect(collect(sqlFactory.create(cfg, env), ANN)).rejects.toBeInstanceOf(ConfigError);
    const cfg2 = b.config({ tables: [{ table: 'nope', key: ['id'], match: { email: ['email'] }, erase: 'delete' }] as SqlSourceConfig['tables'] });
    await expect(collect(sqlFactory.create(cfg2, env), ANN)).rejects.toBeInstanceOf(ConfigError);
    const check = await sqlFactory.create(cfg2, env).check(new AbortController().signal);
    expect(check.ok).toBe(false);
  });
});

describe('what an erasure leaves in the database files (SQLite)', () => {
  // Ann's values in the rows the erasure deletes or nulls (203.0.113.77 is Joann's address).
  const ANN_BYTES = [
    /Ann@Example\.ORG/,
    /Ann-Example/,
    /\+1 555 0100/,
    /argon2-hash/,
    /GA1\.2\.111\.222/,
    /203\.0\.113\.7(?!7)/,
    /203\.0\.113\.8/,
    /ANN@example\.org/,
    /\/settings/,
    /ann-bio/,
  ];
  const OTHERS_BYTES = [/joann@example\.org/, /GA1\.2\.333\.444/, /203\.0\.113\.77/, /Lindqvist/];
  // A value long enough for overflow pages (16 KB).
  const LONG_PHONE = `UPDATE accounts SET phone = '+1 555 0100 ' || replace(hex(zeroblob(2000)), '00', 'ann-bio ') WHERE id = 1`;

  async function eraseAnn(extra: Partial<SqlSourceConfig> = {}): Promise<string[]> {
    const notes: string[] = [];
    const adapter = sqlFactory.create(sqliteBackend.config(extra), env);
    const { records } = await collect(adapter, ANN);
    const results = await eraseAll(adapter, records, ANN, notes);
    expect(results.map((r) => r.status)).toEqual(Array(8).fill('done'));
    return notes;
  }

  /** A file with Ann's long value and no old copies in free space (VACUUM). */
  async function freshFile(): Promise<void> {
    await sqliteBackend.reset();
    await sqliteBackend.exec(`${LONG_PHONE}; VACUUM`);
  }

  /** A fresh file in WAL mode, open in another connection whose last write put Ann's page in the -wal. */
  async function walFileOpenElsewhere(): Promise<Database.Database> {
    await freshFile();
    const other = new Database(sqliteFile);
    other.pragma('journal_mode = WAL');
    other.prepare(`UPDATE accounts SET phone = '+1 555 0199' WHERE id = 2`).run();
    expect(leftoverBytes(sqliteFile, [/Ann-Example/])).toEqual(['site.db: Ann-Example', 'site.db-wal: Ann-Example']);
    return other;
  }

  async function expectOthersIntact(): Promise<void> {
    expect(await sqliteBackend.count(`SELECT count(*) AS n FROM accounts WHERE id IN (2, 3, 4, 5)`)).toBe(4);
    expect(await sqliteBackend.count(`SELECT count(*) AS n FROM newsletter WHERE email = 'joann@example.org'`)).toBe(1);
  }

  test('rollback journal: no byte of the erased rows in the file or its journal, overflow pages and nulled cells included', async () => {
    await freshFile();
    expect(leftoverBytes(sqliteFile, ANN_BYTES)).toHaveLength(ANN_BYTES.length);
    const notes = await eraseAnn();
    expect(leftoverBytes(sqliteFile, ANN_BYTES)).toEqual([]);
    expect(leftoverBytes(sqliteFile, OTHERS_BYTES)).toHaveLength(OTHERS_BYTES.length);
    await expectOthersIntact();
    expect(notes).toEqual([expect.stringMatching(/overwritten with zeros.*VACUUM.*vacuum: true/)]);
  });

  test('WAL mode with another connection open: the erased rows are in neither the file nor its -wal, which is truncated', async () => {
    const other = await walFileOpenElsewhere();
    try {
      await eraseAnn();
      expect(leftoverBytes(sqliteFile, ANN_BYTES)).toEqual([]);
      expect(statSync(`${sqliteFile}-wal`).size).toBe(0);
      expect(other.prepare('SELECT phone FROM accounts WHERE id = 2').get()).toEqual({ phone: '+1 555 0199' });
      await expectOthersIntact();
    } finally {
      other.close();
    }
  });

  test('WAL mode with a reader in the middle of a transaction: the receipt says the file and its -wal keep the rows until the reader is done', async () => {
    const other = await walFileOpenElsewhere();
    try {
      other.exec('BEGIN');
      other.prepare('SELECT count(*) FROM accounts').get(); // holds a snapshot from before the erasure
      const notes = await eraseAnn();
      expect(notes).toContainEqual(
        expect.stringMatching(/checkpoint could not finish, another connection was reading: site\.db and site\.db-wal keep the erased rows/),
      );
      expect(notes.join(' ')).not.toMatch(/ann/i);
      expect(leftoverBytes(sqliteFile, ANN_BYTES)).not.toEqual([]); // as the note says
      other.exec('COMMIT');
    } finally {
      other.close(); // the last connection: SQLite checkpoints and removes the -wal
    }
    expect(leftoverBytes(sqliteFile, ANN_BYTES)).toEqual([]);
  });

  test('copies left in free space by earlier changes (and a journal another program persists): the receipt says so; vacuum: true removes them', async () => {
    const earlierChanges = async () => {
      await sqliteBackend.reset();
      const other = new Database(sqliteFile);
      other.pragma('journal_mode = PERSIST');
      other.exec(LONG_PHONE); // the old version of Ann's row is left in a freed cell, and in site.db-journal
      other.close();
      expect(leftoverBytes(sqliteFile, [/Ann-Example/])).toEqual(['site.db: Ann-Example', 'site.db-journal: Ann-Example']);
    };
    await earlierChanges();
    const notes = await eraseAnn();
    expect(notes).toEqual([expect.stringMatching(/copies that earlier changes left in free space stay until VACUUM/)]);
    expect(leftoverBytes(sqliteFile, ANN_BYTES)).not.toEqual([]);

    await earlierChanges();
    const vacuumed = await eraseAnn({ vacuum: true });
    expect(vacuumed).toEqual([expect.stringMatching(/VACUUM rebuilt the database file/)]);
    expect(leftoverBytes(sqliteFile, ANN_BYTES)).toEqual([]);
    expect(leftoverBytes(sqliteFile, OTHERS_BYTES)).toHaveLength(OTHERS_BYTES.length);
    await expectOthersIntact();
  });
});

describePg('what an erasure leaves in the table files (PostgreSQL)', () => {
  /** How many of the table's pages hold `text` in their raw bytes (pageinspect). */
  async function pagesHolding(table: string, text: string): Promise<number> {
    const c = new pg.Client({ ...PG_ADMIN, database: dbName });
    await c.connect();
    try {
      const r = await c.query(
        `SELECT count(*) AS n FROM generate_series(0, pg_relation_size($1::regclass) / current_setting('block_size')::int - 1) AS b
         WHERE position(convert_to($2, 'UTF8') in get_raw_page($1::text, b)) > 0`,
        [table, text],
      );
      return Number(r.rows[0].n);
    } finally {
      await c.end();
    }
  }

  async function eraseAnn(cfg: SqlSourceConfig): Promise<string[]> {
    const notes: string[] = [];
    const adapter = sqlFactory.create(cfg, env);
    const { records } = await collect(adapter, ANN);
    expect((await eraseAll(adapter, records, ANN, notes)).map((r) => r.status)).toEqual(Array(8).fill('done'));
    return notes;
  }

  beforeEach(async () => {
    await pgBackend.reset();
    await pgBackend.exec('CREATE EXTENSION IF NOT EXISTS pageinspect');
  });

  test('without vacuum: the receipt says the old row versions stay in the table files (and they do)', async () => {
    const notes = await eraseAnn(pgBackend.config());
    expect(notes).toEqual([expect.stringMatching(/old versions .* accounts, newsletter, session_events, sessions .*VACUUM FULL.*vacuum: true/)]);
    expect(await pagesHolding('accounts', 'Ann@Example.ORG')).toBe(1);
    expect(await pagesHolding('newsletter', 'ANN@example.org')).toBe(1);
  });

  test('vacuum: true runs VACUUM FULL on the tables rows were erased from: no byte of the rows left in them; the others intact', async () => {
    const notes = await eraseAnn(pgBackend.config({ vacuum: true }));
    expect(notes).toEqual([expect.stringMatching(/VACUUM FULL rewrote accounts, newsletter, session_events, sessions/)]);
    for (const [table, text] of [
      ['accounts', 'Ann@Example.ORG'],
      ['accounts', 'GA1.2.111.222'],
      ['newsletter', 'ANN@example.org'],
      ['sessions', '203.0.113.8'],
    ] as const) {
      expect(`${table}: ${await pagesHolding(table, text)}`).toBe(`${table}: 0`);
    }
    expect(await pagesHolding('accounts', 'joann@example.org')).toBe(1);
    expect(await pgBackend.count(`SELECT count(*) AS n FROM accounts`)).toBe(4);
  });

  test('vacuum: true for a user who may not vacuum: the rows are erased, and the receipt says VACUUM FULL did not run', async () => {
    const role = `privacyctl_rw_${process.pid}`;
    await pgBackend.exec(`DROP ROLE IF EXISTS ${role}; CREATE ROLE ${role} LOGIN; GRANT CONNECT ON DATABASE "${dbName}" TO ${role};
      GRANT USAGE ON SCHEMA public TO ${role}; GRANT SELECT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${role};`);
    try {
      const notes = await eraseAnn(pgBackend.config({ url: `postgres://${role}@${PG_HOST}:5432/${dbName}`, vacuum: true }));
      expect(notes).toEqual([
        expect.stringMatching(/^VACUUM FULL did not run on accounts, newsletter, session_events, sessions \(.*owner.*\): .*old versions stay/),
      ]);
      expect(await pgBackend.count(`SELECT count(*) AS n FROM accounts WHERE id = 1`)).toBe(0);
    } finally {
      await pgBackend.exec(`DROP OWNED BY ${role}; DROP ROLE ${role};`);
    }
  });
});

describe('postgresql connection failures', () => {
  const base = { name: 'pgdb', kind: 'sql', tables: [{ table: 'accounts', key: 'id', match: { email: ['email'] } }] };

  test('connection refused: a SourceError (source failed, exit 3)', async () => {
    const cfg = sqlFactory.schema.parse({ ...base, url: `postgres://postgres@127.0.0.1:1/${dbName}` });
    const err = await collect(sqlFactory.create(cfg, env), ANN).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SourceError);
    expect((err as SourceError).exitCode).toBe(3);
    expect((err as Error).message).toMatch(/connection refused/);
  });

  testPg('bad credentials: an AuthError (exit 4), and the password is never in the message', async () => {
    process.env['PRIVACYCTL_TEST_PW'] = 'hunter2-secret';
    const cfg = sqlFactory.schema.parse({ ...base, url: `postgres://no_such_role_${process.pid}@127.0.0.1:5432/${dbName}`, passwordEnv: 'PRIVACYCTL_TEST_PW' });
    const err = await collect(sqlFactory.create(cfg, env), ANN).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthError);
    expect((err as AuthError).exitCode).toBe(4);
    expect(`${(err as Error).message} ${(err as AuthError).hint}`).not.toContain('hunter2');
  });

  testPg('permission denied on a table: an AuthError', async () => {
    const role = `privacyctl_ro_${process.pid}`;
    await pgBackend.reset();
    await pgBackend.exec(
      `DROP ROLE IF EXISTS ${role}; CREATE ROLE ${role} LOGIN; GRANT CONNECT ON DATABASE "${dbName}" TO ${role}; GRANT USAGE ON SCHEMA public TO ${role};`,
    );
    try {
      const cfg = sqlFactory.schema.parse({ ...base, url: `postgres://${role}@127.0.0.1:5432/${dbName}` });
      await expect(collect(sqlFactory.create(cfg, env), ANN)).rejects.toBeInstanceOf(AuthError);
    } finally {
      await pgBackend.exec(`DROP OWNED BY ${role}; DROP ROLE ${role};`);
    }
  });

  test('the password comes from a file or the environment, never from the URL', () => {
    expect(sqlFactory.schema.safeParse({ ...base, url: 'postgres://app:secret@db/site' }).success).toBe(false);
    expect(sqlFactory.schema.safeParse({ ...base, url: 'postgres://app@db/site', passwordEnv: 'PGPASSWORD' }).success).toBe(true);
    writeFileSync(join(tmp, 'pw'), 'x\n');
    expect(sqlFactory.schema.safeParse({ ...base, url: 'postgres://app@db/site', passwordFile: 'pw' }).success).toBe(true);
  });
});

describe('composite keys and nullified children (SQLite)', () => {
  test('a composite key, a via child nulled under a retained parent; the re-run finds it retained, not erasable', async () => {
    const file = join(tmp, 'composite.db');
    rmSync(file, { force: true });
    const db = new Database(file);
    db.exec(`CREATE TABLE members (id INTEGER PRIMARY KEY, email TEXT);
      CREATE TABLE list_members (member_id INTEGER, list TEXT, display TEXT, joined TEXT, PRIMARY KEY (member_id, list));
      INSERT INTO members VALUES (1, 'ANN@example.org'), (2, 'joann@example.org');
      INSERT INTO list_members VALUES (1, 'announce', 'Ann E.', '2024'), (1, 'dev,ops/x', 'Ann', '2023'), (2, 'announce', 'Jo', '2024');`);
    db.close();
    const cfg = sqlFactory.schema.parse({
      name: 'lists',
      kind: 'sql',
      sqlite: file,
      tables: [
        { table: 'members', key: 'id', match: { email: ['email'] }, erase: { retain: { reason: 'membership register', ground: 'Art. 17(3)(b)' } } },
        { table: 'list_members', key: ['member_id', 'list'], via: { column: 'member_id', references: 'members.id' }, erase: { nullify: ['display'] } },
      ],
    });
    const adapter = sqlFactory.create(cfg, env);
    const { records } = await collect(adapter, ANN);
    expect(records.map((r) => `${r.locator} ${r.disposition}`).sort()).toEqual([
      'list_members/1,announce erase',
      'list_members/1,dev%2Cops%2Fx erase',
      'members/1 retain',
    ]);
    const results = await eraseAll(adapter, records, ANN);
    expect(results.map((r) => r.status)).toEqual(['done', 'done']);
    const check = new Database(file, { readonly: true });
    expect(check.prepare('SELECT member_id, list, display FROM list_members ORDER BY member_id, list').all()).toEqual([
      { member_id: 1, list: 'announce', display: null },
      { member_id: 1, list: 'dev,ops/x', display: null },
      { member_id: 2, list: 'announce', display: 'Jo' },
    ]);
    check.close();
    const after = await collect(adapter, ANN);
    expect(after.records.map((r) => r.disposition)).toEqual(['retain', 'retain', 'retain']);
    expect((await eraseAll(adapter, records, ANN)).map((r) => r.status)).toEqual(['gone', 'gone']);
  });
});

describe('links from weak identities', () => {
  test('a row found only by an IP address reveals candidates, never strong links', async () => {
    await sqliteBackend.reset();
    const cfg = sqliteBackend.config({
      tables: [
        { table: 'accounts', key: ['id'], match: { email: ['email'], ip: ['last_login_ip'] }, reveals: { 'ga-client-id': ['ga_client_id'] }, erase: 'delete' },
      ] as SqlSourceConfig['tables'],
    });
    const { records, links } = await collect(sqlFactory.create(cfg, env), subject(['ip', '203.0.113.7']));
    expect(records.map((r) => r.locator)).toEqual(['accounts/1']);
    expect(links.map((l) => `${l.to.type}:${l.strength}`).sort()).toEqual(['email:candidate', 'ga-client-id:candidate']);
    // found by the address as well: strong again
    const both = await collect(sqlFactory.create(cfg, env), subject(['ip', '203.0.113.7'], ['email', 'ann@example.org']));
    expect(both.links.map((l) => `${l.to.type}:${l.strength}`)).toEqual(['ga-client-id:strong']);
  });
});

describe('sql config', () => {
  const t = (extra: object) => ({ name: 's', kind: 'sql', sqlite: 'x.db', tables: [{ table: 'a', key: 'id', match: { email: ['email'] }, ...extra }] });
  test('nullify must cover the match and reveals columns; via must name a configured table; no cycles', () => {
    expect(sqlFactory.schema.safeParse(t({ erase: { nullify: ['phone'] } })).success).toBe(false);
    expect(sqlFactory.schema.safeParse(t({ erase: { nullify: ['email'] } })).success).toBe(true);
    expect(sqlFactory.schema.safeParse(t({ via: { column: 'p', references: 'nope.id' } })).success).toBe(false);
    const cyc = {
      name: 's',
      kind: 'sql',
      sqlite: 'x.db',
      tables: [
        { table: 'a', key: 'id', via: { column: 'b_id', references: 'b.id' } },
        { table: 'b', key: 'id', via: { column: 'a_id', references: 'a.id' } },
      ],
    };
    expect(sqlFactory.schema.safeParse(cyc).success).toBe(false);
    expect(sqlFactory.schema.safeParse({ name: 's', kind: 'sql', tables: t({}).tables }).success).toBe(false);
  });

  test('a seeded SQLite database is created under the state directory on first use', async () => {
    writeFileSync(join(tmp, 'seed.sql'), `CREATE TABLE a (id INTEGER PRIMARY KEY, email TEXT); INSERT INTO a VALUES (1, 'ANN@example.org');`);
    const cfg = sqlFactory.schema.parse({
      name: 'seeded',
      kind: 'sql',
      sqlite: { seed: 'seed.sql' },
      tables: [{ table: 'a', key: 'id', match: { email: ['email'] } }],
    });
    const { records } = await collect(sqlFactory.create(cfg, env), ANN);
    expect(records.map((r) => r.locator)).toEqual(['a/1']);
    const file = join(env.stateDir, 'sql', 'seeded.db');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    // one an earlier version created 0644, with a journal beside it: made 0600 when opened
    chmodSync(file, 0o644);
    writeFileSync(`${file}-journal`, '', { mode: 0o644 });
    const again = await collect(sqlFactory.create(cfg, env), ANN);
    expect(again.records).toHaveLength(1);
    expect([statSync(file).mode & 0o777, statSync(`${file}-journal`).mode & 0o777]).toEqual([0o600, 0o600]);
  });
});
