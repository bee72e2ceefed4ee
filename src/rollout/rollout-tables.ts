/**
 * The rollout capability's tables as its migrations (rollout-store.ts) create them. bigint
 * columns read as numbers on both stores (src/store/db.ts); `active` is 0 or 1; `config`,
 * `secret_keys` and `body` are JSON text.
 */
export interface RolloutTables {
  rollout_revisions: {
    id: string;
    service: string;
    environment: string;
    number: number;
    version: string;
    artifact: string;
    /** JSON object of config values. */
    config: string;
    digest: string;
    /** ISO-8601. */
    created_at: string;
    /** JSON list of the config keys given as secrets; null = none. */
    secret_keys: string | null;
  };
  rollout_runs: {
    id: string;
    service: string;
    environment: string;
    phase: string;
    /** 1 while the run is not completed or rolled back (unique per service and environment). */
    active: number;
    from_revision: string | null;
    to_revision: string;
    step_index: number;
    /** JSON of the RunState without its steps. */
    body: string;
    version: number;
    created_at: number;
    updated_at: number;
    finished_at: number | null;
  };
  rollout_steps: {
    run_id: string;
    idx: number;
    kind: string;
    label: string;
    status: string;
    started_at: number | null;
    finished_at: number | null;
    /** JSON of the step. */
    body: string;
  };
  rollout_markers: {
    id: string;
    at_ms: number;
    service: string;
    environment: string;
    from_revision: string | null;
    to_revision: string;
    event: string;
    run_id: string;
  };
  rollout_leases: {
    run_id: string;
    owner: string;
    expires_at: number;
  };
}
