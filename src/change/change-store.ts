/**
 * Storage of change requests, approvals and reviews (SQLite or PostgreSQL through Kysely).
 * Only this capability reads these tables.
 */
import type { Insertable, Kysely, Selectable } from 'kysely';
import { fromJson, lockKey, tablesOf, toJson, type Db, type Tx } from '../store/db';
import { newId } from '../core/ids';
import { ConflictError, NotFoundError } from '../core/errors';
import type { ChangeOutcome, ChangeState, ChangeType } from './change-state-machine';
import type { ChangeKind, PointsAssessment, RiskInput } from './risk-points';
import type { RequiredApprovals } from './approval-policy';
import type { BlendedRisk } from './risk-model';
import type { ChangeTables } from './change-tables';

/** A change request as the service and the API see it. */
export interface ChangeRequest {
  id: string;
  service: string;
  environment: string;
  environmentKind: 'dev' | 'staging' | 'production';
  type: ChangeType;
  kind: ChangeKind;
  title: string;
  description: string | null;
  rollbackPlan: string | null;
  oncall: string | null;
  irreversible: boolean;
  linesChanged: number | null;
  /** The revision a release ships, when the change request belongs to a release. */
  version: string | null;
  /** The artifact reference the approval covers ('' = the target's default); null = not bound. */
  artifact: string | null;
  /** SHA-256 of the revision's whole config the approval covers; null = not bound. */
  configHash: string | null;
  /** StandardChangeTemplate a standard change comes from. */
  template: string | null;
  /** The one rollout run (or flag rollout) this change authorised, once claimed. */
  runId: string | null;
  /** Why an emergency change could not wait. */
  emergencyReason: string | null;
  /** Bumped on every update; an update from a stale read is refused (409). */
  rowVersion: number;
  state: ChangeState;
  author: string;
  /** Submission round: a rejection sends the change back to New and starts a new round. */
  cycle: number;
  createdAtMs: number;
  updatedAtMs: number;
  submittedAtMs: number | null;
  authorizedAtMs: number | null;
  scheduledStartMs: number | null;
  scheduledEndMs: number | null;
  implementedAtMs: number | null;
  implementer: string | null;
  completedAtMs: number | null;
  outcome: ChangeOutcome | null;
  closedAtMs: number | null;
  risk: (PointsAssessment & { blended?: BlendedRisk }) | null;
  riskInput: RiskInput | null;
  requirements: RequiredApprovals | null;
  reviewReasons: string[];
  budgetRemainingAtImplement: number | null;
}

export interface ApprovalRow {
  id: string;
  changeId: string;
  cycle: number;
  user: string;
  role: string;
  decision: 'approve' | 'reject';
  groups: string[];
  comment: string | null;
  atMs: number;
}

export interface ReviewRow {
  id: string;
  changeId: string;
  kind: 'compensating' | 'post-implementation';
  user: string;
  summary: string;
  /** Recorded after the emergency review deadline. */
  late: boolean;
  atMs: number;
}

const CHANGE_SEQ_LOCK = 0x5347_0c01;

const n = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

type ChangeRow = Selectable<ChangeTables['change_requests']>;

// Row → domain, one function per table.
function toChange(r: ChangeRow): ChangeRequest {
  return {
    id: r.id,
    service: r.service,
    environment: r.environment,
    environmentKind: r.environment_kind,
    type: r.type,
    kind: r.kind,
    title: r.title,
    description: r.description ?? null,
    rollbackPlan: r.rollback_plan ?? null,
    oncall: r.oncall ?? null,
    irreversible: Number(r.irreversible) === 1,
    linesChanged: n(r.lines_changed),
    version: r.version ?? null,
    artifact: r.artifact ?? null,
    configHash: r.config_hash ?? null,
    template: r.template ?? null,
    runId: r.run_id ?? null,
    emergencyReason: r.emergency_reason ?? null,
    rowVersion: Number(r.row_version ?? 0),
    state: r.state,
    author: r.author,
    cycle: Number(r.cycle),
    createdAtMs: Number(r.created_at_ms),
    updatedAtMs: Number(r.updated_at_ms),
    submittedAtMs: n(r.submitted_at_ms),
    authorizedAtMs: n(r.authorized_at_ms),
    scheduledStartMs: n(r.scheduled_start_ms),
    scheduledEndMs: n(r.scheduled_end_ms),
    implementedAtMs: n(r.implemented_at_ms),
    implementer: r.implementer ?? null,
    completedAtMs: n(r.completed_at_ms),
    outcome: r.outcome ?? null,
    closedAtMs: n(r.closed_at_ms),
    risk: r.risk_json ? fromJson(r.risk_json) : null,
    riskInput: r.risk_input_json ? fromJson(r.risk_input_json) : null,
    requirements: r.requirements_json ? fromJson(r.requirements_json) : null,
    reviewReasons: r.review_reasons_json ? fromJson(r.review_reasons_json) : [],
    budgetRemainingAtImplement: n(r.budget_remaining_at_implement),
  };
}

