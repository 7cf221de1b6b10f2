// The services some tests need (PostgreSQL at 127.0.0.1:5432, Debian's Chromium): on a developer
// machine without one, its tests are skipped with the reason printed; under CI=true (.ci/run
// starts or installs both) a missing service fails the run instead of silently skipping.
import { existsSync } from 'node:fs';
import pg from 'pg';

export const PG_HOST = process.env['PGHOST_TEST'] ?? '127.0.0.1';
export const PG_PORT = 5432;
export const CHROMIUM = '/usr/bin/chromium';

// Set by CI systems (and .ci/run's environment); "false" or "0" mean a developer turned it off.
const inCI = () => !['', '0', 'false'].includes((process.env['CI'] ?? '').toLowerCase());

/** Whether the service is there; if not, throws under CI and otherwise prints why tests skip. */
function decide(what: string, missing: string | null, fix: string): boolean {
  if (missing === null) return true;
  if (inCI()) throw new Error(`${what} is needed under CI and is missing: ${missing} (${fix})`);

  console.warn(`${what} tests skipped: ${missing} (${fix})`);
  return false;
}

let pgProbe: Promise<string | null> | undefined;

/** Can the postgres superuser connect at PG_HOST:5432? Asked once per test file. */
export async function havePostgres(what: string): Promise<boolean> {
  pgProbe ??= (async () => {
    const c = new pg.Client({ host: PG_HOST, port: PG_PORT, user: 'postgres', database: 'postgres', connectionTimeoutMillis: 3000 });
    try {
      await c.connect();
      await c.query('SELECT 1');
      return null;
    } catch (err) {
      return `PostgreSQL at ${PG_HOST}:${PG_PORT} (user postgres) is not reachable: ${err instanceof Error ? err.message : String(err)}`;
    } finally {
      await c.end().catch(() => undefined);
    }
  })();
  return decide(what, await pgProbe, 'start it, e.g. pg_ctlcluster <version> main start');
}

export function haveChromium(what: string): boolean {
  return decide(what, existsSync(CHROMIUM) ? null : `${CHROMIUM} is not installed`, 'apt-get install chromium');
}
