/**
 * The alert evaluation loop: evaluates every SLO, turns firing alerts into firing/resolved
 * transitions (deduplicated through the stored AlertTracker state) and delivers them through the
 * Notifier adapters of each SLO's notification targets.
 */
import type { Logger } from 'pino';
import { AlertTracker, type AlertState } from './burn-alerts';
import type { AlertEvent, Notifier } from './notifier';
import type { SloService } from './slo-service';
import type { SloStore } from './slo-store';

export interface TickResult {
  evaluated: number;
  events: AlertEvent[];
  /** Deliveries that failed (retried next tick). */
  failures: string[];
}

export class AlertLoop {
  constructor(
    private readonly slos: SloService,
    private readonly store: SloStore,
    private readonly notifiers: Map<string, Notifier>,
    private readonly log?: Pick<Logger, 'warn'>,
  ) {}

  async tick(atMs: number): Promise<TickResult> {
    const entries = await this.slos.status(undefined, atMs);
    const result: TickResult = { evaluated: 0, events: [], failures: [] };
    await this.store.withAlertStates(async (states) => {
      const tracker = new AlertTracker(states);
      const changed: Record<string, AlertState> = {};
      for (const e of entries) {
        if (!e.status || !e.model) continue;
        result.evaluated++;
        const m = e.model;
        for (const o of e.status.objectives) {
          for (const a of o.alerts) {
            const key = `${m.name}/${o.objective}/${a.name}`;
            const window = m.alertWindows?.find((w) => w.name === a.name);
            const t = tracker.observe(key, a.firing, atMs, window?.forMs ?? 0);
            changed[key] = tracker.state(key)!;
            if (!t) continue;
            const event: AlertEvent = {
              status: t.status,
              fingerprint: key,
              alertName: m.alertName ?? `${m.name}-burn-rate`,
              slo: m.name,
              service: m.service,
              objective: o.objective,
              severity: a.severity,
              window: `${a.shortWindow}/${a.longWindow}`,
              threshold: a.threshold,
              burnShort: a.burnShort,
              burnLong: a.burnLong,
              budgetRemaining: o.budgetRemaining,
              startsAtMs: t.startsAtMs,
              ...(t.status === 'resolved' ? { endsAtMs: atMs } : {}),
              summary: `${a.severity === 'page' ? 'Page' : 'Ticket'}: SLO ${m.name} (${m.service}) burns its error budget ${a.burnLong?.toFixed(1) ?? '?'}× over ${a.longWindow}`,
            };
            const failed = await this.deliver(m.notificationTargets, event);
            if (failed.length) {
              // Forget the transition so the next tick tries again.
              changed[key] = { ...states[key] ?? { firing: false } };
              result.failures.push(...failed);
            } else result.events.push(event);
          }
        }
      }
      return changed;
    }, atMs);
    return result;
  }

  private async deliver(targets: { name: string; target: string; url?: string }[], event: AlertEvent): Promise<string[]> {
    const failed: string[] = [];
    for (const t of targets) {
      const n = this.notifiers.get(t.target.toLowerCase());
      if (!n || !t.url) continue;
      try {
        await n.send({ name: t.name, target: t.target, url: t.url }, [event]);
      } catch (e) {
        failed.push(`${t.name}: ${(e as Error).message}`);
        this.log?.warn({ err: e, target: t.name }, 'SLO alert delivery failed; will retry');
      }
    }
    return failed;
  }
}
