/**
 * Services capabilities offer one another through `ctx.services` (ServiceRegistry), by name.
 * A consumer must cope with `undefined` (the provider may not be installed), so capabilities can
 * land in any order. Only the contract lives here; each provider implements it in its own folder.
 */
import type { Principal } from '../auth/roles';
import type { Tx } from '../store/db';
import type { MetricsService } from './metrics-service';

/** Name → contract. */
export const HOOKS = {
  /** Per-version request series (router buckets and pushed points). Provider: metrics. */
  metrics: 'metrics',
  /** Judges one interval of a rollout's analysis step, from a template or stated inline. Provider: analysis. */
  analysisStep: 'analysis.step',
  /** "May this service ship to this environment now?" from SLOs and error budget policy. Provider: slo. */
  releaseGate: 'slo.gate',
  /** Page-level burn on a service's SLOs, checked by a running rollout as a rollback trigger. Provider: slo. */
  burnSignal: 'slo.burn',
  /**
   * The one authorisation path: every way to change what users get asks here first (role, error
   * budget policy, windows, change request). Provider: change.
   */
  authorizer: 'change.authorizer',
  /** What a release of a version would run: the binding an approval covers. Provider: rollout. */
  revisionPreview: 'rollout.revisionPreview',
  /** Recent deploy markers (time, service, environment, from/to revision). Provider: rollout. */
  deployMarkers: 'rollout.markers',
  /** What serves in each environment now: the revision of each service's latest completed release. Provider: rollout. */
  deployments: 'rollout.deployments',
  /** Live process instances of a service in an environment, and a signal to one of them (chaos experiments). Provider: rollout. */
  instances: 'rollout.instances',
  /** Notifications written in the caller's transaction and sent after commit (Outbox). Provider: outbox. */
  outbox: 'outbox',
  /** Verification evidence recorded against revisions, and what a release lacks. Provider: verify. */
  verifyEvidence: 'verify.evidence',
  /** Runs a service's smoke SyntheticChecks against one instance (post-promotion window). Provider: verify. */
  smokeChecks: 'verify.smoke',
  /** Alerts from outside monitoring (Alertmanager) that concern a release (rollback trigger externalAlert). Provider: ops. */
  externalAlerts: 'ops.externalAlerts',
  /** Sequential judgement of error counts, interval by interval, with an AnalysisTemplate (guarded flag rollouts). Provider: analysis. */
  countJudge: 'analysis.countJudge',
  /**
   * The service dependency graph and environment kinds, as the catalog's Service and Environment
   * resources declare them (GraphHook). Provider: catalog.
   */
  graph: 'catalog.graph',
  /** The router running inside this server process (`--router`, or one the embedded starter made). Provider: router. */
  inProcessRouter: 'router.inprocess',
  /** Starts, or finds, a router in this process fed from the stored RouteTables (demo, fixtures). Provider: router. */
  embeddedRouter: 'router.embedded',
  /** Sends a fixed-rate open-loop load test at a URL and judges it with thresholds (a Rollout's `loadTest` step). Provider: verify. */
  loadTest: 'verify.loadTest',
  /** The forecast peak request rate of a service in an environment within a horizon. Provider: capacity. */
  capacityPeak: 'capacity.peak',
  /** Instances a release needs at the forecast peak from one instance's capacity (a Rollout's `spec.capacity`). Provider: capacity. */
  capacityPlan: 'capacity.plan',
  /** CapacityReservations: the instances reserved for a service when. Provider: capacity. */
  reservations: 'capacity.reservations',
  /** Passing BackupChecks of a database: an irreversible migration needs one newer than its approval. Provider: dr. */
  backupChecks: 'dr.backups',
  /** Drills of a service that are overdue (no passing run since they fell due). Provider: dr. */
  drills: 'dr.drills',
  /** Releases and aborts on behalf of a person, and what a run did (a rollback drill). Provider: rollout. */
  releaseActions: 'rollout.actions',
  /** Scales the serving revision of a service outside a release (a reservation's pre-warming). Provider: rollout. */
  scaler: 'rollout.scaler',
  /** Memory-leak findings on revisions (a Rollout's `memoryLeak` rollback trigger). Provider: capacity. */
  memoryFindings: 'capacity.memoryFindings',
  /** Whether the databases a service's pools reach have room for its release's peak of instances. Provider: capacity. */
  poolCheck: 'capacity.pools',
} as const;

