/**
 * Running a BackupCheck: refusals first (unknown check or Database, egress, a file outside the
 * backup folder, a run already going), then the run in the background: drop stale throwaways,
 * take the dump (pg_dump -Fc in an exported snapshot, the source's tables read in that same
 * snapshot) or find the file, create `shipgate_restore_*`, pg_restore into it (its wall time is
 * the restore time), compare every table, amcheck, and always drop the throwaway. The start and
 * the result are each recorded with their audit event in one transaction; all database and
 * process I/O happens outside those transactions.
 */
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type pg from 'pg';
import { z } from 'zod';
import type { ServerContext } from '../core/capability';
import { ConflictError, InputError, NotFoundError } from '../core/errors';
import { newId } from '../core/ids';
import { SHIPGATE_API_VERSION } from '../core/kinds';
import { egressPolicyOf } from '../egress/egress-policy';
import type { Principal } from '../auth/roles';
import { transaction } from '../store/db';
import { BACKUP_CHECK_KIND, backupCheckSpec, qualifiedTable, type BackupCheckSpec } from './backup-check-kind';
import { resolveBackupFile } from './backup-paths';
import type { BackupRun, BackupStore, RunStep } from './backup-store';
import { compareTables, judge, type AmcheckStatus, type TableFinding, type TableStat } from './compare';
import {
  amcheck,
  checkedTarget,
  connect,
  createThrowaway,
  dropStale,
  dropThrowaway,
  egressUrlOf,
  parseTarget,
  runTool,
  tableStats,
  toolEnv,
  toolProblem,
  type PgTarget,
} from './pg-tools';

/** Server options under `options.dr`. */
export interface DrOptions {
  /** The only folder `source.file` may name files in (default DATA/backups). */
  backupDir?: string;
  /** Longest a pg_dump may run, ms (default 6 h). */
  dumpTimeoutMs?: number;
}

/** Only what a check needs of a Database (capacity's kind): capabilities do not import one another. */
const databaseFields = z.object({
  environments: z.record(z.string(), z.object({ url: z.string(), tls: z.boolean().optional() })),
});

const MIN_RESTORE_CAP_MS = 60_000;

export class BackupChecks {
  private readonly running = new Map<string, { abort: AbortController; done: Promise<void> }>();
  readonly backupDir: string;
  private readonly dumpTimeoutMs: number;

  constructor(
    private readonly ctx: ServerContext,
    readonly store: BackupStore,
  ) {
    const o = (ctx.config.options.dr ?? {}) as DrOptions;
    this.backupDir = o.backupDir ?? join(ctx.config.dataDir, 'backups');
    this.dumpTimeoutMs = o.dumpTimeoutMs ?? 6 * 3_600_000;
  }

  /** Refuses or starts a run; the run goes on after this returns (follow it with `get`). */
  async start(name: string, principal: Principal): Promise<BackupRun> {
    const stored = await this.ctx.resources.get(SHIPGATE_API_VERSION, BACKUP_CHECK_KIND, name);
    if (!stored) throw new NotFoundError(`no BackupCheck named ${name}`);
    const parsed = backupCheckSpec.safeParse(stored.manifest.spec);
    if (!parsed.success) throw new ConflictError(`BackupCheck ${name} no longer validates: ${parsed.error.issues[0]?.message}; apply it again`);
    const spec = parsed.data;
    const dbs = await this.ctx.resources.list(SHIPGATE_API_VERSION, 'Database');
    const db = dbs.find((d) => d.manifest.metadata.name === spec.database);
    if (!db) throw new NotFoundError(`BackupCheck ${name}: no Database named ${spec.database} (spec.database)`);
    const fields = databaseFields.safeParse(db.manifest.spec);
    const env = fields.success ? fields.data.environments[spec.environment] : undefined;
    if (!env) throw new NotFoundError(`BackupCheck ${name}: Database ${spec.database} has no environment ${spec.environment} (spec.environment)`);
    const parts = parseTarget(env.url);
    if (!parts) throw new ConflictError(`Database ${spec.database}: the ${spec.environment} URL is not a postgres:// URL`);
    egressPolicyOf(this.ctx.config).refuseUrl(
      'database',
      egressUrlOf(parts.host, parts.port),
      `Database ${spec.database} spec.environments.${spec.environment}.url`,
    );

    let file: { path: string; mtimeMs: number; bytes: number } | undefined;
    let fileError: string | undefined;
    if ('file' in spec.source) {
      const f = resolveBackupFile(this.backupDir, spec.source.file);
      if ('error' in f) {
        // A missing backup is what the drill is for: a failed run. A path that escapes is bad input.
        if (/^no file |does not exist$/.test(f.error)) fileError = f.error;
        else throw new InputError(`spec.source.file: ${f.error}`, [{ path: 'spec.source.file', message: f.error }]);
      } else file = f;
    }
    for (const tool of ['pg_restore', ...('dump' in spec.source ? ['pg_dump'] : [])]) {
      const problem = toolProblem(tool);
      if (problem) throw new ConflictError(problem);
    }
    if (this.running.has(name)) throw new ConflictError(`BackupCheck ${name} is already running`);

    const now = this.ctx.clock.now();
    const run: BackupRun = {
      id: newId('bkp', now),
      check: name,
      database: spec.database,
      environment: spec.environment,
      source: 'file' in spec.source ? `file:${spec.source.file}` : 'pg_dump',
      actor: principal.user,
      status: 'running',
      startedMs: now,
      endedMs: null,
      rtoMs: spec.rto,
      rpoMs: spec.rpo,
      restoreMs: null,
      backupAgeMs: null,
      backupBytes: null,
      amcheck: null,
      steps: [],
      tables: [],
      reasons: [],
      summary: 'running',
    };
    const abort = new AbortController();
    // Claimed before the first await below, so two requests at once cannot both start.
    let release!: () => void;
    this.running.set(name, { abort, done: new Promise<void>((r) => (release = r)) });
    try {
      await transaction(this.ctx.db, async (trx) => {
        await this.store.insert(trx, run);
        await this.ctx.audit.append(trx, {
          actor: principal.user,
          action: 'backup.check.start',
          kind: BACKUP_CHECK_KIND,
          name,
          details: { run: run.id, database: spec.database, environment: spec.environment, source: run.source },
        });
      });
    } catch (e) {
      this.running.delete(name);
      release();
      throw e;
    }
    void this.execute(run, spec, parts, env.tls ?? false, file, fileError, abort.signal)
      .catch((e) => this.ctx.log.error({ err: e, run: run.id }, 'backup check failed to record'))
      .finally(() => {
        this.running.delete(name);
        release();
      });
    return { ...run, steps: [...run.steps] };
  }

