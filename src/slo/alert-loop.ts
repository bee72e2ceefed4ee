/**
 * The alert evaluation loop: evaluates every SLO (reading metric sources before any transaction),
 * turns firing alerts into firing/resolved transitions (deduplicated through the stored
 * AlertTracker state) and writes one notification per target to the outbox in the same
 * transaction as the new alert state; the outbox sends them after commit.
 */
import type { Logger } from 'pino';
import type { Outbox } from '../core/hooks';
import { AlertTracker, type AlertState } from './burn-alerts';
import type { AlertEvent, Notifier } from './notifier';
import type { SloService } from './slo-service';
import type { SloStorePort } from './slo-store';

export interface TickResult {
  evaluated: number;
  /** Transitions notified (written to the outbox with the new alert state). */
  events: AlertEvent[];
  /** Outbox ids of the notifications written. */
  outbox: string[];
  /** Targets that could not be notified (no outbox installed); the transition is kept for the next tick. */
  failures: string[];
}

/** What the loop reads of the SLOs: every SLO evaluated at a time. */
export type SloStatusSource = Pick<SloService, 'status'>;

export class AlertLoop {
  constructor(
    private readonly slos: SloStatusSource,
    private readonly store: Pick<SloStorePort, 'withAlertStates'>,
    private readonly notifiers: Map<string, Notifier>,
    private readonly outbox: () => Outbox | undefined,
    private readonly log?: Pick<Logger, 'warn'>,
  ) {}

  async tick(atMs: number): Promise<TickResult> {
    const entries = await this.slos.status(undefined, atMs);
    const result: TickResult = { evaluated: 0, events: [], outbox: [], failures: [] };
    const outbox = this.outbox();
    await this.store.withAlertStates(async (states, trx) => {
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
            const targets = m.notificationTargets.filter((x) => x.url && this.notifiers.has(x.target.toLowerCase()));
            if (targets.length && !outbox) {
              // Forget the transition so a later tick, with an outbox, notifies it.
              changed[key] = { ...(states[key] ?? { firing: false }) };
              result.failures.push(...targets.map((x) => `${x.name}: no outbox to deliver through`));
              this.log?.warn({ slo: m.name }, 'SLO alert not notified: no outbox installed');
              continue;
            }
            for (const x of targets) {
              const target = { name: x.name, target: x.target, url: x.url! };
              const payload = this.notifiers.get(x.target.toLowerCase())!.payload(target, [event]);
              result.outbox.push(await outbox!.enqueue(trx, { kind: 'slo.alert', url: target.url, payload }));
            }
            result.events.push(event);
          }
        }
      }
      return changed;
    }, atMs);
    // Committed: send now rather than at the next poll.
    if (result.outbox.length) outbox?.wake();
    return result;
  }
}