/**
 * Key → contract: `ctx.services.get(HOOKS.x)` returns `HookTypes[typeof HOOKS.x] | undefined` and
 * `provide(HOOKS.x, impl)` checks `impl` against it. One line per key. A service private to one
 * capability (not a contract between capabilities) may add its key from its own folder with
 * `declare module '../core/hooks' { interface HookTypes { 'x.y': Impl } }`, so core names no
 * concrete class.
 */
export interface HookTypes {
  [HOOKS.metrics]: MetricsService;
  [HOOKS.analysisStep]: AnalysisStep;
  [HOOKS.releaseGate]: ReleaseGate;
  [HOOKS.burnSignal]: BurnSignal;
  [HOOKS.authorizer]: Authorizer;
  [HOOKS.revisionPreview]: RevisionPreview;
  [HOOKS.deployMarkers]: DeployMarkers;
  [HOOKS.deployments]: Deployments;
  [HOOKS.instances]: ServiceInstances;
  [HOOKS.outbox]: Outbox;
  [HOOKS.inProcessRouter]: InProcessRouter;
  [HOOKS.embeddedRouter]: EmbeddedRouterStarter;
  [HOOKS.verifyEvidence]: VerifyEvidence;
  [HOOKS.smokeChecks]: SmokeChecks;
  [HOOKS.externalAlerts]: ExternalAlerts;
  [HOOKS.countJudge]: CountJudge;
  [HOOKS.graph]: GraphHook;
  [HOOKS.loadTest]: LoadTestRunner;
  [HOOKS.capacityPeak]: CapacityPeak;
  [HOOKS.poolCheck]: PoolCheck;
  [HOOKS.capacityPlan]: CapacityPlan;
  [HOOKS.memoryFindings]: MemoryFindings;
  [HOOKS.reservations]: Reservations;
  [HOOKS.scaler]: Scaler;
  [HOOKS.releaseActions]: ReleaseActions;
  [HOOKS.backupChecks]: BackupChecksHook;
  [HOOKS.drills]: DrillsHook;
}

export interface DrillsHook {
  /** The service's Drills (any environment) due before `atMs` with no passing run since. */
  overdue(q: { service: string; atMs: number }): Promise<{ name: string; environment: string; dueAtMs: number }[]>;
}

export interface BackupChecksHook {
  /** The latest passing BackupCheck run of `database` (a Database resource) in `environment`. */
  latestPass(q: { database: string; environment: string }): Promise<{ runId: string; check: string; endedAtMs: number; restoreMs: number | null } | undefined>;
}

/** A run as a drill watches it. */
export interface RunProgress {
  id: string;
  phase: string;
  /** When the new revision first took user traffic. */
  canaryTrafficAtMs: number | null;
  rollback: { reason: string; decidedAtMs: number; trafficRestoredAtMs?: number } | null;
  finishedAtMs: number | null;
}

export interface ReleaseActions {
  /** What serves now, and the route users reach it by (host and path prefix as the route matches). */
  serving(q: { service: string; environment: string }): Promise<{ version: string; revision: string; route: string } | undefined>;
  /** A release through the one authorisation path (RefusedError when refused), as `actor`. */
  release(q: { service: string; environment: string; version: string; set: Record<string, string> }, actor: Principal): Promise<RunProgress>;
  /** Aborts the running release (rolls it back). */
  abort(q: { service: string; environment: string }, actor: Principal): Promise<RunProgress>;
  run(id: string): Promise<RunProgress | undefined>;
}

/** One occurrence of a CapacityReservation. */
export interface ReservedInstances {
  name: string;
  service: string;
  environment: string;
  minInstances: number;
  /** Scaling up starts here (the occurrence's start less its lead time). */
  prewarmFromMs: number;
  startMs: number;
  endMs: number;
  reason?: string;
}

