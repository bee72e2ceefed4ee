import type { Tx } from '../../store/db';
import type { AuditEvent, AuditInput, AuditLog } from '../audit-log';

/** The audit log as services use it (append in their transaction): appends kept in a list; `failOn` makes one action's append throw. */
export class FakeAudit implements Pick<AuditLog, 'append'> {
  readonly events: { actor: string; action: string; name: string; details?: Record<string, unknown> }[] = [];
  failOn?: string;

  async append(_trx: Tx, input: AuditInput): Promise<AuditEvent> {
    if (input.action === this.failOn) throw new Error(`audit append failed for ${input.action}`);
    this.events.push({ actor: input.actor, action: input.action, name: input.name, details: input.details });
    const seq = this.events.length;
    return {
      seq,
      at: '',
      actor: input.actor,
      action: input.action,
      kind: input.kind,
      name: input.name,
      beforeHash: null,
      afterHash: null,
      details: input.details ?? null,
      prevHash: '',
      hash: String(seq),
    };
  }
}
