/**
 * The Notifier port and its adapters: an Alertmanager-compatible webhook (receivers written for
 * Alertmanager's webhook_config accept it) and a Slack-compatible incoming-webhook payload. They
 * build bodies only; the outbox (HOOKS.outbox) delivers them after commit.
 */

/** One alert that started or stopped firing. */
export interface AlertEvent {
  status: 'firing' | 'resolved';
  /** Stable identity of the alert (SLO, objective, alert window): deduplication key. */
  fingerprint: string;
  alertName: string;
  slo: string;
  service: string;
  objective: string;
  severity: 'page' | 'ticket';
  window: string;
  threshold: number;
  burnShort: number | null;
  burnLong: number | null;
  budgetRemaining: number;
  startsAtMs: number;
  /** Set when resolved. */
  endsAtMs?: number;
  summary: string;
  labels?: Record<string, string>;
}

export interface NotificationTarget {
  name: string;
  /** Adapter: `webhook` / `alertmanager`, `slack`. */
  target: string;
  url: string;
}

/**
 * Turns events into the body one kind of receiver expects. Delivery is not the notifier's: the
 * body goes to the outbox in the alert-state transaction and is POSTed after commit, so a slow or
 * blackholed receiver never holds a transaction (receivers deduplicate by fingerprint).
 */
export interface Notifier {
  readonly type: string;
  payload(target: NotificationTarget, events: AlertEvent[]): unknown;
}

const ZERO_TIME = '0001-01-01T00:00:00Z';

/** The body Alertmanager's webhook_config posts (version 4). */
export function alertmanagerPayload(target: NotificationTarget, events: AlertEvent[], externalUrl: string): Record<string, unknown> {
  const alerts = events.map((e) => ({
    status: e.status,
    labels: {
      alertname: e.alertName,
      severity: e.severity,
      service: e.service,
      slo: e.slo,
      objective: e.objective,
      window: e.window,
      ...(e.labels ?? {}),
    },
    annotations: {
      summary: e.summary,
      description: `burn rate ${fmt(e.burnShort)} (short) / ${fmt(e.burnLong)} (long) against ${e.threshold}; error budget remaining ${(e.budgetRemaining * 100).toFixed(1)}%`,
    },
    startsAt: new Date(e.startsAtMs).toISOString(),
    endsAt: e.endsAtMs !== undefined ? new Date(e.endsAtMs).toISOString() : ZERO_TIME,
    generatorURL: `${externalUrl}/api/v1/slo/status/${encodeURIComponent(e.slo)}`,
    fingerprint: e.fingerprint,
  }));
  const common = (key: 'service' | 'slo' | 'severity' | 'alertname') => {
    const vals = new Set(alerts.map((a) => a.labels[key]));
    return vals.size === 1 ? { [key]: [...vals][0] } : {};
  };
  return {
    version: '4',
    groupKey: `{}:{alertname="${events[0]?.alertName ?? ''}"}`,
    truncatedAlerts: 0,
    status: events.some((e) => e.status === 'firing') ? 'firing' : 'resolved',
    receiver: target.name,
    groupLabels: common('alertname'),
    commonLabels: { ...common('alertname'), ...common('service'), ...common('slo'), ...common('severity') },
    commonAnnotations: {},
    externalURL: externalUrl,
    alerts,
  };
}

/** A Slack incoming-webhook body: one text line and one attachment per event. */
export function slackPayload(events: AlertEvent[]): Record<string, unknown> {
  const firing = events.filter((e) => e.status === 'firing').length;
  return {
    text: `${firing ? `:rotating_light: ${firing} SLO alert(s) firing` : ':white_check_mark: SLO alert(s) resolved'}: ${[...new Set(events.map((e) => e.slo))].join(', ')}`,
    attachments: events.map((e) => ({
      color: e.status === 'firing' ? (e.severity === 'page' ? 'danger' : 'warning') : 'good',
      title: `[${e.status.toUpperCase()}] ${e.alertName} (${e.severity}) ${e.slo}/${e.objective}`,
      text: e.summary,
      fields: [
        { title: 'service', value: e.service, short: true },
        { title: 'window', value: e.window, short: true },
        { title: 'burn rate', value: `${fmt(e.burnShort)} / ${fmt(e.burnLong)} (threshold ${e.threshold})`, short: true },
        { title: 'budget remaining', value: `${(e.budgetRemaining * 100).toFixed(1)}%`, short: true },
      ],
      ts: Math.floor((e.endsAtMs ?? e.startsAtMs) / 1000),
    })),
  };
}

function fmt(x: number | null): string {
  return x === null ? 'n/a' : x.toFixed(2);
}

export class WebhookNotifier implements Notifier {
  readonly type = 'webhook';
  constructor(private readonly externalUrl: () => string) {}
  payload(target: NotificationTarget, events: AlertEvent[]): unknown {
    return alertmanagerPayload(target, events, this.externalUrl());
  }
}

export class SlackNotifier implements Notifier {
  readonly type = 'slack';
  payload(_target: NotificationTarget, events: AlertEvent[]): unknown {
    return slackPayload(events);
  }
}

/** Notifiers by target type (`alertmanager` is an alias of `webhook`). */
export function notifierRegistry(externalUrl: () => string): Map<string, Notifier> {
  const webhook = new WebhookNotifier(externalUrl);
  return new Map<string, Notifier>([
    ['webhook', webhook],
    ['alertmanager', webhook],
    ['slack', new SlackNotifier()],
  ]);
}
