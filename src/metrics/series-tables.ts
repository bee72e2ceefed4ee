/** The builtin series tables as series-store.ts's migration creates them (bigint and double read as numbers). */
export interface SeriesTables {
  router_buckets: {
    route: string;
    version: string;
    start_ms: number;
    /** 1 for mirrored traffic. */
    mirror: number;
    requests: number;
    errors: number;
    /** JSON of counts per code class. */
    counts: string;
    /** JSON of latency histogram counts. */
    latency: string;
  };
  series_points: {
    series: string;
    /** Canonical JSON of the label set. */
    labels_key: string;
    t_ms: number;
    value: number;
  };
}
