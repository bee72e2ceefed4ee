/**
 * DORA software delivery metrics over a period: deployment frequency, lead time for changes,
 * change fail rate, failed deployment recovery time and deployment rework rate (the five since
 * 2024), each with its performance band, plus the change success rate. Pure.
 *
 * Bands follow the State of DevOps thresholds (2023 report): frequency elite = at least daily
 * (on demand), high = at least weekly, medium = at least monthly; lead time elite < 1 day, high
 * < 1 week, medium < 1 month; change fail rate elite ≤ 5%, high ≤ 10%, medium ≤ 15%; recovery
 * elite < 1 hour, high < 1 day, medium < 1 week. DORA publishes no fixed thresholds for rework
 * rate, so its band is the change fail rate's scale applied to it and marked as such.
 */
import type { ChangeOutcome } from './change-state-machine';
import { median as medianOf } from '../core/stats/quantiles';

export type Band = 'elite' | 'high' | 'medium' | 'low';

/** One deployment: a change request that reached production and completed. */
export interface Deployment {
  id: string;
  service: string;
  /** When the change request was created (the start of the lead time), ms. */
  createdAtMs: number;
  /** When it was deployed (implementation started), ms. */
  deployedAtMs: number;
  /** When implementation ended, ms. */
  completedAtMs: number;
  outcome: ChangeOutcome;
  /** Unplanned: made to fix a user-facing problem in production (emergency changes). */
  unplanned: boolean;
}

export interface Metric {
  value: number | null;
  unit: string;
  band: Band | null;
  /** How the band was decided, when not from a published threshold. */
  note?: string;
}

export interface DoraReport {
  fromMs: number;
  toMs: number;
  deployments: number;
  failures: number;
  deploymentFrequency: Metric;
  leadTimeForChanges: Metric;
  changeFailRate: Metric;
  failedDeploymentRecoveryTime: Metric;
  deploymentReworkRate: Metric;
  changeSuccessRate: Metric;
}

const HOUR = 3600_000;
const DAY = 24 * HOUR;

/** The median (core/stats, type 7), null when there is nothing to take it of. */
export function median(xs: number[]): number | null {
  return xs.length === 0 ? null : medianOf(xs);
}

export function frequencyBand(perDay: number): Band {
  return perDay >= 1 ? 'elite' : perDay >= 1 / 7 ? 'high' : perDay >= 1 / 30 ? 'medium' : 'low';
}
export function leadTimeBand(hours: number): Band {
  return hours < 24 ? 'elite' : hours < 24 * 7 ? 'high' : hours < 24 * 30 ? 'medium' : 'low';
}
export function failRateBand(rate: number): Band {
  return rate <= 0.05 ? 'elite' : rate <= 0.1 ? 'high' : rate <= 0.15 ? 'medium' : 'low';
}
export function recoveryBand(hours: number): Band {
  return hours < 1 ? 'elite' : hours < 24 ? 'high' : hours < 24 * 7 ? 'medium' : 'low';
}

export function isFailure(outcome: ChangeOutcome): boolean {
  return outcome === 'failed' || outcome === 'rolled-back';
}

/**
 * Time to recover from each failed deployment, ms: a rollback recovers when it completes; a
 * failure that was not rolled back recovers with the next successful deployment of the service
 * (unrecovered failures are left out).
 */
export function recoveryTimes(all: Deployment[], failed: Deployment[]): number[] {
  const out: number[] = [];
  for (const f of failed) {
    if (f.outcome === 'rolled-back') {
      out.push(f.completedAtMs - f.deployedAtMs);
      continue;
    }
    const next = all
      .filter((d) => d.service === f.service && d.deployedAtMs > f.deployedAtMs && !isFailure(d.outcome))
      .sort((a, b) => a.completedAtMs - b.completedAtMs)[0];
    if (next) out.push(next.completedAtMs - f.deployedAtMs);
  }
  return out;
}

/** Metrics for deployments in [fromMs, toMs). `all` may hold later deployments, used for recovery. */
export function doraMetrics(all: Deployment[], fromMs: number, toMs: number): DoraReport {
  const ds = all.filter((d) => d.deployedAtMs >= fromMs && d.deployedAtMs < toMs);
  const n = ds.length;
  const failed = ds.filter((d) => isFailure(d.outcome));
  const days = Math.max(1 / 24, (toMs - fromMs) / DAY);
  const perDay = n / days;
  const lead = median(ds.map((d) => (d.deployedAtMs - d.createdAtMs) / HOUR));
  const failRate = n ? failed.length / n : null;
  const rec = median(recoveryTimes(all, failed).map((ms) => ms / HOUR));
  const rework = n ? ds.filter((d) => d.unplanned).length / n : null;
  return {
    fromMs,
    toMs,
    deployments: n,
    failures: failed.length,
    deploymentFrequency: { value: perDay, unit: 'deployments/day', band: n ? frequencyBand(perDay) : 'low' },
    leadTimeForChanges: { value: lead, unit: 'hours (median)', band: lead === null ? null : leadTimeBand(lead) },
    changeFailRate: { value: failRate, unit: 'fraction', band: failRate === null ? null : failRateBand(failRate) },
    failedDeploymentRecoveryTime: { value: rec, unit: 'hours (median)', band: rec === null ? null : recoveryBand(rec) },
    deploymentReworkRate: {
      value: rework,
      unit: 'fraction',
      band: rework === null ? null : failRateBand(rework),
      note: 'no published DORA thresholds; the change fail rate scale is used',
    },
    changeSuccessRate: { value: n ? (n - failed.length) / n : null, unit: 'fraction', band: null },
  };
}

/** One report per service, services sorted by name. */
export function doraByService(all: Deployment[], fromMs: number, toMs: number): { service: string; report: DoraReport }[] {
  const services = [...new Set(all.map((d) => d.service))].sort();
  return services.map((service) => ({
    service,
    report: doraMetrics(
      all.filter((d) => d.service === service),
      fromMs,
      toMs,
    ),
  }));
}
