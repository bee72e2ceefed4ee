import type { Revision } from '../core/revision';

/** One running copy of a revision. */
export interface Instance {
  /** Stable within the target, e.g. `shop.production.3#0`. */
  id: string;
  revisionId: string;
  version: string;
  /** Base URL the router sends traffic to, e.g. http://127.0.0.1:41234. */
  url: string;
  /** Passed its readiness check and not known to have failed since. */
  ready: boolean;
  /** OS process id, for targets that run processes. */
  pid?: number;
}

/** How a revision's instances are doing. */
export interface RevisionHealth {
  desired: number;
  ready: number;
  /** Restarts of crashed instances since the revision was deployed on this target. */
  restarts: number;
  /** True once the target gave up (too many restarts, never ready): the revision is unhealthy. */
  failed: boolean;
  reason?: string;
}

/**
 * Where revisions run. Adapters: `process` (spawned commands), `static` (existing URLs); a
 * Kubernetes adapter (Deployments) fits the same shape. Every method is idempotent: calling it
 * twice with the same arguments has the effect of calling it once, so a resumed rollout can
 * repeat the action it was doing when the server stopped.
 */
export interface DeployTarget {
  /**
   * Ensures exactly `replicas` instances of `revision` exist and waits until they are ready
   * (or `readyTimeoutMs` of the target passes, which throws). Idempotent; also scales.
   */
  deploy(revision: Revision, replicas: number): Promise<Instance[]>;
  /** Current instances of a revision (any readiness). */
  instances(revision: Revision): Promise<Instance[]>;
  health(revision: Revision): Promise<RevisionHealth>;
  /** Stops every instance of a revision (gracefully). Idempotent. */
  teardown(revision: Revision): Promise<void>;
  /** Stops supervising (timers, watchers). With `stopInstances`, also stops every instance. */
  close(opts?: { stopInstances?: boolean }): Promise<void>;
}

/** Raised when instances do not become ready in time; the engine treats it as a health failure. */
export class TargetError extends Error {
  readonly brand = 'shipgate.TargetError';
}

export function isTargetError(e: unknown): e is TargetError {
  return typeof e === 'object' && e !== null && (e as TargetError).brand === 'shipgate.TargetError';
}