function toRow(c: ChangeRequest): Omit<Insertable<ChangeTables['change_requests']>, 'seq'> {
  return {
    id: c.id,
    service: c.service,
    environment: c.environment,
    environment_kind: c.environmentKind,
    type: c.type,
    kind: c.kind,
    title: c.title,
    description: c.description,
    rollback_plan: c.rollbackPlan,
    oncall: c.oncall,
    irreversible: c.irreversible ? 1 : 0,
    lines_changed: c.linesChanged,
    version: c.version,
    artifact: c.artifact,
    config_hash: c.configHash,
    template: c.template,
    run_id: c.runId,
    emergency_reason: c.emergencyReason,
    row_version: c.rowVersion,
    state: c.state,
    author: c.author,
    cycle: c.cycle,
    created_at_ms: c.createdAtMs,
    updated_at_ms: c.updatedAtMs,
    submitted_at_ms: c.submittedAtMs,
    authorized_at_ms: c.authorizedAtMs,
    scheduled_start_ms: c.scheduledStartMs,
    scheduled_end_ms: c.scheduledEndMs,
    implemented_at_ms: c.implementedAtMs,
    implementer: c.implementer,
    completed_at_ms: c.completedAtMs,
    outcome: c.outcome,
    closed_at_ms: c.closedAtMs,
    risk_points: c.risk?.points ?? null,
    risk_level: c.risk?.level ?? null,
    risk_json: c.risk ? toJson(c.risk) : null,
    risk_input_json: c.riskInput ? toJson(c.riskInput) : null,
    requirements_json: c.requirements ? toJson(c.requirements) : null,
    review_reasons_json: toJson(c.reviewReasons),
    budget_remaining_at_implement: c.budgetRemainingAtImplement,
  };
}

export interface ChangeFilter {
  service?: string;
  environment?: string;
  states?: ChangeState[];
  /** Only changes created at or after this, ms. */
  createdSinceMs?: number;
  limit?: number;
}

function toApproval(r: Selectable<ChangeTables['change_approvals']>): ApprovalRow {
  return {
    id: r.id,
    changeId: r.change_id,
    cycle: Number(r.cycle),
    user: r.actor,
    role: r.role,
    decision: r.decision,
    groups: fromJson<string[]>(r.groups_json),
    comment: r.comment ?? null,
    atMs: Number(r.at_ms),
  };
}

function toReview(r: Selectable<ChangeTables['change_reviews']>): ReviewRow {
  return { id: r.id, changeId: r.change_id, kind: r.kind, user: r.actor, summary: r.summary, late: Number(r.late) === 1, atMs: Number(r.at_ms) };
}

/**
 * What ChangeService, the authorizer and the reports ask of the change tables. Reads take the
 * caller's transaction when they must see its writes. Fake: testing/fake-change-store.ts.
 */
export interface ChangeStorePort {
  /** Creates a change request with the next id (CHG-000001, …). */
  insert(trx: Tx, c: Omit<ChangeRequest, 'id'>): Promise<ChangeRequest>;
  /** Compare-and-set on `rowVersion`: a stale update is a ConflictError (rule `stale-update`). */
  update(trx: Tx, c: ChangeRequest): Promise<ChangeRequest>;
  /** Accepts `chg-12` for `CHG-000012`. */
  find(id: string, q?: Tx): Promise<ChangeRequest | undefined>;
  /** As find, or NotFoundError. */
  get(id: string, q?: Tx): Promise<ChangeRequest>;
  /** Newest first. */
  list(f?: ChangeFilter, q?: Tx): Promise<ChangeRequest[]>;
  addApproval(trx: Tx, a: Omit<ApprovalRow, 'id'>): Promise<ApprovalRow>;
  /** Oldest first; `cycle` limits to one submission round. */
  approvals(changeId: string, cycle?: number, q?: Tx): Promise<ApprovalRow[]>;
  addReview(trx: Tx, r: Omit<ReviewRow, 'id'>): Promise<ReviewRow>;
  /** Oldest first. */
  reviews(changeId: string, q?: Tx): Promise<ReviewRow[]>;
}

/** The change tables. Reads take a Db or a transaction; writes a transaction. */
export class ChangeStore implements ChangeStorePort {
  private readonly db: Kysely<ChangeTables>;

  constructor(db: Db) {
    this.db = tablesOf<ChangeTables>(db);
  }

