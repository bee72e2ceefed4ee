import type { Tx } from '../../store/db';
import { atomically } from '../../store/testing/fake-transaction';
import type { AlertState } from '../burn-alerts';
import type { PendingPostmortem, SloStorePort } from '../slo-store';

/** SloStore in memory, for unit tests of the alert loop: `withAlertStates` saves only what `fn` returns, and nothing when it throws. */
export class FakeSloStore implements SloStorePort {
  alertStates: Record<string, AlertState> = {};
  private pms = new Map<string, PendingPostmortem>();

  async withAlertStates(fn: (states: Record<string, AlertState>, trx: Tx) => Promise<Record<string, AlertState>>): Promise<void> {
    await atomically(
      () => structuredClone(this.alertStates),
      (s) => (this.alertStates = s),
      async (trx) => {
        // The loop gets copies, as it would get rows: mutating them saves nothing.
        const changed = await fn(structuredClone(this.alertStates), trx);
        for (const [k, v] of Object.entries(changed)) this.alertStates[k] = structuredClone(v);
      },
    );
  }

  async addPostmortem(p: PendingPostmortem): Promise<boolean> {
    if (this.pms.has(p.id)) return false;
    this.pms.set(p.id, { ...p });
    return true;
  }

  async postmortems(service?: string, status?: string): Promise<PendingPostmortem[]> {
    return [...this.pms.values()]
      .filter((p) => (!service || p.service === service) && (!status || p.status === status))
      .sort((a, b) => a.createdMs - b.createdMs);
  }

  async completePostmortem(id: string): Promise<'pending' | 'done' | undefined> {
    const p = this.pms.get(id);
    if (!p) return undefined;
    const before = p.status;
    p.status = 'done';
    return before;
  }
}
