/**
 * Instances a revision needs at the forecast peak: ⌈peak × (1 + headroom) ÷ capacity per
 * instance⌉, against the replicas the environment runs. Pure.
 */

export interface PlanInput {
  /** Forecast peak, requests/s. */
  peakRps: number;
  /** Spare capacity wanted over the peak, a fraction (0.3 = 30%). */
  headroom: number;
  /** What one instance of the revision serves at the SLO latency, requests/s. */
  perInstanceRps: number;
  /** Instances the environment runs now. */
  replicas: number;
}

export interface Plan extends PlanInput {
  requiredRps: number;
  needed: number;
  fits: boolean;
  /** The arithmetic, for people. */
  message: string;
}

const r = (x: number) => x.toFixed(2);

export function planCapacity(p: PlanInput): Plan {
  if (!(p.perInstanceRps > 0)) throw new Error(`capacity per instance must be above 0 req/s, got ${p.perInstanceRps}`);
  if (!(p.headroom >= 0)) throw new Error(`headroom must be 0 or more, got ${p.headroom}`);
  const requiredRps = p.peakRps * (1 + p.headroom);
  const exact = requiredRps / p.perInstanceRps;
  const needed = Math.max(1, Math.ceil(exact - 1e-9));
  const fits = needed <= p.replicas;
  const message =
    `peak ${r(p.peakRps)} req/s × ${(1 + p.headroom).toFixed(2)} headroom = ${r(requiredRps)} req/s ÷ ${r(p.perInstanceRps)} req/s per instance = ` +
    `${exact.toFixed(2)} → ${needed} instance${needed === 1 ? '' : 's'}; the environment runs ${p.replicas}: ${fits ? 'fits' : `does NOT fit (${needed - p.replicas} short)`}`;
  return { ...p, requiredRps, needed, fits, message };
}
