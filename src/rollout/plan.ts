/**
 * Turns a strategy into a flat list of steps, each carrying the absolute state it leads to
 * (instances per revision, traffic split, header routes, mirror). Because every step names where
 * to be rather than what to change, running a step twice has the effect of running it once: the
 * executor can repeat the step it was in when the server stopped. Pure.
 */
import type { AnalysisSpec, CanaryStepSpec, LoadTestStepSpec, StrategySpec } from './rollout-spec';
import { rollingStates, resolveCount } from './rolling-states';

/** Where a step leads: the new revision is "canary", the one serving before is "stable". */
export interface DesiredState {
  canaryReplicas: number;
  stableReplicas: number;
  /** Percent of traffic to the new revision, 0..100; the rest goes to stable. */
  canaryWeightPercent: number;
  /** Requests carrying one of these header values go to the new revision. */
  headerRoutes: { header: string; value: string }[];
  /** Percent of requests copied to the new revision (responses discarded); null for none. */
  mirrorPercent: number | null;
}

export type StepKind = 'converge' | 'pause' | 'analysis' | 'loadTest' | 'drain' | 'watch';

export interface PlanStep {
  kind: StepKind;
  /** For people: `setWeight 10`, `analysis`, `switch`… */
  label: string;
  desired: DesiredState;
  /** For `pause`: how long, ms; null waits for `promote`. For `watch`: the post-promotion window. */
  pauseMs?: number | null;
  analysis?: AnalysisSpec;
  /** For `loadTest`: what to send; `desired` adds its header route (and an instance to reach) for this step only. */
  loadTest?: LoadTestStepSpec;
  /** The step `promote --full` jumps to. */
  promotion?: boolean;
}

/**
 * A release run at `sized` instances rather than the Rollout's `replicas` (pre-scaling): the
 * serving revision is scaled up first (ready before any weight moves), and after the last step
 * (past the post-promotion window, the drain and the old revision's scale-down) the new one goes
 * back to `replicas`.
 */
export function withPreScale(steps: PlanStep[], sized: number, replicas: number, hasStable: boolean): PlanStep[] {
  if (sized <= replicas) return steps;
  const last = steps[steps.length - 1]!.desired;
  const first: PlanStep[] = hasStable ? [{ kind: 'converge', label: `preScale stable to ${sized}`, desired: initial(sized) }] : [];
  return [
    ...first,
    ...steps,
    {
      kind: 'converge',
      label: `scale back to ${replicas}`,
      desired: { ...last, canaryReplicas: replicas, stableReplicas: 0, headerRoutes: [], mirrorPercent: null },
    },
  ];
}

/** Instances of the new revision that carry `weightPercent` of traffic when stable has `replicas`. */
export function replicasForWeight(replicas: number, weightPercent: number): number {
  if (weightPercent <= 0) return 0;
  return Math.min(replicas, Math.max(1, Math.ceil((replicas * weightPercent) / 100 - 1e-9)));
}

const initial = (replicas: number): DesiredState => ({
  canaryReplicas: 0,
  stableReplicas: replicas,
  canaryWeightPercent: 0,
  headerRoutes: [],
  mirrorPercent: null,
});

/**
 * The steps of one release. With no stable revision (the first release of a service) there is no
 * baseline: one step deploys the revision with all the traffic once its instances are ready.
 */
export function planRelease(strategy: StrategySpec, replicas: number, hasStable: boolean, postPromotionWindowMs?: number): PlanStep[] {
  if (!hasStable) {
    return [
      { kind: 'converge', label: 'deploy (first release)', desired: { ...initial(0), canaryReplicas: replicas, canaryWeightPercent: 100 }, promotion: true },
    ];
  }
  const steps =
    'canary' in strategy
      ? planCanary(strategy.canary.steps, replicas)
      : 'blueGreen' in strategy
        ? planBlueGreen(strategy.blueGreen, replicas)
        : planRolling(strategy.rolling, replicas);
  return postPromotionWindowMs === undefined ? steps : withWatch(steps, postPromotionWindowMs);
}

