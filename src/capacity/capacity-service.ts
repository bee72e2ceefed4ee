/**
 * Capacity forecasts and plans on the server: the service's route from its Rollout
 * (HOOKS.deployments), the router's buckets for it summed per hour (HOOKS.metrics), the stored
 * TrafficEvents, then the pure forecast (backtest.ts) and plan (capacity-plan.ts).
 */
import type { ServerContext } from '../core/capability';
import { InputError, NotFoundError } from '../core/errors';
import { HOOKS, type RolloutSummary } from '../core/hooks';
import { SHIPGATE_API_VERSION } from '../core/kinds';
import { MIN_HISTORY_H, seasonalForecast } from './backtest';
import { planCapacity, type Plan } from './capacity-plan';
import { appliesTo, eventFactors, TRAFFIC_EVENT_KIND, trafficEventSpec, type TrafficEventSpec } from './traffic-event';

export const HOUR_MS = 3_600_000;

export interface ForecastQuery {
  service: string;
  environment: string;
  horizonMs: number;
  historyMs: number;
}

export interface ForecastPoint {
  atMs: number;
  rps: number;
  lowerRps: number;
  upperRps: number;
  /** The TrafficEvents' factor applied to this hour (1 = none). */
  eventFactor: number;
}

export interface ForecastView {
  service: string;
  environment: string;
  route: string;
  rollout: string;
  historyFromMs: number;
  historyHours: number;
  model: string;
  params: { alpha: number; beta: number; gammaDay: number; gammaWeek: number };
  /** The chosen model's MAPE on the held-out last week (0.05 = 5%); null when that week had no traffic. */
  backtestMape: number | null;
  candidates: { name: string; mape: number | null }[];
  interval: { level: number; method: string };
  events: { name: string; multiplier: number; hours: number }[];
  peak: { atMs: number; rps: number; lowerRps: number; upperRps: number };
  points: ForecastPoint[];
}

export interface PlanView extends Plan {
  service: string;
  environment: string;
  version: string;
  rollout: string;
  peakAtMs: number;
  forecastModel: string;
  backtestMape: number | null;
}

const finite = (x: number) => (Number.isFinite(x) ? x : null);

export class CapacityService {
  constructor(private readonly ctx: ServerContext) {}

  private async rollout(service: string, environment: string): Promise<RolloutSummary> {
    const deployments = this.ctx.services.get(HOOKS.deployments);
    if (!deployments) throw new NotFoundError('no rollout capability: the route of a service is unknown');
    const r = (await deployments.rollouts(environment)).find((x) => x.service === service);
    if (!r) throw new NotFoundError(`no Rollout of ${service} in ${environment}: its route (and replicas) are unknown`);
    return r;
  }

  async forecast(q: ForecastQuery): Promise<ForecastView> {
    const rollout = await this.rollout(q.service, q.environment);
    const metrics = this.ctx.services.get(HOOKS.metrics);
    if (!metrics) throw new NotFoundError('no metrics capability: no request series');
    const hours = Math.floor(q.historyMs / HOUR_MS);
    if (hours < MIN_HISTORY_H)
      throw new InputError(`history must be at least 21d (3 weeks of hours), got ${hours}h`, [{ path: 'history', message: 'at least 21d' }]);
    const horizon = Math.ceil(q.horizonMs / HOUR_MS);
    const toMs = Math.floor(this.ctx.clock.now() / HOUR_MS) * HOUR_MS;
    const fromMs = toMs - hours * HOUR_MS;
    const y = new Array<number>(hours).fill(0);
    for (const b of await metrics.routerSeries({ route: rollout.route, fromMs, toMs })) {
      const i = Math.floor((b.startMs - fromMs) / HOUR_MS);
      if (i >= 0 && i < hours) y[i] += b.requests;
    }
    const first = y.findIndex((v) => v > 0);
    if (first < 0 || hours - first < MIN_HISTORY_H)
      throw new InputError(
        `route ${rollout.route} has ${first < 0 ? 'no' : `${hours - first}h of`} traffic in the last ${hours}h; a forecast needs ${MIN_HISTORY_H}h`,
        [{ path: 'history', message: 'not enough traffic history' }],
      );
    const events = (await this.ctx.resources.list<TrafficEventSpec>(SHIPGATE_API_VERSION, TRAFFIC_EVENT_KIND))
      .map((r) => ({ name: r.manifest.metadata.name, spec: trafficEventSpec.safeParse(r.manifest.spec) }))
      .filter((e) => e.spec.success && appliesTo(e.spec.data, q.service))
      .map((e) => ({ name: e.name, spec: e.spec.data! }));
    const specs = events.map((e) => e.spec);
    const histStarts = y.map((_, i) => fromMs + i * HOUR_MS);
    const pastFactors = eventFactors(specs, histStarts, HOUR_MS);
    const trimmed = y.slice(first).map((v, i) => v / pastFactors[first + i]);
    const fc = seasonalForecast(trimmed, horizon);
    const starts = Array.from({ length: horizon }, (_, i) => toMs + i * HOUR_MS);
    const factors = eventFactors(specs, starts, HOUR_MS);
    const points = starts.map((atMs, i) => ({
      atMs,
      rps: (fc.mean[i] * factors[i]) / 3600,
      lowerRps: (fc.lower[i] * factors[i]) / 3600,
      upperRps: (fc.upper[i] * factors[i]) / 3600,
      eventFactor: factors[i],
    }));
    const peak = points.reduce((a, b) => (b.rps > a.rps ? b : a));
    return {
      service: q.service,
      environment: q.environment,
      route: rollout.route,
      rollout: rollout.name,
      historyFromMs: fromMs + first * HOUR_MS,
      historyHours: trimmed.length,
      model: fc.name,
      params: fc.model.params,
      backtestMape: finite(fc.backtestMape),
      candidates: fc.candidates.map((c) => ({ name: c.name, mape: finite(c.mape) })),
      interval: { level: fc.level, method: fc.intervalMethod },
      events: events
        .map((e) => ({ name: e.name, multiplier: e.spec.multiplier, hours: eventFactors([e.spec], starts, HOUR_MS).filter((f) => f !== 1).length }))
        .filter((e) => e.hours > 0),
      peak: { atMs: peak.atMs, rps: peak.rps, lowerRps: peak.lowerRps, upperRps: peak.upperRps },
      points,
    };
  }

  async plan(q: ForecastQuery & { version: string; headroom: number; perInstanceRps: number }): Promise<PlanView> {
    const f = await this.forecast(q);
    const rollout = await this.rollout(q.service, q.environment);
    let plan: Plan;
    try {
      plan = planCapacity({ peakRps: f.peak.rps, headroom: q.headroom, perInstanceRps: q.perInstanceRps, replicas: rollout.replicas });
    } catch (e) {
      throw new InputError((e as Error).message, [{ path: 'perInstance', message: (e as Error).message }]);
    }
    return {
      ...plan,
      message: `${q.service} ${q.version} in ${q.environment}: ${plan.message} (Rollout ${rollout.name}, peak at ${new Date(f.peak.atMs).toISOString()})`,
      service: q.service,
      environment: q.environment,
      version: q.version,
      rollout: rollout.name,
      peakAtMs: f.peak.atMs,
      forecastModel: f.model,
      backtestMape: f.backtestMape,
    };
  }
}
