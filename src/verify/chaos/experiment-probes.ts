/**
 * Evaluates an experiment's probes through the hooks of the capabilities that own the numbers:
 * SLO burn rates (HOOKS.burnSignal), SyntheticChecks (runSynthetic through the server's egress
 * policy) and router windows per version (HOOKS.metrics). A probe that cannot be evaluated (a hook
 * missing, a check gone) fails: an experiment must not go on blind.
 */
import type { ServerContext } from '../../core/capability';
import { BUCKET_MS, type VersionWindow } from '../../core/metrics-service';
import { HOOKS } from '../../core/hooks';
import { SHIPGATE_API_VERSION } from '../../core/kinds';
import { egressPolicyOf } from '../../egress/egress-policy';
import { failureLine, runSynthetic, type Send } from '../synthetic/synthetic-run';
import { egressSend } from '../synthetic/synthetic-send';
import { SYNTHETIC_CHECK_KIND, syntheticSpecSchema, type SyntheticSpec } from '../synthetic/synthetic-spec';
import { judgeBurn, judgeCanary, windowSince, type ProbeVerdict } from './experiment-judge';
import type { ProbeSpec } from './experiment-spec';

/** A cumulative reading of a canary probe's two versions, from `fromMs` (a bucket start). */
interface CanaryMark {
  fromMs: number;
  version: VersionWindow;
  baseline: VersionWindow;
}

export class ProbeEvaluator {
  private readonly marks = new Map<string, CanaryMark>();
  private readonly send: Send;

  constructor(
    private readonly ctx: ServerContext,
    send?: Send,
  ) {
    this.send = send ?? egressSend(egressPolicyOf(ctx.config));
  }

  /**
   * From now on, canary probes judge only the requests after this moment (the method began, or its
   * rollback): a 10-second bucket holds traffic from before, and diluting a fault with it would
   * delay its detection by as much.
   */
  async mark(probes: ProbeSpec[], nowMs: number): Promise<void> {
    const metrics = this.ctx.services.get(HOOKS.metrics);
    if (!metrics) return;
    const fromMs = Math.floor(nowMs / BUCKET_MS) * BUCKET_MS;
    for (const p of probes) {
      if (!p.canary) continue;
      const q = { route: p.canary.route, fromMs, toMs: nowMs + BUCKET_MS };
      const [version, baseline] = await Promise.all([
        metrics.routerWindow({ ...q, version: p.canary.version }),
        metrics.routerWindow({ ...q, version: p.canary.baseline }),
      ]);
      this.marks.set(p.name, { fromMs, version, baseline });
    }
  }

  async evaluate(p: ProbeSpec, nowMs: number): Promise<ProbeVerdict> {
    try {
      if (p.slo) return await this.slo(p.slo, nowMs);
      if (p.synthetic) return await this.synthetic(p.synthetic);
      return await this.canary(p.name, p.canary!, nowMs);
    } catch (e) {
      return { ok: false, reason: `cannot evaluate: ${(e as Error).message}`, values: {} };
    }
  }

  private async slo(s: NonNullable<ProbeSpec['slo']>, nowMs: number): Promise<ProbeVerdict> {
    const burn = this.ctx.services.get(HOOKS.burnSignal);
    if (!burn?.burnRate) return { ok: false, reason: 'no SLO capability offers burn rates here', values: {} };
    const r = await burn.burnRate({ slo: s.name, windowMs: s.window, atMs: nowMs });
    return judgeBurn(r.burnRate, s.maxBurnRate, r.reason);
  }

  private async synthetic(s: NonNullable<ProbeSpec['synthetic']>): Promise<ProbeVerdict> {
    const stored = await this.ctx.resources.get<SyntheticSpec>(SHIPGATE_API_VERSION, SYNTHETIC_CHECK_KIND, s.check);
    if (!stored) return { ok: false, reason: `no SyntheticCheck "${s.check}"`, values: {} };
    const spec = syntheticSpecSchema.parse(stored.manifest.spec);
    const target = s.target ?? spec.schedule?.target;
    if (!target) return { ok: false, reason: `SyntheticCheck "${s.check}" has no schedule.target and the probe names no target`, values: {} };
    const secrets = Object.fromEntries(Object.entries(spec.secrets).flatMap(([k, v]) => ('value' in v ? [[k, v.value]] : [])));
    const r = await runSynthetic(s.check, spec, target, { send: this.send, secrets });
    return {
      ok: r.ok,
      reason: r.ok ? `${r.steps.length} step(s) passed against ${target}` : (failureLine(r) ?? 'failed'),
      values: { durationMs: r.durationMs },
    };
  }

  private async canary(name: string, c: NonNullable<ProbeSpec['canary']>, nowMs: number): Promise<ProbeVerdict> {
    const metrics = this.ctx.services.get(HOOKS.metrics);
    if (!metrics) return { ok: false, reason: 'no metrics service', values: {} };
    const mark = this.marks.get(name);
    const q = { route: c.route, fromMs: mark?.fromMs ?? nowMs - c.window, toMs: nowMs + BUCKET_MS };
    const [version, baseline] = await Promise.all([metrics.routerWindow({ ...q, version: c.version }), metrics.routerWindow({ ...q, version: c.baseline })]);
    return judgeCanary(windowSince(version, mark?.version), windowSince(baseline, mark?.baseline), c);
  }
}
