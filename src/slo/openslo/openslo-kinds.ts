/**
 * The OpenSLO `openslo/v1` kinds, registered as they are (documents stored exactly as written,
 * so `get slo NAME -o openslo` gives them back).
 */
import type { z } from 'zod';
import type { KindDefinition } from '../../core/kinds';
import type { Manifest } from '../../core/manifest';
import type { Issue } from '../../core/errors';
import {
  OPENSLO_API_VERSION,
  alertConditionSpec,
  alertNotificationTargetSpec,
  alertPolicySpec,
  dataSourceSpec,
  openSloDocument,
  serviceSpec,
  sliSpec,
  sloSpec,
  type SloSpec,
} from './openslo-schema';
import { openSloEgressUrls } from './openslo-egress';
import { ANNOTATIONS } from '../slo-model';

/** Secret fields of every OpenSLO kind (src/resources/secrets.ts). */
export const OPENSLO_SECRET_PATHS: string[][] = [
  ['**', 'annotations', ANNOTATIONS.url],
  ['**', 'connectionDetails'],
];

function kind<S extends z.ZodType>(
  k: string,
  names: string[],
  spec: S,
  description: string,
  extra: Partial<KindDefinition<z.infer<S>>> = {},
): KindDefinition<z.infer<S>> {
  return {
    apiVersion: OPENSLO_API_VERSION,
    kind: k,
    names,
    spec: spec as z.ZodType<z.infer<S>>,
    document: openSloDocument(k, spec) as unknown as z.ZodType<Manifest<z.infer<S>>>,
    description,
    writeRoles: ['deployer'],
    // Notification and metric source URLs may sit in any kind (inline targets, indicators).
    egressUrls: (m) => openSloEgressUrls(m),
    // Delivery URLs (Slack and webhook URLs carry their token) and DataSource connection details
    // (URLs, credentials) are secrets wherever they sit, inline documents included.
    secretPaths: OPENSLO_SECRET_PATHS,
    ...extra,
  };
}

export const openSloSloKind = kind('SLO', ['slo', 'slos'], sloSpec, 'OpenSLO service level objective (openslo/v1)', {
  columns: [
    { header: 'name', value: (m) => m.metadata.name },
    { header: 'service', value: (m) => m.spec.service },
    { header: 'method', value: (m) => m.spec.budgetingMethod },
    { header: 'window', value: (m) => `${m.spec.timeWindow[0].duration}${m.spec.timeWindow[0].isRolling ? ' rolling' : ' calendar'}` },
    { header: 'targets', value: (m) => m.spec.objectives.map((o) => o.target ?? (o.targetPercent ?? 0) / 100).join(',') },
  ],
  async validate(m, ctx) {
    const issues: Issue[] = [];
    const s = m.spec as SloSpec;
    if (s.indicatorRef && !(await ctx.find('sli', s.indicatorRef))) {
      issues.push({ path: 'spec.indicatorRef', message: `SLI "${s.indicatorRef}" not found (apply it in the same batch or before)` });
    }
    return issues;
  },
});

export const openSloSliKind = kind('SLI', ['sli', 'slis'], sliSpec, 'OpenSLO service level indicator (openslo/v1)', {
  columns: [
    { header: 'name', value: (m) => m.metadata.name },
    { header: 'type', value: (m) => (m.spec.thresholdMetric ? 'threshold' : m.spec.ratioMetric?.raw ? 'raw ratio' : 'ratio') },
  ],
});

/**
 * OpenSLO Service. Shipgate's catalog has its own `Service` (shipgate.dev/v1); this one is found
 * as `openslo-service`.
 */
export const openSloServiceKind = kind('Service', ['openslo-service', 'openslo-services'], serviceSpec, 'OpenSLO service (openslo/v1)');

export const openSloDataSourceKind = kind('DataSource', ['datasource', 'datasources'], dataSourceSpec, 'OpenSLO data source: where SLIs read metrics', {
  columns: [
    { header: 'name', value: (m) => m.metadata.name },
    { header: 'type', value: (m) => m.spec.type },
  ],
});

export const openSloAlertPolicyKind = kind(
  'AlertPolicy',
  ['alertpolicy', 'alertpolicies'],
  alertPolicySpec,
  'OpenSLO alert policy: conditions and notification targets',
);
export const openSloAlertConditionKind = kind(
  'AlertCondition',
  ['alertcondition', 'alertconditions'],
  alertConditionSpec,
  'OpenSLO burn-rate alert condition',
  {
    columns: [
      { header: 'name', value: (m) => m.metadata.name },
      { header: 'severity', value: (m) => m.spec.severity },
      { header: 'condition', value: (m) => `burn ${m.spec.condition.op} ${m.spec.condition.threshold} over ${m.spec.condition.lookbackWindow}` },
    ],
  },
);
export const openSloAlertNotificationTargetKind = kind(
  'AlertNotificationTarget',
  ['alertnotificationtarget', 'alertnotificationtargets'],
  alertNotificationTargetSpec,
  'OpenSLO notification target (webhook, slack…)',
);

/** Every OpenSLO kind. */
export const OPENSLO_KINDS: KindDefinition[] = [
  openSloSloKind,
  openSloSliKind,
  openSloServiceKind,
  openSloDataSourceKind,
  openSloAlertPolicyKind,
  openSloAlertConditionKind,
  openSloAlertNotificationTargetKind,
];
