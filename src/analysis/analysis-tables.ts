/** The analysis capability's tables as analysis-store.ts's migrations create them (bigint read as numbers, JSON as text). */
export interface AnalysisTables {
  analysis_runs: {
    id: string;
    template: string;
    service: string;
    environment: string;
    route: string;
    baseline_version: string;
    canary_version: string;
    judge: string;
    started_at_ms: number;
    updated_at_ms: number;
    verdict: string | null;
    decided_at: number | null;
    reason: string;
    spec: string;
    state: string;
  };
  analysis_intervals: {
    run_id: string;
    idx: number;
    from_ms: number;
    to_ms: number;
    verdict: string;
    phase: string | null;
    input: string;
    record: string;
  };
}
