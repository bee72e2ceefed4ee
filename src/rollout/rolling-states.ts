/**
 * Rolling replacement by maxSurge / maxUnavailable: the sequence of (new, old) instance counts,
 * each reached from the previous one by only adding new instances (gated on readiness) or only
 * removing old ones, never above `replicas + maxSurge` in total and never below
 * `replicas - maxUnavailable` ready. Pure.
 */
export interface RollingState {
  newReplicas: number;
  oldReplicas: number;
}

/** `2` or `"25%"` of `replicas`; surge percentages round up, unavailability percentages down (as Kubernetes does). */
export function resolveCount(v: number | string, replicas: number, round: 'up' | 'down'): number {
  if (typeof v === 'number') return v;
  const pct = Number(v.slice(0, -1)) / 100;
  return Math.max(0, round === 'up' ? Math.ceil(replicas * pct - 1e-9) : Math.floor(replicas * pct + 1e-9));
}

export function rollingStates(replicas: number, maxSurge: number, maxUnavailable: number): RollingState[] {
  let surge = Math.max(0, maxSurge);
  const unavailable = Math.max(0, Math.min(replicas, maxUnavailable));
  // Both zero would never make progress; Kubernetes refuses it, we allow one extra instance.
  if (surge === 0 && unavailable === 0) surge = 1;
  const maxTotal = replicas + surge;
  const minAvailable = replicas - unavailable;
  const out: RollingState[] = [];
  let n = 0;
  let o = replicas;
  for (let guard = 0; (n < replicas || o > 0) && guard < 4 * replicas + 4; guard++) {
    const up = Math.min(replicas - n, maxTotal - (n + o));
    if (up > 0) {
      n += up;
      out.push({ newReplicas: n, oldReplicas: o });
    }
    const down = Math.min(o, n + o - minAvailable);
    if (down > 0) {
      o -= down;
      out.push({ newReplicas: n, oldReplicas: o });
    }
  }
  return out;
}