/**
 * The post-promotion window goes after the last step that still keeps the previous revision
 * (promotion, post-promotion analysis, keeping it warm) and before its drain: the new revision
 * serves everyone, the old one stays ready to take them back at once.
 */
function withWatch(steps: PlanStep[], windowMs: number): PlanStep[] {
  const drain = steps.findIndex((s) => s.kind === 'drain');
  const at = drain < 0 ? steps.length : drain;
  const desired = steps[at - 1]?.desired ?? steps[at].desired;
  const watch: PlanStep = { kind: 'watch', label: `post-promotion window ${windowMs / 1000}s`, desired, pauseMs: windowMs };
  return [...steps.slice(0, at), watch, ...steps.slice(at)];
}

/** Closing steps shared by every strategy: all traffic on the new revision, drain, scale the old one down. */
function finish(steps: PlanStep[], replicas: number, promoted?: DesiredState): PlanStep[] {
  const full: DesiredState = promoted ?? {
    canaryReplicas: replicas,
    stableReplicas: replicas,
    canaryWeightPercent: 100,
    headerRoutes: [],
    mirrorPercent: null,
  };
  if (!promoted) steps.push({ kind: 'converge', label: 'promote', desired: full, promotion: true });
  steps.push({ kind: 'drain', label: 'drain stable', desired: full });
  steps.push({ kind: 'converge', label: 'scale down stable', desired: { ...full, stableReplicas: 0 } });
  if (full.canaryReplicas < replicas) {
    steps.push({ kind: 'converge', label: `scale up to ${replicas}`, desired: { ...full, stableReplicas: 0, canaryReplicas: replicas } });
  }
  return steps;
}

function planCanary(spec: CanaryStepSpec[], replicas: number): PlanStep[] {
  const steps: PlanStep[] = [];
  let d = initial(replicas);
  /** Replica count fixed by setCanaryScale; null follows the weight. */
  let scale: number | null = null;
  const canaryCount = (): number => {
    const follow = replicasForWeight(replicas, d.canaryWeightPercent);
    const n = scale ?? follow;
    // Header routes and mirrors need an instance to reach even at 0% weight.
    return (d.headerRoutes.length || d.mirrorPercent) && n === 0 ? 1 : n;
  };
  for (const s of spec) {
    if ('setWeight' in s) {
      d = { ...d, canaryWeightPercent: s.setWeight };
      d.canaryReplicas = Math.max(canaryCount(), s.setWeight > 0 ? 1 : 0);
      steps.push({ kind: 'converge', label: `setWeight ${s.setWeight}`, desired: d });
    } else if ('pause' in s) {
      const ms = s.pause.duration ?? null;
      steps.push({ kind: 'pause', label: ms === null ? 'pause (until promote)' : `pause ${ms / 1000}s`, desired: d, pauseMs: ms });
    } else if ('analysis' in s) {
      steps.push({
        kind: 'analysis',
        label: 'templateRef' in s.analysis ? `analysis ${s.analysis.templateRef}` : 'analysis',
        desired: d,
        analysis: s.analysis,
      });
    } else if ('setHeaderRoute' in s) {
      d = { ...d, headerRoutes: [...d.headerRoutes.filter((h) => h.header.toLowerCase() !== s.setHeaderRoute.header.toLowerCase()), s.setHeaderRoute] };
      d.canaryReplicas = canaryCount();
      steps.push({ kind: 'converge', label: `setHeaderRoute ${s.setHeaderRoute.header}: ${s.setHeaderRoute.value}`, desired: d });
    } else if ('loadTest' in s) {
      const h = s.loadTest.header;
      const during: DesiredState = {
        ...d,
        headerRoutes: [...d.headerRoutes.filter((x) => x.header.toLowerCase() !== h.header.toLowerCase()), h],
        canaryReplicas: Math.max(canaryCount(), 1),
      };
      const what = s.loadTest.rate !== undefined && s.loadTest.peakFactor === undefined ? `${s.loadTest.rate}/s` : `${s.loadTest.peakFactor}× peak`;
      steps.push({ kind: 'loadTest', label: `loadTest ${what} for ${s.loadTest.duration / 1000}s`, desired: during, loadTest: s.loadTest });
    } else if ('setMirror' in s) {
      d = { ...d, mirrorPercent: s.setMirror.percent > 0 ? s.setMirror.percent : null };
      d.canaryReplicas = canaryCount();
      steps.push({ kind: 'converge', label: `setMirror ${s.setMirror.percent}%`, desired: d });
    } else {
      const c = s.setCanaryScale;
      scale = c.matchTrafficWeight ? null : c.replicas !== undefined ? c.replicas : replicasForWeight(replicas, c.weight ?? 0);
      d = { ...d };
      d.canaryReplicas = Math.max(canaryCount(), d.canaryWeightPercent > 0 ? 1 : 0);
      steps.push({ kind: 'converge', label: c.matchTrafficWeight ? 'setCanaryScale matchTrafficWeight' : `setCanaryScale ${d.canaryReplicas}`, desired: d });
    }
  }
  return finish(steps, replicas);
}

