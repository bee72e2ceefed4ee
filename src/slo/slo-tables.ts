/** The slo capability's tables as slo-store.ts's migrations create them (bigint read as numbers). */
export interface SloTables {
  slo_alert_states: {
    key: string;
    /** JSON of an AlertState. */
    state: string;
    updated_ms: number;
  };
  slo_postmortems: {
    id: string;
    service: string;
    slo: string;
    reference: string;
    budget_share: number;
    from_ms: number;
    to_ms: number;
    status: 'pending' | 'done';
    created_ms: number;
  };
}
