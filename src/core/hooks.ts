/**
 * Services capabilities offer one another through `ctx.services` (ServiceRegistry), by name.
 * A consumer must cope with `undefined` (the provider may not be installed), so capabilities can
 * land in any order. Only the contract lives here; each provider implements it in its own folder.
 */
import type { Principal } from '../auth/roles';
import type { Tx } from '../store/db';

/** Name → contract. */
export const HOOKS = {
  /** Per-version request series (router buckets and pushed points). Provider: metrics. */
  metrics: 'metrics',
  /** Judges one interval of a rollout's analysis step from a template. Provider: analysis. */
  analysisStep: 'analysis.step',
  /** "May this service ship to this environment now?" from SLOs and error budget policy. Provider: slo. */
  releaseGate: 'slo.gate',
  /** Page-level burn on a service's SLOs, checked by a running rollout as a rollback trigger. Provider: slo. */
  burnSignal: 'slo.burn',
  /** Whether a release may start, from change requests and approvals. Provider: change. */
  changeAuthorization: 'change.authorization',
  /** Recent deploy markers (time, service, environment, from/to revision). Provider: rollout. */
  deployMarkers: 'rollout.markers',
  /** Notifications written in the caller's transaction and sent after commit (Outbox). Provider: outbox. */
  outbox: 'outbox',
} as const;

/** One notification: POSTed as JSON to `url` after the transaction that enqueued it commits. */
export interface OutboxMessage {
  /** What it is, dotted by capability, e.g. `slo.alert`, `change.emergency-page`. */
  kind: string;
  /** http(s) URL, checked by the egress policy (purpose `webhook`) at every delivery attempt. */
  url: string;
  /** JSON body. */
  payload: unknown;
}

/**
 * The outbox: `enqueue` inside the transaction of the state change that causes the notification
 * (it commits or rolls back with it; never send from inside a transaction), then `wake()` after
 * commit so it is sent now rather than at the next poll (about a second). Delivery is at least
 * once, retried with back-off; receivers should deduplicate by a key in the payload.
 */
export interface Outbox {
  /** Writes the message in `trx`; returns its id (e.g. `obx_…`). */
  enqueue(trx: Tx, message: OutboxMessage): Promise<string>;
  /** Asks the sender to look for due messages now. Safe to call any time. */
  wake(): void;
}

/** A decision with the reason a person can read. */
export interface Decision {
  decision: 'allow' | 'requireApproval' | 'freeze' | 'deny';
  reason: string;
  details?: unknown;
}

export interface ReleaseGate {
  evaluate(input: { service: string; environment: string; atMs: number }): Promise<Decision>;
}

export interface BurnSignal {
  /** True when a page-level burn-rate alert fires for any SLO of the service in the environment. */
  pageBurning(input: { service: string; environment: string; atMs: number }): Promise<{ burning: boolean; reason: string }>;
}

export interface ChangeAuthorization {
  /**
   * Called by `shipgate release` before a rollout starts. Returns the change request linked or
   * created for it and whether the rollout may start now.
   */
  authorizeRelease(input: {
    service: string;
    environment: string;
    version: string;
    actor: Principal;
    changeId?: string;
    atMs: number;
  }): Promise<{ allowed: boolean; changeId?: string; reason: string }>;
  /** Called when a release ends, so the change request records its outcome. */
  releaseFinished(input: { changeId: string; outcome: 'successful' | 'failed' | 'rolled-back'; atMs: number; actor: string }): Promise<void>;
}

export interface AnalysisStepInput {
  /** Stable id of the analysis run (rollout run id + step index), so results can be stored and resumed. */
  runId: string;
  /** AnalysisTemplate name. */
  template: string;
  service: string;
  environment: string;
  route: string;
  baselineVersion: string;
  canaryVersion: string;
  /** When the analysis step started, ms since epoch. */
  startedAtMs: number;
  nowMs: number;
}

export interface AnalysisStepResult {
  /** `continue` = not decided yet, ask again next interval. */
  verdict: 'pass' | 'fail' | 'continue' | 'inconclusive' | 'error';
  summary: string;
  /** How long until the next evaluation is useful, ms. */
  nextIntervalMs: number;
  details?: unknown;
}

export interface AnalysisStep {
  evaluate(input: AnalysisStepInput): Promise<AnalysisStepResult>;
}

export interface DeployMarker {
  atMs: number;
  service: string;
  environment: string;
  fromRevision: string | null;
  toRevision: string;
  event: string;
}

export interface DeployMarkers {
  list(filter: { service?: string; environment?: string; sinceMs?: number }): Promise<DeployMarker[]>;
}
