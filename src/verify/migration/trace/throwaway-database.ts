/**
 * The throwaway database a trace runs in: `shipgate_verify_<random>` on the server the user named,
 * dropped (WITH FORCE) on every way out: success, error, SIGINT and SIGTERM.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { CliError, EXIT } from '../../../cli/exit-codes';

export interface ThrowawayDatabase {
  name: string;
  /** URL of the throwaway database. */
  url: string;
  /** True when it was created from the named database as a template (its schema is already there). */
  fromTemplate: boolean;
  drop(): Promise<void>;
}

const quoteIdent = (s: string): string => `"${s.replace(/"/g, '""')}"`;

/** The maintenance databases a URL names when it means "the server". */
const SERVER_DATABASES = new Set(['', 'postgres', 'template0', 'template1']);

async function withClient<T>(url: string, f: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  c.on('error', () => {});
  await c.connect();
  try {
    return await f(c);
  } finally {
    await c.end().catch(() => {});
  }
}

/**
 * Creates the database. With `template` true and a URL naming a database, copies it as a template
 * (its tables are then emptied: the trace generates its own rows); otherwise an empty database.
 */
export async function createThrowawayDatabase(serverUrl: string, useTemplate: boolean, log: (text: string) => void): Promise<ThrowawayDatabase> {
  let url: URL;
  try {
    url = new URL(serverUrl);
  } catch {
    throw new CliError(EXIT.USAGE, '--database must be a postgres:// URL');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') throw new CliError(EXIT.USAGE, '--database must be a postgres:// URL');
  const named = decodeURIComponent(url.pathname.replace(/^\//, ''));
  const name = `shipgate_verify_${randomBytes(5).toString('hex')}`;
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const adminUrl = admin.toString();
  let fromTemplate = false;
  try {
    await withClient(adminUrl, async (c) => {
      if (useTemplate && !SERVER_DATABASES.has(named)) {
        try {
          // fails while anyone else is connected to the named database; then the schema comes from --schema and the earlier files
          await c.query(`CREATE DATABASE ${quoteIdent(name)} TEMPLATE ${quoteIdent(named)}`);
          fromTemplate = true;
          return;
        } catch (e) {
          if (!/being accessed by other users|source database/.test((e as Error).message)) throw e;
          log(`trace: cannot copy ${named} as a template (${(e as Error).message}); starting from an empty database: give --schema`);
        }
      }
      await c.query(`CREATE DATABASE ${quoteIdent(name)}`);
    });
  } catch (e) {
    if (e instanceof CliError) throw e;
    const code = (e as { code?: string }).code;
    const unreachable =
      code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'ETIMEDOUT' || code === 'EHOSTUNREACH' || /timeout/i.test((e as Error).message);
    throw new CliError(unreachable ? EXIT.UNREACHABLE : EXIT.USAGE, `--database: cannot create a throwaway database: ${(e as Error).message}`);
  }
  const own = new URL(url);
  own.pathname = `/${name}`;
  let dropped = false;
  const drop = async (): Promise<void> => {
    if (dropped) return;
    dropped = true;
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await withClient(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`));
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    drop()
      .catch((e) => process.stderr.write(`shipgate: could not drop ${name}: ${(e as Error).message}\n`))
      .finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return { name, url: own.toString(), fromTemplate, drop };
}
