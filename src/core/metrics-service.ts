/**
 * The contract of the builtin time series (HOOKS.metrics): router buckets and pushed points, and
 * the values both sides of it use. Lives in core so hooks.ts names it without importing the
 * metrics capability; src/metrics/types.ts re-exports it for the capability's own files.
 */
import type { Tx } from '../store/db';

/** Sparse latency histogram counts by bucket index (src/metrics/latency-histogram.ts). */
export type HistogramCounts = Record<number, number>;

/** Response classes the router counts. `connect_error` and `timeout` never reached a status. */
export const CODE_CLASSES = ['2xx', '3xx', '4xx', '5xx', 'connect_error', 'timeout'] as const;
export type CodeClass = (typeof CODE_CLASSES)[number];

/** Length of one router bucket, ms (see ARCHITECTURE.md, "Time series"). */
export const BUCKET_MS = 10_000;

/**
 * What a router reports per route and version per 10-second bucket. Routers push these to the
 * server (`POST /api/v1/router/stats`); the in-process router hands them over directly.
 */
export interface RouterBucket {
  route: string;
  version: string;
  /** Bucket start, ms since epoch, a multiple of BUCKET_MS. */
  startMs: number;
  /** Requests by class; the total is their sum. */
  counts: Partial<Record<CodeClass, number>>;
  /** Latency of responses (any status), ms. */
  latency: HistogramCounts;
  /** True for mirrored copies (their responses were discarded). */
  mirror?: boolean;
}

/** Sum of a version's traffic over a window. */
export interface VersionWindow {
  requests: number;
  /** 5xx + connect errors + timeouts: what users experienced as failures. */
  errors: number;
  counts: Partial<Record<CodeClass, number>>;
  latency: HistogramCounts;
}

/** One point of a pushed series: counters are increments at `tMs`. */
export interface SeriesPoint {
  series: string;
  labels: Record<string, string>;
  tMs: number;
  value: number;
}

/**
 * The builtin time-series store every capability reads (router buckets and pushed series), so the
 * numbers on every screen agree. Offered as HOOKS.metrics.
 */
export interface MetricsService {
  /** Stores router buckets; buckets for the same (route, version, start) add up. Idempotent per reporter is not required. */
  ingestRouterBuckets(buckets: RouterBucket[], trx?: Tx): Promise<void>;
  /** Per-version totals for a route over [fromMs, toMs). */
  routerWindow(q: { route: string; version?: string; fromMs: number; toMs: number }): Promise<VersionWindow>;
  /** Per-bucket series for a route and version over [fromMs, toMs), oldest first. */
  routerSeries(q: { route: string; version?: string; fromMs: number; toMs: number }): Promise<(VersionWindow & { startMs: number })[]>;
  /** Stores pushed points; with `trx`, in the caller's transaction (to audit the push in it). */
  ingestPoints(points: SeriesPoint[], trx?: Tx): Promise<void>;
  /** Sum of a pushed series over [fromMs, toMs), labels matching as a subset. */
  sumSeries(q: { series: string; labels?: Record<string, string>; fromMs: number; toMs: number }): Promise<number>;
  /** Sums per step of `stepMs` over [fromMs, toMs), oldest first (one read for a whole range). */
  sumSeriesSteps(q: { series: string; labels?: Record<string, string>; fromMs: number; toMs: number; stepMs: number }): Promise<number[]>;
}