export interface Reservations {
  /** The largest reservation in force for the service at `atMs` (lead time included). */
  reserved(q: { service: string; environment: string; atMs: number }): Promise<ReservedInstances | undefined>;
  /** Every occurrence whose lead time or span overlaps [fromMs, toMs) (the change calendar). */
  during(q: { fromMs: number; toMs: number }): Promise<ReservedInstances[]>;
}

export interface Scaler {
  /**
   * Brings the serving revision of a service to `instances` (traffic moves onto new instances once
   * ready, off old ones before they stop); skipped while a release runs. Audited with `reason`.
   */
  scaleServing(q: { service: string; environment: string; instances: number; reason: string }): Promise<{ from: number; to: number } | { skipped: string }>;
}

export interface MemoryFindings {
  /** The leak found in a revision's memory after its deploy, if any. */
  finding(revision: string): Promise<{ message: string; detectedAtMs: number } | undefined>;
}

/** What a Rollout's `spec.capacity` asks of a release: enough instances for the forecast peak. */
export interface CapacityNeed {
  /** Requests/s one instance serves at its SLO latency. */
  perInstanceRps: number;
  /** Spare capacity over the peak, a fraction. */
  headroom: number;
  horizonMs: number;
  /** Instances the release will run. */
  replicas: number;
}

export interface CapacityPlan {
  /** ⌈peak × (1 + headroom) ÷ per instance⌉ against `replicas`, with the arithmetic; or why there is no forecast. */
  plan(q: { service: string; environment: string } & CapacityNeed): Promise<{ needed: number; fits: boolean; message: string } | { unavailable: string }>;
}

export interface PoolCheck {
  /**
   * Reads each database the service's pools reach (its real limits and connections in use;
   * network I/O, never inside a transaction) and says whether the release's peak fits, with the
   * arithmetic. `unreadable`: a database could not be read (no answer, refused by the egress policy).
   */
  check(q: { service: string; environment: string }): Promise<{ fits: boolean; unreadable: boolean; reasons: string[] }>;
}

/** One load test: `ratePerSec` arrivals a second for `durationMs`, each `method url` with `headers`. */
export interface LoadTestInput {
  url: string;
  method: string;
  headers: Record<string, string>;
  ratePerSec: number;
  durationMs: number;
  timeoutMs: number;
  /** The k6-style threshold text (core/load-thresholds.ts), e.g. `p(99)<500,errors<0.01`. */
  thresholds: string;
  signal?: AbortSignal;
}

/** What a load test found; `passed` when every threshold held. */
export interface LoadTestOutcome {
  passed: boolean;
  /** Scheduled requests (sent or dropped). */
  requests: number;
  /** No answer, timeouts, 5xx and dropped. */
  errors: number;
  achievedRps: number;
  latencyMs: { p50: number; p95: number; p99: number; max: number };
  thresholds: { threshold: string; actual: number | null; limit: number; ok: boolean; reason?: string }[];
  /** One line for people, e.g. `pass: 600 requests at 20.0/s, p99 12.3 ms, 0 errors`. */
  summary: string;
}

export interface LoadTestRunner {
  /** Network I/O for the test's duration; never called inside a transaction. Rejects when aborted. */
  run(input: LoadTestInput): Promise<LoadTestOutcome>;
}

export interface CapacityPeak {
  /** The highest forecast request rate (requests/s) of the service's route in `horizonMs`, or why there is none. */
  peak(q: { service: string; environment: string; horizonMs: number }): Promise<{ rps: number; atMs: number; model: string } | { unavailable: string }>;
}

/** A route as the in-process router serves it: the part other capabilities read (the router's RouteTableSpec has more). */
export interface InProcessRoute {
  name: string;
  backends: { version: string; weight: number }[];
  /** Which requests the route takes: host ("*" any) and path prefix. */
  match?: { host: string; pathPrefix: string };
  /** Requests with `header: value` go to `version` (header names lower-case). */
  headerRoutes?: { header: string; value: string; version: string }[];
}

