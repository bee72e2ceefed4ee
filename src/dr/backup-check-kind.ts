/**
 * The BackupCheck kind: which Database (capacity's kind, read by name) and environment to prove
 * restorable, where its backup comes from (a fresh `pg_dump -Fc`, or a custom-format file already
 * in the server's backup folder), and the recovery objectives it is judged against: the restore
 * must take at most `rto` and the backup be at most `rpo` old.
 */
import { z } from 'zod';
import type { Issue } from '../core/errors';
import { durationMs } from '../core/duration';
import { SHIPGATE_API_VERSION, resourceName, type KindDefinition } from '../core/kinds';
import { backupFileProblem } from './backup-paths';

export const BACKUP_CHECK_KIND = 'BackupCheck';

/** A table as `schema.table`, or a bare name for `public.table`. */
const tableName = z
  .string()
  .min(1)
  .max(130)
  .regex(/^[A-Za-z_][A-Za-z0-9_$]*(\.[A-Za-z_][A-Za-z0-9_$]*)?$/, 'expected a table name such as orders or billing.invoices');

const positiveDuration = durationMs.refine((ms) => ms > 0, { message: 'must be above 0' });

export const backupCheckSpec = z.strictObject({
  database: resourceName.describe('a Database resource'),
  environment: resourceName,
  source: z.union([
    z.strictObject({ dump: z.literal(true) }),
    z.strictObject({
      file: z
        .string()
        .max(1000)
        .superRefine((p, c) => {
          const problem = backupFileProblem(p);
          if (problem) c.addIssue({ code: 'custom', message: problem });
        }),
    }),
  ]),
  rto: positiveDuration,
  rpo: positiveDuration,
  criticalTables: z.array(tableName).max(1000).default([]),
});
export type BackupCheckSpec = z.output<typeof backupCheckSpec>;

/** `orders` → `public.orders`: the form findings name tables by. */
export function qualifiedTable(name: string): string {
  return name.includes('.') ? name : `public.${name}`;
}

export const backupCheckKind: KindDefinition<BackupCheckSpec> = {
  apiVersion: SHIPGATE_API_VERSION,
  kind: BACKUP_CHECK_KIND,
  names: ['backupcheck', 'backupchecks', 'bc'],
  spec: backupCheckSpec,
  // Running one creates and drops a database on the server: the people who release or are on call.
  writeRoles: ['deployer', 'oncall'],
  description: 'A restore drill of a Database in one environment: dump (or a dump file), restore into a throwaway database, compare, judge against rto and rpo',
  columns: [
    { header: 'name', value: (m) => m.metadata.name },
    { header: 'database', value: (m) => m.spec.database },
    { header: 'environment', value: (m) => m.spec.environment },
    { header: 'source', value: (m) => ('file' in m.spec.source ? m.spec.source.file : 'pg_dump') },
  ],
  async validate(m, ctx) {
    const issues: Issue[] = [];
    const db = await ctx.find('Database', m.spec.database);
    if (!db) issues.push({ path: 'spec.database', message: `no Database named ${m.spec.database}` });
    else {
      const envs = (db.spec as { environments?: Record<string, unknown> } | undefined)?.environments ?? {};
      if (!Object.hasOwn(envs, m.spec.environment))
        issues.push({ path: 'spec.environment', message: `Database ${m.spec.database} has no environment ${m.spec.environment}` });
    }
    return issues;
  },
};
