/**
 * The Alertmanager webhook payload (version 4, as Alertmanager's `webhook_config` sends it) and
 * what Shipgate keeps of each alert: its fingerprint, status, labels and annotations, times, and
 * the service, environment and version it names by label. Pure.
 * https://prometheus.io/docs/alerting/latest/configuration/#webhook_config
 */
import { z } from 'zod';

const labels = z.record(z.string().max(200), z.string().max(2000)).refine((l) => Object.keys(l).length <= 100, 'at most 100 labels');

export const alertmanagerPayload = z.looseObject({
  version: z.string().max(10).optional(),
  groupKey: z.string().max(4000).optional(),
  status: z.enum(['firing', 'resolved']),
  receiver: z.string().max(500).optional(),
  groupLabels: labels.optional(),
  commonLabels: labels.optional(),
  commonAnnotations: labels.optional(),
  externalURL: z.string().max(2000).optional(),
  alerts: z
    .array(
      z.looseObject({
        status: z.enum(['firing', 'resolved']),
        labels,
        annotations: labels.default({}),
        startsAt: z.iso.datetime({ offset: true }),
        endsAt: z.string().max(40).optional(),
        generatorURL: z.string().max(2000).optional(),
        fingerprint: z.string().max(100).optional(),
      }),
    )
    .min(1)
    .max(1000),
});
export type AlertmanagerPayload = z.infer<typeof alertmanagerPayload>;

export interface StoredAlert {
  /** Alertmanager's fingerprint, or one computed from the sorted labels. */
  fingerprint: string;
  name: string;
  status: 'firing' | 'resolved';
  severity: string | null;
  service: string | null;
  environment: string | null;
  version: string | null;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAtMs: number;
  /** Null while firing (Alertmanager sends the zero time `0001-01-01T00:00:00Z`). */
  endsAtMs: number | null;
  generatorURL: string | null;
  receivedAtMs: number;
}

/** Labels that name what an alert is about, first match wins (Prometheus conventions, then Shipgate's). */
const SERVICE_LABELS = ['service', 'shipgate_service', 'job'];
const ENVIRONMENT_LABELS = ['environment', 'env', 'shipgate_environment'];
const VERSION_LABELS = ['version', 'shipgate_version'];

const pick = (l: Record<string, string>, keys: string[]) => keys.map((k) => l[k]).find((v) => v !== undefined && v !== '') ?? null;

/** The alerts of one payload as stored; `fingerprintOf` stands in when Alertmanager sent none. */
export function alertsOf(p: AlertmanagerPayload, receivedAtMs: number, fingerprintOf: (labels: Record<string, string>) => string): StoredAlert[] {
  return p.alerts.map((a) => {
    const end = a.endsAt ? Date.parse(a.endsAt) : Number.NaN;
    return {
      fingerprint: a.fingerprint ?? fingerprintOf(a.labels),
      name: a.labels.alertname ?? '(unnamed)',
      status: a.status,
      severity: a.labels.severity ?? null,
      service: pick(a.labels, SERVICE_LABELS),
      environment: pick(a.labels, ENVIRONMENT_LABELS),
      version: pick(a.labels, VERSION_LABELS),
      labels: a.labels,
      annotations: a.annotations,
      startsAtMs: Date.parse(a.startsAt),
      endsAtMs: a.status === 'resolved' && Number.isFinite(end) && end > 0 ? end : null,
      generatorURL: a.generatorURL ?? null,
      receivedAtMs,
    };
  });
}

/**
 * Whether a firing alert speaks against a release of `version` of `service` in `environment`
 * started at `sinceMs`: it names the service, the environment when it names one, this version
 * when it names one (an alert on the old version is not the new one's fault), and began after
 * the release started (an alert already firing is what the release may be fixing).
 */
export function concernsRelease(a: StoredAlert, r: { service: string; environment: string; version: string; sinceMs: number }): boolean {
  return (
    a.status === 'firing' &&
    a.service === r.service &&
    (a.environment === null || a.environment === r.environment) &&
    (a.version === null || a.version === r.version) &&
    a.startsAtMs >= r.sinceMs
  );
}
