/** The audit log's tables as audit-log.ts's migrations create them (bigint read as numbers, ISO-8601 text times). */
export interface AuditTables {
  audit_events: {
    seq: number;
    at: string;
    actor: string;
    action: string;
    kind: string;
    name: string;
    before_hash: string | null;
    after_hash: string | null;
    /** Canonical JSON of the state before, or null. */
    before_json: string | null;
    after_json: string | null;
    /** JSON, or null. */
    details: string | null;
    prev_hash: string;
    hash: string;
  };
  audit_chain_keys: {
    from_seq: number;
    algorithm: string;
    key_id: string | null;
    at: string;
  };
  audit_checkpoints: {
    id: string;
    head_seq: number;
    head_hash: string;
    count: number;
    at: string;
    keyed_from_seq: number | null;
    mac_key_id: string | null;
    public_key: string;
    public_key_fingerprint: string;
    signature: string;
  };
}
