/** Manifests of the e2e tests: a small catalog, OpenSLO SLOs on pushed series, alert routing to `receiverUrl`. */
export function manifests(receiverUrl: string): string {
  return `
apiVersion: shipgate.dev/v1
kind: Service
metadata: {name: payments}
spec: {tier: 1}
---
apiVersion: shipgate.dev/v1
kind: Service
metadata: {name: checkout}
spec:
  dependencies: [{service: payments, kind: hard}]
---
apiVersion: shipgate.dev/v1
kind: Service
metadata: {name: storefront}
spec:
  dependencies: [{service: checkout, kind: hard}]
---
apiVersion: openslo/v1
kind: SLI
metadata:
  name: payments-requests
  annotations:
    shipgate.dev/components: payments-api,payments-db
    shipgate.dev/methodology: Counted at the payments API edge; health checks excluded.
spec:
  ratioMetric:
    counter: false
    good: {metricSource: {type: shipgate, spec: {series: payments.good}}}
    total: {metricSource: {type: shipgate, spec: {series: payments.total}}}
---
apiVersion: openslo/v1
kind: SLO
metadata:
  name: payments-availability
  annotations:
    shipgate.dev/layer: backend
    shipgate.dev/deploy-grace: 10m
spec:
  service: payments
  indicatorRef: payments-requests
  timeWindow: [{duration: 1d, isRolling: true}]
  budgetingMethod: Occurrences
  objectives: [{displayName: availability, target: 0.99}]
  alertPolicies: [{alertPolicyRef: payments-burn}]
---
apiVersion: openslo/v1
kind: SLO
metadata:
  name: storefront-availability
spec:
  service: storefront
  indicator:
    metadata: {name: storefront-requests}
    spec:
      ratioMetric:
        good: {metricSource: {type: shipgate, spec: {series: storefront.good}}}
        total: {metricSource: {type: shipgate, spec: {series: storefront.total}}}
  timeWindow: [{duration: 1d, isRolling: true}]
  budgetingMethod: Occurrences
  objectives: [{target: 0.999}]
---
apiVersion: openslo/v1
kind: AlertPolicy
metadata: {name: payments-burn}
spec:
  alertWhenBreaching: true
  conditions:
    - kind: AlertCondition
      metadata: {name: payments-fast-burn}
      spec:
        severity: page
        condition: {kind: burnrate, op: gt, threshold: 14.4, lookbackWindow: 1h}
  notificationTargets:
    - targetRef: oncall-webhook
    - kind: AlertNotificationTarget
      metadata:
        name: team-slack
        annotations: {shipgate.dev/url: "${receiverUrl}/slack"}
      spec: {target: slack}
---
apiVersion: openslo/v1
kind: AlertNotificationTarget
metadata:
  name: oncall-webhook
  annotations: {shipgate.dev/url: "${receiverUrl}/alertmanager"}
spec: {target: webhook, description: Alertmanager-compatible receiver}
`;
}

/** JSON lines of pushed points: `good` of `total` per minute for minutes [fromMin, toMin) before `atMs`. */
export function points(series: string, atMs: number, fromMin: number, toMin: number, good: number, total: number): string {
  const lines: string[] = [];
  for (let m = fromMin; m < toMin; m++) {
    const t = (atMs - (m + 1) * 60_000 + 30_000) / 1000;
    lines.push(JSON.stringify({ series: `${series}.good`, t, value: good }));
    lines.push(JSON.stringify({ series: `${series}.total`, t, value: total }));
  }
  return lines.join('\n') + '\n';
}
