/** The verify capability's tables, as evidence-store.ts's and synthetic-store.ts's migrations create them (bigint read as numbers, JSON as text). */
export interface VerifyTables {
  verify_evidence: {
    id: string;
    service: string;
    version: string;
    artifact: string;
    kind: string;
    /** pass | fail */
    verdict: string;
    summary: string;
    inputs: string;
    result: string;
    /** 0 | 1 */
    irreversible: number;
    recorded_ms: number;
    recorded_by: string;
    /** The contract's other party (pact: the consumer), '' for other kinds. */
    counterpart: string;
    counterpart_version: string;
  };
  /** Scheduled SyntheticCheck runs, the latest 200 per check. */
  synthetic_runs: {
    id: string;
    check_name: string;
    environment: string;
    version: string;
    /** 0 | 1 */
    ok: number;
    started_ms: number;
    duration_ms: number;
    /** JSON of the SyntheticResult. */
    result: string;
  };
  /** Runs of chaos Experiments with their journals (chaos/experiment-store.ts). */
  experiment_runs: {
    id: string;
    experiment: string;
    service: string;
    environment: string;
    status: string;
    actor: string;
    started_ms: number;
    ended_ms: number | null;
    heartbeat_ms: number;
    summary: string;
    spec: string;
    journal: string;
    faults: string;
  };
}
