/** The ops capability's tables, as alert-store.ts's migration creates them. */
export interface OpsTables {
  ops_alerts: {
    fingerprint: string;
    name: string;
    status: string;
    severity: string | null;
    service: string | null;
    environment: string | null;
    version: string | null;
    labels: string;
    annotations: string;
    starts_ms: number;
    ends_ms: number | null;
    generator_url: string | null;
    received_ms: number;
  };
}