/** What the router running in this process offers, as far as other capabilities and tests use it. */
export interface InProcessRouter {
  /** Base URL of the proxy once listening, e.g. http://127.0.0.1:8080. */
  url(): string | undefined;
  /** The merged route table in force. */
  current(): { spec: { routes: InProcessRoute[] } };
  /** Request counts per route and version since the router started (mirror copies apart). */
  stats(): { series: { route: string; version: string; mirror: boolean; requests: number }[] };
}

/** A router serving this server's stored RouteTables, as the embedded starter hands it out. */
export interface EmbeddedRouter {
  /** Base URL users send requests to, e.g. http://127.0.0.1:8080. */
  url: string;
  /** True when the router was started by `ensure` (false: the server's own in-process router serves). */
  owned: boolean;
  /** Stops the router if `ensure` started it; a no-op otherwise. */
  close(): Promise<void>;
}

export interface EmbeddedRouterStarter {
  /**
   * Makes sure a router serves the server's route table: the server's own in-process router when
   * it runs one (`--router`), else one started now on `listen` (host:port), fed from the stored
   * RouteTables on every change and reporting its stats to HOOKS.metrics every `flushMs`.
   */
  ensure(listen: string, opts?: { flushMs?: number }): Promise<EmbeddedRouter>;
}

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
  /**
   * Burn rate of one named SLO over the last `windowMs` (its worst objective), e.g. a chaos
   * experiment's steady-state probe; null when the window saw no events. Throws NotFoundError for
   * an SLO that does not exist, InputError for one that cannot be evaluated.
   */
  burnRate?(input: { slo: string; windowMs: number; atMs: number }): Promise<{ burnRate: number | null; reason: string }>;
}

/** Everything that changes what users get, as the one authorisation path names it. */
export const GATE_ACTIONS = ['release', 'retry', 'undo', 'promote', 'flag.enable', 'flag.rollout', 'flag.step', 'route.apply'] as const;
export type GateAction = (typeof GATE_ACTIONS)[number];

/** The revision an approval covers: version, artifact reference and a hash of the whole config. */
export interface RevisionBinding {
  version: string;
  /** Artifact reference; '' when the target's default runs. */
  artifact: string;
  /** SHA-256 (hex) of the revision's config, canonical JSON. */
  configHash: string;
}

/** What an action changes. */
export interface GateSubject {
  service: string;
  environment: string;
  /** For releases, retries and undos: the exact revision that would ship. */
  revision?: RevisionBinding;
  /** A change request the caller names; otherwise one is found or created. */
  changeId?: string;
  /** Asks for an emergency change: the only way past a budget freeze or a freeze window. */
  emergency?: { reason: string };
  /** Words for the change request created for it, e.g. "release shop v2". */
  title?: string;
  /** What kind of change it is, for templates and risk (flags and routes are `config`). */
  kind?: 'code' | 'config' | 'schema' | 'data-migration';
  /** Verifications the caller requires of `revision` (a Rollout's `spec.verify`); ApprovalPolicy rules may add more. */
  verify?: readonly VerificationKindName[];
  /** Instances the release must have for the forecast peak (a Rollout's `spec.capacity` with `require`). */
  capacity?: CapacityNeed;
  /** Instances a release, retry or undo will run (checked against CapacityReservations). */
  instances?: number;
}

/** A granted authorisation: `claim` must run in the transaction that starts the action. */
export interface Authorization {
  changeId: string | null;
  /** Why it was allowed, for people (and the audit event). */
  reasons: string[];
  /**
   * Marks the change request as implemented by `runId` and writes the `gate.allow` audit event,
   * inside the caller's transaction, so the change and the action it authorises commit together.
   */
  claim(trx: Tx, runId: string, opts?: { complete?: boolean }): Promise<void>;
}

export interface Authorizer {
  /**
   * Checks, in order: the actor's role, the error budget policy decision, freeze and maintenance
   * windows, and the change request. Throws RefusedError (code naming the rule) after writing a
   * `gate.refuse` audit event; no network I/O happens inside a transaction.
   */
  authorize(action: GateAction, subject: GateSubject, actor: Principal): Promise<Authorization>;
  /**
   * Prepares the outcome of the change that authorised a run; the returned function runs in the
   * transaction that stores the run's terminal state (reads the error budget before, not inside).
   */
  prepareFinish(changeId: string, outcome: 'successful' | 'failed' | 'rolled-back'): Promise<(trx: Tx) => Promise<void>>;
}