function planBlueGreen(spec: Extract<StrategySpec, { blueGreen: unknown }>['blueGreen'], replicas: number): PlanStep[] {
  const steps: PlanStep[] = [];
  const preview: DesiredState = { ...initial(replicas), canaryReplicas: replicas, headerRoutes: [spec.previewHeader] };
  steps.push({ kind: 'converge', label: 'deploy preview', desired: preview });
  if (spec.prePromotionAnalysis) steps.push({ kind: 'analysis', label: 'pre-promotion analysis', desired: preview, analysis: spec.prePromotionAnalysis });
  if (!spec.autoPromotion) steps.push({ kind: 'pause', label: 'pause (until promote)', desired: preview, pauseMs: null });
  const active: DesiredState = { canaryReplicas: replicas, stableReplicas: replicas, canaryWeightPercent: 100, headerRoutes: [], mirrorPercent: null };
  steps.push({ kind: 'converge', label: 'switch', desired: active, promotion: true });
  if (spec.postPromotionAnalysis) steps.push({ kind: 'analysis', label: 'post-promotion analysis', desired: active, analysis: spec.postPromotionAnalysis });
  if (spec.scaleDownDelay > 0)
    steps.push({ kind: 'pause', label: `keep stable warm ${spec.scaleDownDelay / 1000}s`, desired: active, pauseMs: spec.scaleDownDelay });
  return finish(steps, replicas, active);
}

function planRolling(spec: Extract<StrategySpec, { rolling: unknown }>['rolling'], replicas: number): PlanStep[] {
  const surge = resolveCount(spec.maxSurge, replicas, 'up');
  const unavailable = resolveCount(spec.maxUnavailable, replicas, 'down');
  const states = rollingStates(replicas, surge, unavailable);
  const steps: PlanStep[] = [];
  let prevOld = replicas;
  for (let i = 0; i < states.length; i++) {
    const s = states[i];
    const total = s.newReplicas + s.oldReplicas;
    // A batch followed only by removing the last old instances is where all traffic moves.
    const last = states[i + 1]?.oldReplicas === 0 && states[i + 1].newReplicas === s.newReplicas;
    if (last) prevOld = s.oldReplicas;
    if (s.oldReplicas === 0 || last) {
      // The last old instances go in the shared closing steps, after their traffic has drained.
      const promoted: DesiredState = {
        canaryReplicas: s.newReplicas,
        stableReplicas: prevOld,
        canaryWeightPercent: 100,
        headerRoutes: [],
        mirrorPercent: null,
      };
      steps.push({ kind: 'converge', label: `batch ${steps.length + 1}: ${s.newReplicas} new, all traffic`, desired: promoted, promotion: true });
      return finish(steps, replicas, promoted);
    }
    steps.push({
      kind: 'converge',
      label: `batch ${steps.length + 1}: ${s.newReplicas} new, ${s.oldReplicas} old`,
      desired: {
        canaryReplicas: s.newReplicas,
        stableReplicas: s.oldReplicas,
        canaryWeightPercent: total === 0 ? 0 : Math.round((100 * s.newReplicas) / total),
        headerRoutes: [],
        mirrorPercent: null,
      },
    });
    prevOld = s.oldReplicas;
  }
  return finish(steps, replicas);
}
