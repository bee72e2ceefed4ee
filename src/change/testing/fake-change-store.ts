import { ConflictError, NotFoundError } from '../../core/errors';
import type { Tx } from '../../store/db';
import { atomically } from '../../store/testing/fake-transaction';
import type { ApprovalRow, ChangeFilter, ChangeRequest, ChangeStorePort, ReviewRow } from '../change-store';

/**
 * ChangeStore in memory, for unit tests of the change service: ids CHG-000001…, the row version
 * compare-and-set, and `transaction` with the database's all-or-nothing effect.
 */
export class FakeChangeStore implements ChangeStorePort {
  private changes = new Map<string, ChangeRequest>();
  private approvalRows: ApprovalRow[] = [];
  private reviewRows: ReviewRow[] = [];
  private seq = 0;
  private ids = 0;

  transaction<T>(fn: (trx: Tx) => Promise<T>): Promise<T> {
    return atomically(
      () => ({ changes: new Map(this.changes), approvals: [...this.approvalRows], reviews: [...this.reviewRows], seq: this.seq }),
      (s) => {
        this.changes = s.changes;
        this.approvalRows = s.approvals;
        this.reviewRows = s.reviews;
        this.seq = s.seq;
      },
      fn,
    );
  }

  async insert(_trx: Tx, c: Omit<ChangeRequest, 'id'>): Promise<ChangeRequest> {
    const full: ChangeRequest = { ...c, id: `CHG-${String(++this.seq).padStart(6, '0')}` };
    this.changes.set(full.id, full);
    return full;
  }

  async update(_trx: Tx, c: ChangeRequest): Promise<ChangeRequest> {
    const current = this.changes.get(c.id);
    if (!current || current.rowVersion !== c.rowVersion)
      throw new ConflictError(`change request ${c.id} was changed by someone else meanwhile`, { rule: 'stale-update' });
    const next = { ...c, rowVersion: c.rowVersion + 1 };
    this.changes.set(c.id, next);
    return next;
  }

  async find(id: string): Promise<ChangeRequest | undefined> {
    const m = /^chg-(\d+)$/i.exec(id.trim());
    return this.changes.get(m ? `CHG-${String(Number(m[1])).padStart(6, '0')}` : id);
  }

  async get(id: string): Promise<ChangeRequest> {
    const c = await this.find(id);
    if (!c) throw new NotFoundError(`change request "${id}" not found`);
    return c;
  }

  async list(f: ChangeFilter = {}): Promise<ChangeRequest[]> {
    const out = [...this.changes.values()]
      .filter((c) => (!f.service || c.service === f.service) && (!f.environment || c.environment === f.environment))
      .filter((c) => (!f.states?.length || f.states.includes(c.state)) && (f.createdSinceMs === undefined || c.createdAtMs >= f.createdSinceMs))
      .sort((a, b) => (a.id < b.id ? 1 : -1));
    return f.limit ? out.slice(0, f.limit) : out;
  }

  async addApproval(_trx: Tx, a: Omit<ApprovalRow, 'id'>): Promise<ApprovalRow> {
    const row = { ...a, id: `apr_${++this.ids}` };
    this.approvalRows.push(row);
    return row;
  }

  async approvals(changeId: string, cycle?: number): Promise<ApprovalRow[]> {
    return this.approvalRows.filter((a) => a.changeId === changeId && (cycle === undefined || a.cycle === cycle));
  }

  async addReview(_trx: Tx, r: Omit<ReviewRow, 'id'>): Promise<ReviewRow> {
    const row = { ...r, id: `rev_${++this.ids}` };
    this.reviewRows.push(row);
    return row;
  }

  async reviews(changeId: string): Promise<ReviewRow[]> {
    return this.reviewRows.filter((r) => r.changeId === changeId);
  }
}
