import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** Server-level URL used to create and drop per-run databases. */
export const PG_ADMIN_URL = process.env.SHIPGATE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

let available: Promise<boolean> | undefined;

/** True when PostgreSQL answers at PG_ADMIN_URL (checked once per process). */
export function pgAvailable(): Promise<boolean> {
  available ??= (async () => {
    const c = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 2000 });
    try {
      await c.connect();
      await c.query('select 1');
      return true;
    } catch {
      return false;
    } finally {
      await c.end().catch(() => {});
    }
  })();
  return available;
}

/** Creates a fresh database `shipgate_test_<random>`; `drop()` removes it. Runs never collide. */
export async function createPgDatabase(): Promise<{ url: string; name: string; drop(): Promise<void> }> {
  const name = `shipgate_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    async drop() {
      const c = new pg.Client({ connectionString: PG_ADMIN_URL });
      await c.connect();
      try {
        await c.query(`drop database if exists ${name} with (force)`);
      } finally {
        await c.end();
      }
    },
  };
}

export type StoreKind = 'sqlite' | 'postgres';

/**
 * The stores a test file should run against: SQLite always; PostgreSQL when reachable. In CI
 * (CI=true) or with SHIPGATE_REQUIRE_PG=1 an unreachable PostgreSQL is an error, never a skip.
 */
export async function testStores(): Promise<StoreKind[]> {
  if (await pgAvailable()) return ['sqlite', 'postgres'];
  if (process.env.CI === 'true' || process.env.SHIPGATE_REQUIRE_PG === '1') {
    throw new Error(`PostgreSQL is required (CI) but not reachable at ${PG_ADMIN_URL}`);
  }
  process.stderr.write(`\n*** PostgreSQL not reachable at ${PG_ADMIN_URL}: running the SQLite store only (CI makes PostgreSQL mandatory) ***\n`);
  return ['sqlite'];
}