  /** The caller's transaction (or handle), narrowed to this capability's tables; else the store's own. */
  private on(q: Db | undefined): Kysely<ChangeTables> {
    return q ? tablesOf<ChangeTables>(q) : this.db;
  }

  /** Creates a change request with the next id (CHG-000001, …). */
  async insert(trx: Tx, c: Omit<ChangeRequest, 'id'>): Promise<ChangeRequest> {
    await lockKey(trx, CHANGE_SEQ_LOCK);
    const q = this.on(trx);
    const last = await q.selectFrom('change_requests').select('seq').orderBy('seq', 'desc').limit(1).executeTakeFirst();
    const seq = last ? Number(last.seq) + 1 : 1;
    const full: ChangeRequest = { ...c, id: `CHG-${String(seq).padStart(6, '0')}` };
    await q
      .insertInto('change_requests')
      .values({ ...toRow(full), seq })
      .execute();
    return full;
  }

  /**
   * Stores `c` if nobody updated the change since `c.rowVersion` was read; returns it with the
   * version bumped. A lost race (two approvers, approve against reject) is a ConflictError (409).
   */
  async update(trx: Tx, c: ChangeRequest): Promise<ChangeRequest> {
    const next = { ...c, rowVersion: c.rowVersion + 1 };
    const { id, ...rest } = toRow(next);
    const r = await this.on(trx).updateTable('change_requests').set(rest).where('id', '=', id).where('row_version', '=', c.rowVersion).executeTakeFirst();
    if (Number(r.numUpdatedRows) !== 1) {
      throw new ConflictError(`change request ${c.id} was changed by someone else meanwhile; look at it again (shipgate change show ${c.id}) and retry`, {
        rule: 'stale-update',
      });
    }
    return next;
  }

  async find(id: string, q?: Db | Tx): Promise<ChangeRequest | undefined> {
    const m = /^chg-(\d+)$/i.exec(id.trim());
    const canonical = m ? `CHG-${String(Number(m[1])).padStart(6, '0')}` : id;
    const r = await this.on(q).selectFrom('change_requests').selectAll().where('id', '=', canonical).executeTakeFirst();
    return r ? toChange(r) : undefined;
  }

  async get(id: string, q?: Db | Tx): Promise<ChangeRequest> {
    const c = await this.find(id, q);
    if (!c) throw new NotFoundError(`change request "${id}" not found (ids look like CHG-000001; see shipgate change list)`);
    return c;
  }

  async list(f: ChangeFilter = {}, q?: Db | Tx): Promise<ChangeRequest[]> {
    let s = this.on(q).selectFrom('change_requests').selectAll().orderBy('seq', 'desc');
    if (f.service) s = s.where('service', '=', f.service);
    if (f.environment) s = s.where('environment', '=', f.environment);
    if (f.states?.length) s = s.where('state', 'in', f.states);
    if (f.createdSinceMs !== undefined) s = s.where('created_at_ms', '>=', f.createdSinceMs);
    if (f.limit) s = s.limit(f.limit);
    return (await s.execute()).map(toChange);
  }

  async addApproval(trx: Tx, a: Omit<ApprovalRow, 'id'>): Promise<ApprovalRow> {
    const row: ApprovalRow = { ...a, id: newId('apr', a.atMs) };
    await this.on(trx)
      .insertInto('change_approvals')
      .values({
        id: row.id,
        change_id: row.changeId,
        cycle: row.cycle,
        actor: row.user,
        role: row.role,
        decision: row.decision,
        groups_json: toJson(row.groups),
        comment: row.comment,
        at_ms: row.atMs,
      })
      .execute();
    return row;
  }

  /** Approvals and rejections of a change, oldest first; `cycle` limits to one submission round. */
  async approvals(changeId: string, cycle?: number, q?: Db | Tx): Promise<ApprovalRow[]> {
    let s = this.on(q).selectFrom('change_approvals').selectAll().where('change_id', '=', changeId).orderBy('at_ms').orderBy('id');
    if (cycle !== undefined) s = s.where('cycle', '=', cycle);
    return (await s.execute()).map(toApproval);
  }

  async addReview(trx: Tx, r: Omit<ReviewRow, 'id'>): Promise<ReviewRow> {
    const row: ReviewRow = { ...r, id: newId('rev', r.atMs) };
    await this.on(trx)
      .insertInto('change_reviews')
      .values({ id: row.id, change_id: row.changeId, kind: row.kind, actor: row.user, summary: row.summary, late: row.late ? 1 : 0, at_ms: row.atMs })
      .execute();
    return row;
  }

  async reviews(changeId: string, q?: Db | Tx): Promise<ReviewRow[]> {
    const rows = await this.on(q).selectFrom('change_reviews').selectAll().where('change_id', '=', changeId).orderBy('at_ms').orderBy('id').execute();
    return rows.map(toReview);
  }
}
