import type { ChangeOutcome, ChangeState, ChangeType } from './change-state-machine';
import type { ChangeKind } from './risk-points';

/**
 * The change capability's tables as change-migrations.ts creates them. bigint columns read as
 * numbers on both stores (src/store/db.ts); `irreversible` and `late` are 0 or 1; `*_json` are
 * JSON text. Text columns that only ever hold one of a closed set of words are typed with it.
 */
export interface ChangeTables {
  change_requests: {
    id: string;
    seq: number;
    service: string;
    environment: string;
    environment_kind: 'dev' | 'staging' | 'production';
    type: ChangeType;
    kind: ChangeKind;
    title: string;
    description: string | null;
    rollback_plan: string | null;
    oncall: string | null;
    irreversible: number;
    lines_changed: number | null;
    version: string | null;
    state: ChangeState;
    author: string;
    cycle: number;
    created_at_ms: number;
    updated_at_ms: number;
    submitted_at_ms: number | null;
    authorized_at_ms: number | null;
    scheduled_start_ms: number | null;
    scheduled_end_ms: number | null;
    implemented_at_ms: number | null;
    implementer: string | null;
    completed_at_ms: number | null;
    outcome: ChangeOutcome | null;
    closed_at_ms: number | null;
    risk_points: number | null;
    risk_level: string | null;
    risk_json: string | null;
    risk_input_json: string | null;
    requirements_json: string | null;
    review_reasons_json: string | null;
    budget_remaining_at_implement: number | null;
    // 202612031350_change_binding
    row_version: number;
    artifact: string | null;
    config_hash: string | null;
    template: string | null;
    run_id: string | null;
    emergency_reason: string | null;
  };
  change_approvals: {
    id: string;
    change_id: string;
    cycle: number;
    actor: string;
    role: string;
    decision: 'approve' | 'reject';
    groups_json: string;
    comment: string | null;
    at_ms: number;
  };
  change_reviews: {
    id: string;
    change_id: string;
    kind: 'compensating' | 'post-implementation';
    actor: string;
    summary: string;
    late: number;
    at_ms: number;
  };
}
