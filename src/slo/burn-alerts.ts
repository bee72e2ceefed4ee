/**
 * Evaluates burn-rate alerts from burn rates per window, with deploy grace, and tracks their
 * firing/resolved state so each transition is notified once. Pure.
 */
import type { BurnAlertWindow } from './alert-windows';
import { compare } from './slice-series';

/** Holds page alerts right after a deploy, unless the burn is far above the threshold. */
export interface DeployGrace {
  /** How long after a deploy marker page alerts wait, ms. */
  durationMs: number;
  /** A burn at least this many times the page threshold fires anyway (default 2). */
  overrideFactor: number;
}

export interface AlertEvaluation {
  window: BurnAlertWindow;
  /** The condition holds now (both windows over the threshold). */
  active: boolean;
  /** Active and not held by deploy grace. */
  firing: boolean;
  burnShort: number | null;
  burnLong: number | null;
  /** Set when deploy grace held a page alert. */
  heldUntilMs?: number;
}

/**
 * Checks each alert: both windows must cross the threshold. A page alert within `grace.durationMs`
 * of the latest deploy (`lastDeployMs`) is held unless both burns are ≥ overrideFactor × threshold.
 * Budget arithmetic is unaffected: grace only delays paging.
 */
export function evaluateAlerts(
  windows: readonly BurnAlertWindow[],
  burnOver: (windowMs: number) => number | null,
  atMs: number,
  grace?: { spec: DeployGrace; lastDeployMs?: number },
): AlertEvaluation[] {
  return windows.map((w) => {
    const burnShort = burnOver(w.shortWindowMs);
    const burnLong = burnOver(w.longWindowMs);
    const op = w.op ?? 'gt';
    const active = burnShort !== null && burnLong !== null && compare(burnShort, op, w.burnRate) && compare(burnLong, op, w.burnRate);
    let firing = active;
    let heldUntilMs: number | undefined;
    if (active && w.severity === 'page' && grace?.lastDeployMs !== undefined && (op === 'gt' || op === 'gte')) {
      const until = grace.lastDeployMs + grace.spec.durationMs;
      const far = w.burnRate * grace.spec.overrideFactor;
      if (atMs >= grace.lastDeployMs && atMs < until && !(burnShort! >= far && burnLong! >= far)) {
        firing = false;
        heldUntilMs = until;
      }
    }
    return { window: w, active, firing, burnShort, burnLong, ...(heldUntilMs !== undefined ? { heldUntilMs } : {}) };
  });
}

/** One alert's remembered state; serialisable. */
export interface AlertState {
  /** When the condition started to hold (for `forMs`), ms. */
  pendingSinceMs?: number;
  firing: boolean;
  /** When it last started firing, ms. */
  firingSinceMs?: number;
}

export interface AlertTransition {
  key: string;
  status: 'firing' | 'resolved';
  atMs: number;
  startsAtMs: number;
}

/**
 * Remembers which alerts fire, so a notifier hears of each start and end exactly once
 * (deduplicated by key), honouring each alert's `forMs`.
 */
export class AlertTracker {
  private readonly states = new Map<string, AlertState>();

  constructor(initial?: Record<string, AlertState>) {
    for (const [k, v] of Object.entries(initial ?? {})) this.states.set(k, { ...v });
  }

  /** Feeds one observation; returns the transition it causes, if any. */
  observe(key: string, conditionHolds: boolean, atMs: number, forMs = 0): AlertTransition | undefined {
    const s = this.states.get(key) ?? { firing: false };
    this.states.set(key, s);
    if (!conditionHolds) {
      s.pendingSinceMs = undefined;
      if (s.firing) {
        const startsAtMs = s.firingSinceMs ?? atMs;
        s.firing = false;
        s.firingSinceMs = undefined;
        return { key, status: 'resolved', atMs, startsAtMs };
      }
      return undefined;
    }
    if (s.firing) return undefined;
    s.pendingSinceMs ??= atMs;
    if (atMs - s.pendingSinceMs >= forMs) {
      s.firing = true;
      s.firingSinceMs = atMs;
      return { key, status: 'firing', atMs, startsAtMs: atMs };
    }
    return undefined;
  }

  /** A copy of one alert's state (undefined if never observed). */
  state(key: string): AlertState | undefined {
    const s = this.states.get(key);
    return s ? { ...s } : undefined;
  }

  isFiring(key: string): boolean {
    return this.states.get(key)?.firing ?? false;
  }

  firingKeys(): string[] {
    return [...this.states].filter(([, s]) => s.firing).map(([k]) => k);
  }

  toJSON(): Record<string, AlertState> {
    return Object.fromEntries(this.states);
  }
}
