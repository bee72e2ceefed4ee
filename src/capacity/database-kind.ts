/**
 * The Database kind: a PostgreSQL database services hold connection pools to, with its address
 * in each environment. The URL is a secret (it may carry a password): non-admin reads show a
 * digest. The server connects to it only to read its limits (purpose `database` of the egress
 * policy, checked at apply and at every connection).
 */
import { z } from 'zod';
import type { Issue } from '../core/errors';
import { SHIPGATE_API_VERSION, resourceName, type KindDefinition } from '../core/kinds';
import { egressUrlOf, parsePgUrl } from '../core/pg-url';

export const DATABASE_KIND = 'Database';

const pgUrl = z
  .string()
  .max(2000)
  .refine((u) => parsePgUrl(u) !== undefined, { message: 'expected postgres://[user[:password]@]host[:port]/database' });

export const databaseSpec = z.strictObject({
  engine: z.literal('postgresql').default('postgresql'),
  environments: z
    .record(
      resourceName,
      z.strictObject({
        url: pgUrl,
        /** Connections kept free beyond PostgreSQL's own reservations (migrations, a person with psql). */
        reserve: z.number().int().min(0).max(100_000).default(0),
        /** TLS with the server's certificate verified against the URL's host name. */
        tls: z.boolean().default(false),
      }),
    )
    .refine((e) => Object.keys(e).length > 0, { message: 'name at least one environment' }),
});
export type DatabaseSpec = z.output<typeof databaseSpec>;

export const databaseKind: KindDefinition<DatabaseSpec> = {
  apiVersion: SHIPGATE_API_VERSION,
  kind: DATABASE_KIND,
  names: ['database', 'databases', 'db'],
  spec: databaseSpec,
  description: 'A PostgreSQL database services hold connection pools to (Service spec.databases): its URL per environment',
  secretPaths: ['spec.environments.*.url'],
  // The apply path checks http(s) URLs: the same host and port stand for the database's.
  egressUrls: (m) =>
    Object.entries(m.spec.environments).map(([env, e]) => {
      const p = parsePgUrl(e.url)!;
      return {
        at: ['spec', 'environments', env, 'url'],
        url: `http://${p.host.includes(':') ? `[${p.host}]` : p.host}:${p.port}/`,
        purpose: 'database' as const,
      };
    }),
  columns: [
    { header: 'name', value: (m) => m.metadata.name },
    { header: 'engine', value: (m) => m.spec.engine },
    { header: 'environments', value: (m) => Object.keys(m.spec.environments).join(',') },
  ],
  validate(m) {
    const issues: Issue[] = [];
    for (const [env, e] of Object.entries(m.spec.environments)) {
      if (new URL(e.url).searchParams.size > 0)
        issues.push({ path: `spec.environments.${env}.url`, message: 'no query parameters: the server chooses its own connection settings' });
    }
    return issues;
  },
};
