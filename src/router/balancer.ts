/**
 * Choice of an instance within a version, pure over the instances' state. Instances that are
 * unavailable (failing health checks, ejected, or excluded by the caller after a failed attempt)
 * are skipped; when none is available the balancer picks among all but the excluded ("panic
 * mode", as a proxy that routes nowhere helps no one).
 */

/** What the balancer reads from an instance. */
export interface BalancedInstance {
  /** Requests in flight to this instance. */
  outstanding: number;
}

export type BalancerKind = 'round-robin' | 'least-outstanding';

export interface Balancer<T extends BalancedInstance> {
  /** Picks an instance, or undefined when every instance is excluded. */
  pick(instances: readonly T[], available: (i: T) => boolean, exclude?: T): T | undefined;
}

/** Rotates through the available instances. */
export class RoundRobinBalancer<T extends BalancedInstance> implements Balancer<T> {
  private next = 0;

  pick(instances: readonly T[], available: (i: T) => boolean, exclude?: T): T | undefined {
    const n = instances.length;
    for (let pass = 0; pass < 2; pass++) {
      for (let k = 0; k < n; k++) {
        const i = instances[(this.next + k) % n];
        if (i === exclude || (pass === 0 && !available(i))) continue;
        this.next = (this.next + k + 1) % n;
        return i;
      }
    }
    return undefined;
  }
}

/**
 * Picks the available instance with the fewest requests in flight; ties go round-robin so equal
 * instances share the load.
 */
export class LeastOutstandingBalancer<T extends BalancedInstance> implements Balancer<T> {
  private next = 0;

  pick(instances: readonly T[], available: (i: T) => boolean, exclude?: T): T | undefined {
    const n = instances.length;
    for (let pass = 0; pass < 2; pass++) {
      let best: T | undefined;
      let bestK = 0;
      for (let k = 0; k < n; k++) {
        const i = instances[(this.next + k) % n];
        if (i === exclude || (pass === 0 && !available(i))) continue;
        if (!best || i.outstanding < best.outstanding) {
          best = i;
          bestK = k;
        }
      }
      if (best) {
        this.next = (this.next + bestK + 1) % n;
        return best;
      }
    }
    return undefined;
  }
}

export function createBalancer<T extends BalancedInstance>(kind: BalancerKind): Balancer<T> {
  const registry: Record<BalancerKind, () => Balancer<T>> = {
    'round-robin': () => new RoundRobinBalancer<T>(),
    'least-outstanding': () => new LeastOutstandingBalancer<T>(),
  };
  return registry[kind]();
}