/** What a release would run, computed by the rollout capability (no I/O beyond the store). */
export interface RevisionPreview {
  preview(input: { service: string; environment: string; version: string; artifact?: string; set?: Record<string, string> }): Promise<RevisionBinding>;
}

/** Metrics an inline analysis judges from the router's per-version windows. */
export const INLINE_ANALYSIS_METRICS = ['error-rate', 'p50-latency-ms', 'p95-latency-ms', 'p99-latency-ms', 'mean-latency-ms', 'request-rate'] as const;
export type InlineAnalysisMetric = (typeof INLINE_ANALYSIS_METRICS)[number];

/**
 * A Rollout's inline `analysis:` step, in the provider's terms: an analysis run with the
 * threshold judge whose every measurement reads the window from the step's start, passing after
 * `count` Successful measurements, with the run limits of an AnalysisTemplate.
 */
export interface InlineAnalysis {
  thresholds: {
    name: InlineAnalysisMetric;
    /** Failed when the canary's value is above. */
    max?: number;
    /** Failed when the canary's value is below. */
    min?: number;
    /** Failed when the canary's value exceeds the baseline's over the same window by more than this. */
    maxOverBaseline?: number;
  }[];
  /** Time between measurements, ms. */
  intervalMs: number;
  /** Successful measurements after which the run is Successful. */
  count: number;
  /** Fewer canary requests than this in the window: the measurement is Inconclusive. */
  minRequests: number;
  /** Failed measurements tolerated; one more and the run is Failed. */
  failureLimit: number;
  /** Inconclusive measurements tolerated; one more and the run is Inconclusive. */
  inconclusiveLimit: number;
  /** Error measurements (the metric source broke) tolerated in a row; one more and the run is Error. */
  consecutiveErrorLimit: number;
}

export interface AnalysisStepInput {
  /** Stable id of the analysis run (rollout run id + step index), so results can be stored and resumed. */
  runId: string;
  /** AnalysisTemplate name; or `inline` instead. */
  template?: string;
  /** The analysis itself, when a Rollout step states it inline rather than naming a template. */
  inline?: InlineAnalysis;
  service: string;
  environment: string;
  route: string;
  baselineVersion: string;
  canaryVersion: string;
  /** When the analysis step started, ms since epoch. */
  startedAtMs: number;
  nowMs: number;
}

/** Phase of one measurement: Error = the metric source broke (infrastructure), never a failed release. */
export type AnalysisMeasurementPhase = 'Successful' | 'Failed' | 'Inconclusive' | 'Error';

/** One interval's measurement, with the values its phase was judged on. */
export interface AnalysisMeasurement {
  /** End of the window measured, ms since epoch. */
  atMs: number;
  phase: AnalysisMeasurementPhase;
  /** The canary's requests and errors in the window. */
  requests: number;
  errors: number;
  /** The canary's value per metric (NaN, stored as null, when there was none). */
  values: Record<string, number>;
  /** The baseline's value per metric over the same window. */
  baselineValues: Record<string, number>;
  /** Why it was not Successful, for people; empty when it was. */
  reasons: string[];
}

