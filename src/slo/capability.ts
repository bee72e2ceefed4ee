import type { Capability } from '../core/capability';
import { HOOKS, type BurnSignal, type ReleaseGate } from '../core/hooks';
import { egressPolicyOf } from '../egress/egress-policy';
import { egressFetch } from '../egress/egress-request';
import { MetricSourceRegistry } from '../metrics/metric-source';
import { PrometheusSource } from '../metrics/prometheus-source';
import { AlertLoop } from './alert-loop';
import { errorBudgetPolicyKind } from './error-budget-policy-kind';
import { notifierRegistry } from './notifier';
import { ShipgateMetricSource } from './shipgate-metric-source';
import { sloCommands } from './slo-cli';
import { sloRoutes } from './slo-routes';
import { SloService } from './slo-service';
import { SloStore, sloMigrations } from './slo-store';
import { OPENSLO_KINDS } from './openslo/openslo-kinds';

/** Settings under `options.slo` of the server. */
interface SloOptions {
  /** Alert loop period, ms (default 60,000; 0 disables the loop). */
  intervalMs?: number;
  /** Prometheus URL for SLIs whose metric source names none. */
  prometheusUrl?: string;
}

interface Runtime {
  slos: SloService;
  store: SloStore;
  loop: AlertLoop;
}

const runtimes = new WeakMap<object, Runtime>();

function runtime(ctx: Parameters<NonNullable<Capability['init']>>[0]): Runtime {
  let r = runtimes.get(ctx);
  if (!r) {
    const opts = (ctx.config.options.slo ?? {}) as SloOptions;
    const sources = new MetricSourceRegistry();
    sources.register(new ShipgateMetricSource(() => ctx.services.get(HOOKS.metrics)));
    // Prometheus URLs come from users' DataSources: through the egress policy, no redirects.
    sources.register(
      new PrometheusSource({
        fetchImpl: egressFetch(egressPolicyOf(ctx.config), 'metricSource'),
        ...(opts.prometheusUrl ? { defaultUrl: opts.prometheusUrl } : {}),
      }),
    );
    const slos = new SloService(ctx, sources);
    const store = new SloStore(ctx.db);
    r = {
      slos,
      store,
      loop: new AlertLoop(
        slos,
        store,
        notifierRegistry(() => ctx.baseUrl()),
        () => ctx.services.get(HOOKS.outbox),
        ctx.log,
      ),
    };
    runtimes.set(ctx, r);
  }
  return r;
}

/**
 * SLOs, error budgets, burn-rate alerts and the release gate. OpenSLO's `Service` is
 * `openslo-service` on the command line; `service` stays the catalog's.
 */
export const sloCapability: Capability = {
  name: 'slo',
  kinds: [...OPENSLO_KINDS, errorBudgetPolicyKind],
  migrations: sloMigrations,
  init(ctx) {
    const { slos } = runtime(ctx);
    const gate: ReleaseGate = {
      async evaluate(input) {
        const r = await slos.gate(input);
        return {
          decision: r.decision === 'error' ? 'deny' : r.decision,
          reason: r.reason,
          // `burnRate` per SLO (the last hour's) for readers that look for that name.
          details: { ...r, slos: r.slos.map((x) => ({ ...x, burnRate: x.burn1h })) },
        };
      },
    };
    const burn: BurnSignal = { pageBurning: (input) => slos.pageBurning(input), burnRate: (input) => slos.burnRate(input) };
    ctx.services.provide(HOOKS.releaseGate, gate);
    ctx.services.provide(HOOKS.burnSignal, burn);
  },
  routes(app, ctx) {
    sloRoutes(app, ctx, runtime(ctx));
  },
  start(ctx) {
    const intervalMs = ((ctx.config.options.slo ?? {}) as SloOptions).intervalMs ?? 60_000;
    if (intervalMs <= 0) return;
    const { loop } = runtime(ctx);
    let running = false;
    const timer = setInterval(() => {
      if (running) return;
      running = true;
      loop
        .tick(ctx.clock.now())
        .catch((e) => ctx.log.warn({ err: e }, 'SLO evaluation failed; will retry'))
        .finally(() => (running = false));
    }, intervalMs);
    timer.unref();
    return async () => clearInterval(timer);
  },
  cli(program, cli) {
    sloCommands(program, cli);
  },
};
