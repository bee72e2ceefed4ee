/**
 * The TrafficRouter port: how a rollout moves users between revisions. Adapters: the built-in
 * router (RouteTable resources); nginx or Gateway API HTTPRoute fit the same shape.
 *
 * Unlike a method per concern (weights, header routes, mirror), `apply` takes a route's whole
 * managed state so one change is one atomic update of the data plane: a rollback never shows users
 * a half-applied mix of old weights and new header routes.
 */

/** One version behind a route. */
export interface WeightedBackend {
  /** Version label the router reports metrics under. */
  version: string;
  /** Share of traffic, percent 0..100 (the backends of a route sum to 100). */
  weightPercent: number;
  /** Base URLs of the version's instances (adapters that route to services ignore them). */
  instances: string[];
}

export interface TrafficState {
  backends: WeightedBackend[];
  /** Requests with `header: value` go to `version` whatever the weights. */
  headerRoutes: { header: string; value: string; version: string }[];
  /** A copy of `percent` of requests also goes to `version`; its responses are discarded. */
  mirror: { version: string; percent: number } | null;
}

/**
 * A fault injected for a chaos experiment on a route or one of its versions, to a share of
 * requests. Past `expiresAtMs` (ms since epoch) the data plane ignores it.
 */
export interface TrafficFault {
  delay?: { percent: number; delayMs: number };
  abort?: { percent: number; status: number };
  /** The client's connection is reset (TCP RST), no answer. */
  reset?: { percent: number };
  expiresAtMs?: number;
}

export interface TrafficRouter {
  /** Replaces the managed state of `route` in one atomic change. Idempotent. */
  apply(route: string, state: TrafficState, actor: string): Promise<void>;
  /** What the adapter last applied to `route`, or null when it manages nothing there. */
  current(route: string): Promise<TrafficState | null>;
  /**
   * Whether the data plane serves `state` now: true, false, or null when the adapter cannot tell
   * (unsupported), as in Argo Rollouts.
   */
  verifyWeight(route: string, state: TrafficState): Promise<boolean | null>;
  /** Forgets everything the adapter manages on `route`. Idempotent. */
  removeManagedRoutes(route: string, actor: string): Promise<void>;
  /**
   * Sets (or with null removes) the fault of `route`, or of one `version` of it, leaving weights,
   * header routes and every other setting as they are; returns the fault it replaced. Optional:
   * an adapter without fault injection leaves it out.
   */
  setFault?(route: string, version: string | null, fault: TrafficFault | null, actor: string): Promise<{ previous: TrafficFault | null }>;
}
