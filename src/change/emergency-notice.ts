/**
 * An emergency change is the one way past a budget freeze or a freeze window, so it is loud: when
 * one is claimed, an audit event records it with its reason, the retrospective review is due at
 * once, and a page-level notification (Alertmanager webhook format, severity `page`) is written
 * to the outbox in the same transaction for every AlertNotificationTarget that has a delivery URL
 * (annotation `shipgate.dev/url`), except those labelled `shipgate.dev/emergency: "false"`.
 */
import type { ServerContext } from '../core/capability';
import { alertmanagerWebhook } from '../core/alertmanager-webhook';
import { HOOKS } from '../core/hooks';
import type { EmergencyNotice } from './authorizer';

const OPENSLO_API_VERSION = 'openslo/v1';

export function emergencyNotice(ctx: ServerContext): EmergencyNotice {
  return async (trx, change, action, actor) => {
    const at = ctx.clock.now();
    const details = {
      severity: 'page',
      action,
      service: change.service,
      environment: change.environment,
      reason: change.emergencyReason,
      reviewDueAtMs: at,
      by: actor.user,
    };
    const outbox = ctx.services.get(HOOKS.outbox);
    const targets = (await ctx.resources.list(OPENSLO_API_VERSION, 'AlertNotificationTarget', trx))
      .map((r) => r.manifest.metadata)
      .filter((m) => m.annotations?.['shipgate.dev/url'] && m.labels?.['shipgate.dev/emergency'] !== 'false');
    const pages: string[] = [];
    for (const t of outbox ? targets : []) {
      const id = await outbox!.enqueue(trx, {
        kind: 'change.emergency-page',
        url: t.annotations!['shipgate.dev/url'],
        payload: pagePayload(change.id, details, new Date(at).toISOString(), ctx.baseUrl()),
      });
      pages.push(`${t.name}:${id}`);
    }
    await ctx.audit.append(trx, { actor: actor.user, action: 'change.emergency', kind: 'ChangeRequest', name: change.id, details: { ...details, pages } });
    ctx.log.warn({ change: change.id, ...details, pages: pages.length }, 'emergency change: passes the budget freeze and freeze windows; review due now');
    // Sent after the caller's transaction commits; waking early is harmless (the row is not visible yet).
    setTimeout(() => outbox?.wake(), 50).unref();
  };
}

/** Alertmanager webhook (version 4) body for one firing page. */
function pagePayload(
  changeId: string,
  d: { service: string; environment: string; action: string; reason: string | null; by: string },
  startsAt: string,
  baseUrl: string,
) {
  return alertmanagerWebhook({
    alertname: 'EmergencyChange',
    severity: 'page',
    labels: { service: d.service, environment: d.environment, change: changeId },
    summary: `emergency change ${changeId}: ${d.action} of ${d.service} in ${d.environment} by ${d.by}`,
    description: d.reason ?? '',
    startsAt,
    generatorURL: `${baseUrl}/api/v1/changes/${changeId}`,
    fingerprint: changeId,
    groupKey: `emergency:${changeId}`,
    baseUrl,
  });
}