export interface AnalysisStepResult {
  /** `continue` = not decided yet, ask again next interval. `error` = this call could not judge (provider fault). */
  verdict: 'pass' | 'fail' | 'continue' | 'inconclusive' | 'error';
  /** The analysis run's phase; `Error` (answered as `inconclusive`) means the metric source broke. */
  phase?: 'Running' | AnalysisMeasurementPhase;
  summary: string;
  /** How long until the next evaluation is useful, ms. */
  nextIntervalMs: number;
  /** Measurements this call judged, oldest first. */
  measurements?: AnalysisMeasurement[];
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

/** A revision serving a service in an environment, since its release (or undo) completed. */
export interface Deployment {
  service: string;
  environment: string;
  version: string;
  /** '' when the target's default runs. */
  artifact: string;
  revision: string;
  runId: string;
  sinceMs: number;
  /** The revision's config keys (never their values). */
  configKeys: string[];
}

/** What an environment must share with another for tests there to mean something (a Rollout's `spec.parity`). */
export const PARITY_ASPECTS = ['services', 'dependencies', 'configKeys', 'redundancy', 'routes'] as const;
export type ParityAspect = (typeof PARITY_ASPECTS)[number];

/** A stored Rollout as other capabilities read it. */
export interface RolloutSummary {
  name: string;
  service: string;
  environment: string;
  route: string;
  replicas: number;
  /** Most instances (old and new revisions together) at any step of a release: surge, a canary beside stable, blue-green's double. */
  peakReplicas: number;
  strategy: 'canary' | 'blueGreen' | 'rolling';
  /** Memory one instance may use, bytes (`spec.capacity.memoryLimitMb`). */
  memoryLimitBytes?: number;
  /** What one instance serves and the headroom wanted (`spec.capacity`), when the Rollout states it. */
  capacity?: { perInstanceRps: number; headroom: number; horizonMs: number };
  parity?: { against: string; require: ParityAspect[] };
}

export interface Deployments {
  /** Every (service, environment)'s serving revision, of one environment when named. */
  deployed(environment?: string): Promise<Deployment[]>;
  /** The stored Rollouts, of one environment when named. */
  rollouts(environment?: string): Promise<RolloutSummary[]>;
}

/** One live process instance a process target runs for a service. */
export interface ServiceInstance {
  /** `REVISION#SLOT`, stable while the slot lives. */
  id: string;
  revisionId: string;
  pid: number;
}

export interface ServiceInstances {
  /** The live instances (recorded by the process targets, identity checked) of `service` in `environment`. */
  list(input: { service: string; environment: string }): Promise<ServiceInstance[]>;
  /**
   * Signals one listed instance (its process group) after checking the process at its pid is still
   * that instance; false when it is gone. A killed instance is restarted by its target's supervision.
   */
  signal(input: { service: string; environment: string; id: string }, signal: 'SIGKILL' | 'SIGSTOP' | 'SIGCONT'): Promise<boolean>;
}

/** What verification a release can require (a Rollout's `spec.verify`, an ApprovalPolicy rule). */
export const VERIFICATION_KINDS = ['migration', 'openapi', 'pact', 'canIDeploy', 'scan', 'synthetic', 'perf'] as const;
export type VerificationKindName = (typeof VERIFICATION_KINDS)[number];

/** One verification's latest result for a revision, as other capabilities show it. */
export interface EvidenceSummary {
  kind: VerificationKindName;
  evidenceId: string;
  verdict: 'pass' | 'fail';
  summary: string;
  irreversible: boolean;
  recordedAtMs: number;
  recordedBy: string;
}

export interface VerifyEvidence {
  /**
   * For the revision (service, version, artifact exactly) released to `environment`: what stops
   * each required kind from being satisfied (missing, or the latest record failing; `canIDeploy`
   * judged now from contract evidence and what serves in the environment), and the latest
   * evidence that found an irreversible change (a DROP: two approvers needed). One read.
   */
  assess(
    subject: { service: string; version: string; artifact: string },
    required: readonly VerificationKindName[],
    environment: string,
  ): Promise<{
    problems: { kind: VerificationKindName; problem: 'missing' | 'failing'; message: string; evidenceId?: string }[];
    irreversible: { kind: VerificationKindName; evidenceId: string; summary: string }[];
  }>;
  /** The latest evidence of each kind for the revision (what `change show` lists). */
  latest(subject: { service: string; version: string; artifact: string }): Promise<EvidenceSummary[]>;
}

/**
 * Smoke checks of a revision: SyntheticChecks run against one instance's URL directly, through
 * the egress policy. Network I/O; never called inside a transaction.
 */
export interface SmokeChecks {
  /** The named checks, or every stored check of `service` marked `smoke: true`; a name with no stored check fails. */
  run(q: { service: string; url: string; names?: readonly string[] }): Promise<{ check: string; ok: boolean; failure?: string }[]>;
}

/** Firing alerts received from outside monitoring that concern one release. */
export interface ExternalAlerts {
  /**
   * Alerts firing now that name the service (and the environment and version when they name
   * them) and began at or after `sinceMs`, when the release started.
   */
  firing(r: {
    service: string;
    environment: string;
    version: string;
    sinceMs: number;
  }): Promise<{ name: string; fingerprint: string; severity: string | null; startsAtMs: number; summary: string | null }[]>;
}

/** An environment's kind, as its Environment resource declares it (`spec.kind`). */
export type EnvironmentKind = 'dev' | 'staging' | 'production';

/** One dependency edge seen from one end: the service at the other end, hard (fails with it) or soft (degrades). */
export interface GraphEdgeRef {
  service: string;
  kind: 'hard' | 'soft';
  /** What the dependent does when the dependency fails, when it declares it. */
  fallback?: string;
}

/** A service the catalog declares, as other capabilities need it. */
export interface GraphService {
  name: string;
  /** 1 (most critical) to 4; the Service kind's default 3 when not set. */
  tier: number;
  owner?: string;
  /** Who is on call for it (Service `spec.oncall`). */
  oncall?: string;
  /** A third party Shipgate does not deploy. */
  external: boolean;
  /** Connection pools it declares: per instance, at most `pool` connections to the named Database as `user`. */
  databases: { database: string; pool: number; user?: string }[];
}

/** A service hit when another fails, with a shortest chain of dependencies down to it. */
export interface GraphAffectedService {
  service: string;
  tier?: number;
  /** `[storefront, orders, db-orders]`: all-hard for a hard hit. */
  path: string[];
  /** Kind of each dependency along `path`. */
  kinds: ('hard' | 'soft')[];
  /** Number of dependencies between the two (path length minus one). */
  depth: number;
}

/** Who fails (hard) or degrades (soft) when `service` fails; nearest first, then by name. */
export interface GraphBlastRadius {
  service: string;
  hard: GraphAffectedService[];
  soft: GraphAffectedService[];
}

/**
 * One reading of the catalog: every answer comes from the same Service and Environment resources.
 * Pure and synchronous once read. A service the catalog neither declares nor names as a dependency
 * has no edges, an empty blast radius and is no SPOF.
 */
export interface GraphView {
  /** Declared services, sorted by name. */
  services(): GraphService[];
  /** A declared service; undefined when the catalog does not declare it. */
  service(name: string): GraphService | undefined;
  /** What `service` depends on directly, in declaration order. */
  dependencies(service: string): GraphEdgeRef[];
  /** Services that depend on `service` directly, sorted by name. */
  dependents(service: string): GraphEdgeRef[];
  /** Services `service` depends on hard, directly, sorted by name. */
  hardDependencies(service: string): string[];
  /** Every service with a chain of dependencies down to `service` (the catalog's `graph blast-radius`). */
  blastRadius(service: string): GraphBlastRadius;
  /** Whether `service` is a single point of failure as `graph spof` (without `--env`) reports it. */
  isSpof(service: string): boolean;
  /** The kind its Environment resource declares; undefined when no Environment resource has that name. */
  environmentKind(environment: string): EnvironmentKind | undefined;
}

/** The catalog's dependency graph. Never infer an environment's kind from its name: ask here. */
export interface GraphHook {
  /** Reads the stored Service and Environment resources once (the store only, no network I/O). */
  snapshot(): Promise<GraphView>;
}

/** One interval's counts: users served the baseline (a flag's default variant) and the candidate. */
export interface CountInterval {
  baseline: { requests: number; errors: number };
  canary: { requests: number; errors: number };
}

/**
 * The sequential (anytime-valid) judge of error counts, one interval at a time, with a named
 * AnalysisTemplate's sequential settings and latency tests off. The state is opaque and kept by
 * the caller between intervals (null to start).
 */
export interface CountJudge {
  /** The template's judging interval, ms; undefined when no valid AnalysisTemplate has that name. */
  template(name: string): Promise<{ intervalMs: number } | undefined>;
  /** One more interval; undefined when the template is gone or invalid. */
  step(
    template: string,
    state: unknown,
    interval: CountInterval,
  ): Promise<{ verdict: 'pass' | 'fail' | 'continue'; reason: string; state: unknown } | undefined>;
}
