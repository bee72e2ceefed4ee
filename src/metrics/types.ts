// The contract lives in core (hooks.ts names it); re-exported here for the metrics capability's importers.
export { BUCKET_MS, CODE_CLASSES } from '../core/metrics-service';
export type { CodeClass, MetricsService, RouterBucket, SeriesPoint, VersionWindow } from '../core/metrics-service';
