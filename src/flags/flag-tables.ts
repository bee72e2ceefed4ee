import type { FlagRolloutStatus } from './flag-rollout-plan';
import type { FlagSchedule, ScheduleAction } from './flag-state-store';

/**
 * The flags capability's tables as flag-state-store.ts and flag-rollout-store.ts create them.
 * bigint and double precision read as numbers on both stores (src/store/db.ts); `enabled` is 0, 1
 * or null (no override); `steps` and `judge_state` are JSON text.
 */
export interface FlagTables {
  flag_states: {
    flag: string;
    environment: string;
    enabled: number | null;
    percentage: number | null;
    killed_at_ms: number | null;
    updated_at_ms: number;
    updated_by: string;
  };
  flag_schedules: {
    id: string;
    flag: string;
    environment: string;
    at_ms: number;
    action: ScheduleAction;
    percentage: number | null;
    status: FlagSchedule['status'];
    created_by: string;
    created_at_ms: number;
    done_at_ms: number | null;
  };
  flag_evaluations: {
    flag: string;
    environment: string;
    variant: string;
    count: number;
    first_at_ms: number;
    last_at_ms: number;
  };
  flag_rollouts: {
    id: string;
    flag: string;
    key: string;
    environment: string;
    steps: string;
    step_index: number;
    interval_ms: number;
    template: string;
    status: FlagRolloutStatus;
    step_started_ms: number;
    judged_until_ms: number;
    judge_state: string | null;
    reason: string;
    created_by: string;
    created_ms: number;
    updated_ms: number;
    change_id: string | null;
  };
}
