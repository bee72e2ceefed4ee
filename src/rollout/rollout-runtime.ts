import { join } from 'node:path';
import type { ServerContext } from '../core/capability';
import { HOOKS, type DeployMarkers } from '../core/hooks';
import { ROLLOUT_TRANSITION } from '../core/events';
import { canonicalJson, sha256 } from '../core/ids';
import type { DeployTarget } from '../targets/deploy-target';
import { FileLedger } from '../targets/instance-ledger';
import { createTarget } from '../targets/target-registry';
import { BuiltinTrafficRouter } from '../traffic/builtin-traffic-router';
import type { TrafficRouter } from '../traffic/traffic-router';
import { RolloutEngine } from './rollout-engine';
import { RolloutExecutor } from './rollout-executor';
import { RolloutService } from './rollout-service';
import { RolloutStore } from './rollout-store';
import { RunJournal } from './run-journal';
import type { RolloutSpec } from './rollout-spec';

/** Settings read from `ctx.config.options.rollout` (tests shorten them). */
export interface RolloutOptions {
  tickMs?: number;
  leaseMs?: number;
  /** Stop every process-target instance when the server shuts down gracefully (tests, demo). Default: keep them running. */
  stopInstancesOnShutdown?: boolean;
  /** Folder process-target commands run in, default the server's working folder. */
  baseDir?: string;
  superviseEveryMs?: number;
}

/** Everything the rollout capability runs, built once per server from its context. */
export class RolloutRuntime {
  readonly store: RolloutStore;
  readonly journal: RunJournal;
  readonly traffic: TrafficRouter;
  readonly engine: RolloutEngine;
  readonly executor: RolloutExecutor;
  readonly service: RolloutService;
  readonly options: RolloutOptions;
  private readonly targets = new Map<string, DeployTarget>();

  constructor(private readonly ctx: ServerContext) {
    this.options = { ...optionsFromEnv(process.env), ...((ctx.config.options.rollout ?? {}) as RolloutOptions) };
    this.store = new RolloutStore(ctx.db);
    this.journal = new RunJournal(ctx.db, this.store, ctx.audit, (run, event) => {
      ctx.events.emit(ROLLOUT_TRANSITION, { runId: run.id, service: run.service, environment: run.environment, phase: run.phase, event });
      this.executor?.poke();
    });
    this.traffic = new BuiltinTrafficRouter({
      db: ctx.db,
      resources: ctx.resources,
      events: ctx.events,
      inProcess: () => ctx.services.get(HOOKS.inProcessRouter),
    });
    this.engine = new RolloutEngine({
      store: this.store,
      journal: this.journal,
      clock: ctx.clock,
      traffic: this.traffic,
      target: (run) => this.targetFor(run.service, run.environment, run.spec),
      metrics: () => ctx.services.get(HOOKS.metrics),
      smokeChecks: () => ctx.services.get(HOOKS.smokeChecks),
      externalAlerts: () => ctx.services.get(HOOKS.externalAlerts),
      liveRequests: (route, version) => {
        const r = ctx.services.get(HOOKS.inProcessRouter);
        if (!r || typeof r.stats !== 'function') return undefined;
        return r
          .stats()
          .series.filter((s) => s.route === route && s.version === version && !s.mirror)
          .reduce((n, s) => n + s.requests, 0);
      },
      loadTest: () => ctx.services.get(HOOKS.loadTest),
      memoryFindings: () => ctx.services.get(HOOKS.memoryFindings),
      capacityPeak: () => ctx.services.get(HOOKS.capacityPeak),
      router: (route) => {
        const r = ctx.services.get(HOOKS.inProcessRouter);
        const url = r?.url();
        if (!r || !url) return undefined;
        return { url, route: r.current().spec.routes.find((x) => x.name === route) };
      },
      analysisStep: () => ctx.services.get(HOOKS.analysisStep),
      burnSignal: () => ctx.services.get(HOOKS.burnSignal),
      authorizer: () => ctx.services.get(HOOKS.authorizer),
      log: ctx.log,
    });
    this.executor = new RolloutExecutor(this.store, this.engine, ctx.clock, ctx.log, { tickMs: this.options.tickMs, leaseMs: this.options.leaseMs });
    this.service = new RolloutService(
      this.store,
      this.journal,
      ctx.resources,
      ctx.clock,
      () => ctx.services.get(HOOKS.authorizer),
      () => ctx.services.get(HOOKS.capacityPlan),
      () => ctx.services.get(HOOKS.reservations),
    );
  }

  /** The deploy target of a service and environment (one per target spec, kept for supervision). */
  targetFor(service: string, environment: string, spec: RolloutSpec): DeployTarget {
    const key = `${service}/${environment}/${sha256(canonicalJson(spec.target)).slice(0, 12)}`;
    let t = this.targets.get(key);
    if (!t) {
      t = createTarget(spec.target, {
        ledger: new FileLedger(join(this.ctx.config.dataDir, 'instances', `${service}.${environment}`)),
        logDir: join(this.ctx.config.dataDir, 'logs'),
        baseDir: this.options.baseDir,
        superviseEveryMs: this.options.superviseEveryMs,
      });
      this.targets.set(key, t);
    }
    return t;
  }

  markers(): DeployMarkers {
    return { list: (f) => this.store.markers(f) };
  }

  async stop(): Promise<void> {
    await this.executor.stop();
    for (const t of this.targets.values()) await t.close({ stopInstances: this.options.stopInstancesOnShutdown === true });
  }
}

/**
 * `SHIPGATE_ROLLOUT_TICK_MS`, `SHIPGATE_ROLLOUT_LEASE_MS`, `SHIPGATE_ROLLOUT_STOP_INSTANCES=1`:
 * the same settings for a server started from the command line.
 */
export function optionsFromEnv(env: Record<string, string | undefined>): RolloutOptions {
  const num = (v: string | undefined) => (v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined);
  const o: RolloutOptions = {};
  if (num(env.SHIPGATE_ROLLOUT_TICK_MS)) o.tickMs = num(env.SHIPGATE_ROLLOUT_TICK_MS);
  if (num(env.SHIPGATE_ROLLOUT_LEASE_MS)) o.leaseMs = num(env.SHIPGATE_ROLLOUT_LEASE_MS);
  if (env.SHIPGATE_ROLLOUT_STOP_INSTANCES === '1') o.stopInstancesOnShutdown = true;
  return o;
}
