/**
 * An emergency change is the one way past a budget freeze or a freeze window, so it is loud: when
 * one is claimed, an audit event records it with its reason, the retrospective review is due at
 * once, and a page-level notification goes out (through the outbox when it is installed).
 */
import type { ServerContext } from '../core/capability';
import type { EmergencyNotice } from './authorizer';

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
    await ctx.audit.append(trx, { actor: actor.user, action: 'change.emergency', kind: 'ChangeRequest', name: change.id, details });
    ctx.log.warn({ change: change.id, ...details }, 'emergency change: passes the budget freeze and freeze windows; review due now');
  };
}
