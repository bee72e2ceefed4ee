/**
 * The body of one firing alert in Alertmanager's webhook format (version 4), for the
 * notifications Shipgate sends itself (an emergency change's page, a memory-leak warning) to
 * AlertNotificationTargets through the outbox, so every receiver that takes Alertmanager's
 * webhooks takes them too. Pure.
 */
export interface FiringAlert {
  alertname: string;
  severity: string;
  /** Labels besides alertname and severity (service, environment…). */
  labels: Record<string, string>;
  summary: string;
  description?: string;
  startsAt: string;
  generatorURL: string;
  /** Stable per alert: receivers deduplicate by it. */
  fingerprint: string;
  /** Default: the fingerprint. */
  groupKey?: string;
  baseUrl: string;
}

export function alertmanagerWebhook(a: FiringAlert) {
  const labels = { alertname: a.alertname, severity: a.severity, ...a.labels };
  return {
    version: '4',
    groupKey: a.groupKey ?? a.fingerprint,
    status: 'firing',
    receiver: 'shipgate',
    groupLabels: { alertname: a.alertname },
    commonLabels: labels,
    commonAnnotations: {},
    externalURL: a.baseUrl,
    alerts: [
      {
        status: 'firing',
        labels,
        annotations: { summary: a.summary, ...(a.description !== undefined ? { description: a.description } : {}) },
        startsAt: a.startsAt,
        endsAt: '0001-01-01T00:00:00Z',
        generatorURL: a.generatorURL,
        fingerprint: a.fingerprint,
      },
    ],
  };
}