  /** Stops runs in flight (their throwaways are dropped, the runs recorded as failed) and waits for them. */
  async stop(): Promise<void> {
    const all = [...this.running.values()];
    for (const r of all) r.abort.abort();
    await Promise.all(all.map((r) => r.done));
  }

  private async execute(
    run: BackupRun,
    spec: BackupCheckSpec,
    parts: NonNullable<ReturnType<typeof parseTarget>>,
    tls: boolean,
    file: { path: string; mtimeMs: number; bytes: number } | undefined,
    fileError: string | undefined,
    signal: AbortSignal,
  ): Promise<void> {
    const clock = this.ctx.clock;
    const steps = run.steps;
    const step = async <T>(name: string, fn: () => Promise<{ value: T; message: string; ok?: boolean }>): Promise<T> => {
      const s: RunStep = { step: name, startedMs: clock.now(), endedMs: null, ok: null, message: '' };
      steps.push(s);
      await this.store.updateSteps(run.id, steps).catch(() => {});
      try {
        const r = await fn();
        Object.assign(s, { endedMs: clock.now(), ok: r.ok ?? true, message: r.message });
        return r.value;
      } catch (e) {
        Object.assign(s, { endedMs: clock.now(), ok: false, message: (e as Error).message });
        throw e;
      } finally {
        await this.store.updateSteps(run.id, steps).catch(() => {});
      }
    };

    let error: string | undefined = fileError;
    let tables: TableFinding[] = [];
    let amcheckResult: { status: AmcheckStatus; errors: string[] } = { status: 'skipped', errors: [] };
    let target: PgTarget | undefined;
    let admin: pg.Client | undefined;
    let throwaway: string | undefined;
    const tmpDir = join(this.ctx.config.dataDir, 'dr-tmp');
    const dumpPath = join(tmpDir, `${run.id}.dump`);
    try {
      if (error) throw new Error(error);
      target = await checkedTarget(egressPolicyOf(this.ctx.config), parts, tls);
      const t = target;
      admin = await connect(t);
      const a = admin;
      await step('cleanup', async () => {
        const dropped = await dropStale(a, clock.now());
        return {
          value: undefined,
          message: dropped.length ? `dropped ${dropped.length} leftover(s): ${dropped.join(', ')}` : 'no leftover throwaway database',
        };
      });

      let source: TableStat[] | undefined;
      let archive: string;
      if (file) {
        archive = file.path;
        run.backupAgeMs = Math.max(0, run.startedMs - file.mtimeMs);
        run.backupBytes = file.bytes;
      } else {
        mkdirSync(tmpDir, { recursive: true, mode: 0o700 });
        archive = dumpPath;
        source = await step('dump', async () => {
          // The dump and the source's counts come from one exported snapshot: writes during the
          // drill change neither, so a difference is the backup's, not the traffic's.
          const src = await connect(t);
          try {
            await src.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
            const snap = await src.query<{ s: string }>('SELECT pg_export_snapshot() AS s');
            const snapMs = clock.now();
            const r = await runTool('pg_dump', ['-Fc', `--snapshot=${snap.rows[0]!.s}`, '-f', archive], toolEnv(t, t.database), {
              signal,
              timeoutMs: this.dumpTimeoutMs,
            });
            if (r.code !== 0) throw new Error(`pg_dump failed (exit ${r.code}): ${lastLines(r.stderr)}`);
            const stats = await tableStats(src, signal);
            await src.query('COMMIT');
            run.backupAgeMs = Math.max(0, run.startedMs - snapMs);
            const { size } = statSync(archive);
            run.backupBytes = size;
            return { value: stats, message: `pg_dump -Fc: ${size} bytes in ${(r.ms / 1000).toFixed(1)} s, ${stats.length} table(s) read in its snapshot` };
          } finally {
            await src.end().catch(() => {});
          }
        });
      }

      throwaway = await step('create', async () => {
        const n = await createThrowaway(a, t, clock.now());
        return { value: n, message: `created ${n} on ${t.host}:${t.port}` };
      });
      const into = throwaway;
      await step('restore', async () => {
        const cap = Math.max(2 * spec.rto, spec.rto + MIN_RESTORE_CAP_MS);
        const r = await runTool('pg_restore', ['--no-owner', '--no-privileges', '--exit-on-error', '-d', into, archive], toolEnv(t, into), {
          signal,
          timeoutMs: cap,
        });
        if (r.code !== 0) throw new Error(`pg_restore failed (exit ${r.code}): ${lastLines(r.stderr)}`);
        run.restoreMs = r.ms;
        return { value: undefined, message: `pg_restore in ${(r.ms / 1000).toFixed(2)} s` };
      });
      tables = await step('compare', async () => {
        const restoredClient = await connect(t, into);
        try {
          const [src, dst] = await Promise.all([source ?? liveStats(t, signal), tableStats(restoredClient, signal)]);
          const findings = compareTables(src, dst, spec.criticalTables.map(qualifiedTable));
          const bad = findings.filter((f) => f.status !== 'ok').length;
          return {
            value: findings,
            ok: bad === 0,
            message: `${findings.length} table(s), ${dst.reduce((n, x) => n + x.rows, 0)} row(s) restored; ${bad ? `${bad} differ` : 'all equal'}`,
          };
        } finally {
          await restoredClient.end().catch(() => {});
        }
      });
      amcheckResult = await step('amcheck', async () => {
        const c = await connect(t, into);
        try {
          const r = await amcheck(c, signal);
          return { value: r, ok: r.status !== 'errors', message: r.message };
        } finally {
          await c.end().catch(() => {});
        }
      });
    } catch (e) {
      error = signal.aborted ? 'stopped: the server shut down during the check' : (e as Error).message;
    } finally {
      if (throwaway && admin) {
        const n = throwaway;
        const a = admin;
        await step('drop', async () => {
          await dropThrowaway(a, n);
          return { value: undefined, message: `dropped ${n}` };
        }).catch((e) => {
          error ??= `could not drop ${n}: ${(e as Error).message} (the next check drops it after an hour)`;
        });
      }
      await admin?.end().catch(() => {});
      rmSync(dumpPath, { force: true });
    }

    const v = judge({ rtoMs: spec.rto, rpoMs: spec.rpo, restoreMs: run.restoreMs, backupAgeMs: run.backupAgeMs, error, tables, amcheck: amcheckResult });
    const done: BackupRun = {
      ...run,
      status: v.verdict,
      endedMs: clock.now(),
      amcheck: amcheckResult.status,
      tables,
      reasons: v.reasons,
      summary: v.summary,
    };
    await transaction(this.ctx.db, async (trx) => {
      await this.store.complete(trx, done);
      await this.ctx.audit.append(trx, {
        actor: run.actor,
        action: 'backup.check',
        kind: BACKUP_CHECK_KIND,
        name: run.check,
        after: {
          run: run.id,
          verdict: v.verdict,
          restoreMs: done.restoreMs,
          backupAgeMs: done.backupAgeMs,
          rtoMs: done.rtoMs,
          rpoMs: done.rpoMs,
          amcheck: done.amcheck,
          tables: tables.length,
        },
        details: { reasons: v.reasons.slice(0, 10) },
      });
    });
  }
}

/** The source as it is now, in one snapshot (a file's dump was taken earlier: rows written since show as differences). */
async function liveStats(t: PgTarget, signal: AbortSignal): Promise<TableStat[]> {
  const c = await connect(t);
  try {
    await c.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const s = await tableStats(c, signal);
    await c.query('COMMIT');
    return s;
  } finally {
    await c.end().catch(() => {});
  }
}

const lastLines = (s: string) =>
  s
    .split('\n')
    .filter((l) => l.trim())
    .slice(-3)
    .join(' / ') || 'no message';
