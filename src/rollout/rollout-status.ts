import { quantile } from '../metrics/latency-histogram';
import type { MetricsService } from '../metrics/types';
import type { DeployTarget } from '../targets/deploy-target';
import type { TrafficRouter } from '../traffic/traffic-router';
import type { Revision } from './revision';
import type { RolloutStore } from './rollout-store';
import { analysisRunId, appliedCanaryWeight, currentStep, type LoadTestRun, type RunState } from './run-state';
import { backendNames } from './traffic-plan';

/** Live figures of one version over the recent window. */
export interface VersionLive {
  version: string;
  revision: string;
  role: 'stable' | 'canary';
  weightPercent: number | null;
  instances: { ready: number; desired: number; restarts: number; failed: boolean };
  requestsPerSecond: number | null;
  errorRate: number | null;
  p99Ms: number | null;
}

export interface RunView {
  id: string;
  service: string;
  environment: string;
  strategy: string;
  phase: string;
  pausedBy: string | null;
  fromRevision: string | null;
  toRevision: string;
  fromVersion: string | null;
  toVersion: string;
  step: { index: number; label: string; status: string; message?: string } | null;
  steps: {
    index: number;
    kind: string;
    label: string;
    status: string;
    startedAtMs: number | null;
    finishedAtMs: number | null;
    message?: string;
    verdicts: string[];
    analysisRun?: string;
    loadTestRun?: LoadTestRun;
  }[];
  rollback: RunState['rollback'];
  canaryTrafficAtMs: number | null;
  createdAtMs: number;
  finishedAtMs: number | null;
  lastError: string | null;
  actor: string;
  changeId: string | null;
}

export interface StatusView {
  run: RunView | null;
  versions: VersionLive[];
  /** The route's split as stored, if the traffic router can tell. */
  traffic: { version: string; weightPercent: number }[] | null;
}

export function runView(r: RunState): RunView {
  const s = currentStep(r);
  return {
    id: r.id,
    service: r.service,
    environment: r.environment,
    strategy: r.strategy,
    phase: r.phase,
    pausedBy: r.pausedBy,
    fromRevision: r.fromRevision,
    toRevision: r.toRevision,
    fromVersion: r.fromVersion,
    toVersion: r.toVersion,
    step: s ? { index: s.index, label: s.label, status: s.status, message: s.message } : null,
    steps: r.steps.map((x) => ({
      index: x.index,
      kind: x.kind,
      label: x.label,
      status: x.status,
      startedAtMs: x.startedAtMs,
      finishedAtMs: x.finishedAtMs,
      message: x.message,
      verdicts: x.measurements.map((m) => m.verdict),
      // `shipgate analysis show <analysisRun>` tells how the step was judged.
      ...(x.kind === 'analysis' && x.startedAtMs !== null ? { analysisRun: analysisRunId(r, x) } : {}),
      ...(x.loadTestRun ? { loadTestRun: x.loadTestRun } : {}),
    })),
    rollback: r.rollback,
    canaryTrafficAtMs: r.canaryTrafficAtMs,
    createdAtMs: r.createdAtMs,
    finishedAtMs: r.finishedAtMs,
    lastError: r.lastError,
    actor: r.actor,
    changeId: r.changeId,
  };
}

/** Window the live figures cover, ms. */
export const LIVE_WINDOW_MS = 30_000;

export async function buildStatus(input: {
  store: RolloutStore;
  run: RunState | undefined;
  stable: Revision | undefined;
  target: DeployTarget | undefined;
  traffic: TrafficRouter;
  metrics: MetricsService | undefined;
  route: string;
  nowMs: number;
}): Promise<StatusView> {
  const { run, store, nowMs } = input;
  const revs: { rev: Revision; role: 'stable' | 'canary' }[] = [];
  if (run && !(run.phase === 'completed' || run.phase === 'rolledBack')) {
    if (run.fromRevision) revs.push({ rev: (await store.revision(run.fromRevision))!, role: 'stable' });
    revs.push({ rev: (await store.revision(run.toRevision))!, role: 'canary' });
  } else if (input.stable) revs.push({ rev: input.stable, role: 'stable' });
  const from = revs.find((r) => r.role === 'stable')?.rev ?? null;
  const to = revs.find((r) => r.role === 'canary')?.rev;
  const names = to ? backendNames(from, to) : { stable: from?.version ?? null, canary: '' };
  const current = await input.traffic.current(input.route).catch(() => null);
  const versions: VersionLive[] = [];
  for (const { rev, role } of revs) {
    const name = role === 'stable' ? names.stable! : names.canary;
    const h = input.target ? await input.target.health(rev) : { desired: 0, ready: 0, restarts: 0, failed: false };
    const w = input.metrics
      ? await input.metrics.routerWindow({ route: input.route, version: name, fromMs: nowMs - LIVE_WINDOW_MS, toMs: nowMs + 1 })
      : undefined;
    const weight = current?.backends.find((b) => b.version === name)?.weightPercent ?? (run && role === 'canary' ? appliedCanaryWeight(run) : null);
    versions.push({
      version: name,
      revision: rev.id,
      role,
      weightPercent: weight,
      instances: { ready: h.ready, desired: h.desired, restarts: h.restarts, failed: h.failed },
      requestsPerSecond: w ? Math.round((w.requests / (LIVE_WINDOW_MS / 1000)) * 10) / 10 : null,
      errorRate: w && w.requests ? Math.round((w.errors / w.requests) * 10_000) / 10_000 : null,
      p99Ms: w && w.requests ? quantile(w.latency, 0.99) : null,
    });
  }
  return {
    run: run ? runView(run) : null,
    versions,
    traffic: current ? current.backends.map((b) => ({ version: b.version, weightPercent: b.weightPercent })) : null,
  };
}
