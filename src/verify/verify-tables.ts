/** The verify capability's table, as evidence-store.ts's migration creates it (bigint read as numbers, JSON as text). */
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
}
