/** What `change show` and the API return for one change request. Pure. */
import type { EvidenceSummary, VerificationKindName } from '../core/hooks';
import type { ApprovalRow, ChangeRequest, ReviewRow } from './change-store';
import { approvalStatus, type ApprovalStatus } from './approval-policy';
import { detectConflicts, type Conflict } from './change-conflicts';
import { EMERGENCY_REVIEW_DUE_MS, isReviewOverdue } from './change-state-machine';
import { hardDepsOf, slotOf, tierOf, type FactsSnapshot } from './change-facts';

export interface ChangeView extends ChangeRequest {
  approvals: ApprovalRow[];
  reviews: ReviewRow[];
  /** Requirements and who met them in the current submission round. */
  approvalStatus: ApprovalStatus | null;
  /** Conflicts of the planned slot (empty while not scheduled). */
  conflicts: Conflict[];
  /** When the retrospective review of an emergency change is due, ms. */
  reviewDueAtMs: number | null;
  reviewOverdue: boolean;
  /**
   * Verification evidence of the bound revision (service, version, artifact): the kinds the
   * approval rules require, and the latest result of each kind recorded.
   */
  verifications: { required: VerificationKindName[]; latest: EvidenceSummary[] };
}

export function buildView(
  c: ChangeRequest,
  f: FactsSnapshot,
  approvals: ApprovalRow[],
  reviews: ReviewRow[],
  others: ChangeRequest[],
  nowMs: number,
  evidence: EvidenceSummary[] = [],
): ChangeView {
  const current = approvals.filter((a) => a.cycle === c.cycle && a.decision === 'approve').map((a) => ({ user: a.user, groups: a.groups }));
  return {
    ...c,
    approvals,
    reviews,
    approvalStatus: c.requirements ? approvalStatus(c.requirements.requirements, current, c.author) : null,
    conflicts: conflictsOf(c, f, others, nowMs),
    reviewDueAtMs: c.type === 'emergency' && c.implementedAtMs !== null ? c.implementedAtMs + EMERGENCY_REVIEW_DUE_MS : null,
    reviewOverdue: isReviewOverdue(c, nowMs),
    verifications: { required: c.requirements?.verifications ?? [], latest: evidence },
  };
}

/** Conflicts of a scheduled change against windows and the other open changes. */
export function conflictsOf(c: ChangeRequest, f: FactsSnapshot, others: ChangeRequest[], nowMs: number): Conflict[] {
  if (c.scheduledStartMs === null || c.state === 'closed' || c.state === 'canceled') return [];
  const slot = slotOf(c, nowMs);
  return detectConflicts({
    change: { id: c.id, service: c.service, environment: c.environment, tier: tierOf(f, c.service), oncall: c.oncall ?? undefined, ...slot },
    hardDependencies: hardDepsOf(f, c.service),
    windows: f.windows,
    others: others
      .filter((o) => o.scheduledStartMs !== null || o.state === 'implement')
      .map((o) => ({
        id: o.id,
        service: o.service,
        environment: o.environment,
        oncall: o.oncall ?? undefined,
        hardDependencies: hardDepsOf(f, o.service),
        ...slotOf({ scheduledStartMs: o.scheduledStartMs ?? o.implementedAtMs, scheduledEndMs: o.scheduledEndMs }, nowMs),
      })),
  });
}
