/**
 * Backup check routes: POST /api/v1/backup-checks/:name/runs (deployer or oncall) starts a run and
 * answers 202 at once; GET /api/v1/backup-runs/:id follows it (steps as they end, then the
 * verdict); GET /api/v1/backup-checks lists every BackupCheck with its latest run (readers).
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { errorResponses } from '../api/route-schemas';
import { READ_ROLES } from '../auth/roles';
import type { ServerContext } from '../core/capability';
import { NotFoundError } from '../core/errors';
import { SHIPGATE_API_VERSION, resourceName } from '../core/kinds';
import { BACKUP_CHECK_KIND, backupCheckSpec } from './backup-check-kind';
import type { BackupChecks } from './backup-check';
import { RUN_STATUSES, type BackupRun } from './backup-store';
import { TABLE_STATUSES } from './compare';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

const stepView = z.object({ step: z.string(), startedAt: z.string(), endedAt: z.string().nullable(), ok: z.boolean().nullable(), message: z.string() });
const tableView = z.object({
  table: z.string(),
  status: z.enum(TABLE_STATUSES),
  critical: z.boolean(),
  sourceRows: z.number().nullable(),
  restoredRows: z.number().nullable(),
  sourceChecksum: z.string().nullable(),
  restoredChecksum: z.string().nullable(),
  message: z.string(),
});
export const runView = z.object({
  id: z.string(),
  check: z.string(),
  database: z.string(),
  environment: z.string(),
  source: z.string().describe('pg_dump, or file:PATH in the server backup folder'),
  actor: z.string(),
  status: z.enum(RUN_STATUSES),
  startedAt: z.string(),
  endedAt: z.string().nullable(),
  rtoMs: z.number(),
  rpoMs: z.number(),
  restoreMs: z.number().nullable().describe('wall time of pg_restore into the throwaway database'),
  backupAgeMs: z.number().nullable().describe('check start minus the dump snapshot (pg_dump) or the file modification time'),
  backupBytes: z.number().nullable(),
  amcheck: z.string().nullable().describe('ok, errors, unavailable (no amcheck extension) or skipped (no restore)'),
  steps: z.array(stepView),
  tables: z.array(tableView),
  reasons: z.array(z.string()).describe('why it failed; empty on a pass'),
  summary: z.string(),
});
export type RunView = z.infer<typeof runView>;

export function viewOf(r: BackupRun): RunView {
  return {
    id: r.id,
    check: r.check,
    database: r.database,
    environment: r.environment,
    source: r.source,
    actor: r.actor,
    status: r.status,
    startedAt: iso(r.startedMs)!,
    endedAt: iso(r.endedMs),
    rtoMs: r.rtoMs,
    rpoMs: r.rpoMs,
    restoreMs: r.restoreMs,
    backupAgeMs: r.backupAgeMs,
    backupBytes: r.backupBytes,
    amcheck: r.amcheck,
    steps: r.steps.map((s) => ({ step: s.step, startedAt: iso(s.startedMs)!, endedAt: iso(s.endedMs), ok: s.ok, message: s.message })),
    tables: r.tables,
    reasons: r.reasons,
    summary: r.summary,
  };
}

const checkView = z.object({
  name: z.string(),
  database: z.string(),
  environment: z.string(),
  source: z.string(),
  rtoMs: z.number().nullable(),
  rpoMs: z.number().nullable(),
  lastRun: z
    .object({
      id: z.string(),
      status: z.enum(RUN_STATUSES),
      startedAt: z.string(),
      restoreMs: z.number().nullable(),
      backupAgeMs: z.number().nullable(),
      summary: z.string(),
    })
    .nullable(),
});
export type CheckView = z.infer<typeof checkView>;

const tags = ['dr'];

export function drRoutes(base: FastifyInstance, ctx: ServerContext, checks: BackupChecks): void {
  const app = base.withTypeProvider<ZodTypeProvider>();
  app.post(
    '/api/v1/backup-checks/:name/runs',
    {
      schema: {
        params: z.strictObject({ name: resourceName }),
        body: z.strictObject({}).optional(),
        tags,
        description:
          "Starts a run of a BackupCheck: a pg_dump (or the named dump file), restored into a throwaway shipgate_restore_* database on the same PostgreSQL server, every table's rows and checksum compared, amcheck on every btree index, the throwaway dropped; judged against the check's rto and rpo. Answers 202 at once; follow GET /api/v1/backup-runs/{id}.",
        response: { 202: runView, ...errorResponses(404, 409) },
      },
      config: { access: { roles: ['deployer', 'oncall'] } },
    },
    async (req, reply) => reply.code(202).send(viewOf(await checks.start(req.params.name, req.principal!))),
  );
  app.get(
    '/api/v1/backup-runs/:id',
    {
      schema: {
        params: z.strictObject({ id: z.string().regex(/^bkp_[0-9a-f]{20}$/, 'expected a run id such as bkp_0193…') }),
        tags,
        description: 'One run of a BackupCheck: its steps with their times, and once ended the verdict, restore time, backup age and every table compared.',
        response: { 200: runView, ...errorResponses(404) },
      },
      config: { access: { roles: READ_ROLES } },
    },
    async (req) => {
      const r = await checks.store.get(req.params.id);
      if (!r) throw new NotFoundError(`no backup run "${req.params.id}"`);
      return viewOf(r);
    },
  );
  app.get(
    '/api/v1/backup-checks',
    {
      schema: {
        tags,
        description: 'Every BackupCheck with its latest run.',
        response: { 200: z.object({ checks: z.array(checkView) }), ...errorResponses() },
      },
      config: { access: { roles: READ_ROLES } },
    },
    async () => {
      const stored = await ctx.resources.list<Record<string, unknown>>(SHIPGATE_API_VERSION, BACKUP_CHECK_KIND);
      const out: CheckView[] = [];
      for (const s of stored) {
        const spec = s.manifest.spec as { database?: string; environment?: string; source?: { file?: string } };
        const parsed = backupCheckSpec.safeParse(s.manifest.spec);
        const [last] = await checks.store.list({ check: s.manifest.metadata.name, limit: 1 });
        out.push({
          name: s.manifest.metadata.name,
          database: String(spec.database ?? ''),
          environment: String(spec.environment ?? ''),
          source: spec.source?.file !== undefined ? `file:${spec.source.file}` : 'pg_dump',
          rtoMs: parsed.success ? parsed.data.rto : null,
          rpoMs: parsed.success ? parsed.data.rpo : null,
          lastRun: last
            ? {
                id: last.id,
                status: last.status,
                startedAt: iso(last.startedMs)!,
                restoreMs: last.restoreMs,
                backupAgeMs: last.backupAgeMs,
                summary: last.summary,
              }
            : null,
        });
      }
      return { checks: out };
    },
  );
}
