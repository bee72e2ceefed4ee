/**
 * Runs every SyntheticCheck that has a `schedule` from the server, each at its interval against
 * its target, through the egress policy (purpose `synthetic`). A run's result is stored (the
 * latest 200 per check) and becomes three points of the builtin series, labelled with the check,
 * the environment and the version that answered (the router's `x-shipgate-version`), in one
 * transaction after the network I/O:
 *   synthetic.runs     1 per run
 *   synthetic.success  1 when every step passed
 *   synthetic.latency  the run's duration, ms (mean = latency / runs)
 * so an SLO (`ratioMetric` good synthetic.success, total synthetic.runs), a burn-rate alert and the
 * canary judge read them like any pushed series — nobody else may push `synthetic.*`.
 *
 * Bounded: one run in flight per check, at most 4 at once; a check's interval is ≥ 10 s.
 */
import type { ServerContext } from '../../core/capability';
import { HOOKS, type SmokeChecks } from '../../core/hooks';
import { newId } from '../../core/ids';
import { SHIPGATE_API_VERSION } from '../../core/kinds';
import { egressPolicyOf } from '../../egress/egress-policy';
import { transaction } from '../../store/db';
import { failureLine, runSynthetic, type Send } from './synthetic-run';
import { egressSend } from './synthetic-send';
import { SYNTHETIC_CHECK_KIND, syntheticSpecSchema, type SyntheticSpec } from './synthetic-spec';
import type { SyntheticStore } from './synthetic-store';

const MAX_CONCURRENT = 4;

/**
 * HOOKS.smokeChecks: a service's smoke checks (or the named ones) against one instance, for the
 * post-promotion window. Checks run one after the other; a named check that is not stored fails.
 */
export function smokeChecks(ctx: ServerContext, send: Send = egressSend(egressPolicyOf(ctx.config))): SmokeChecks {
  return {
    async run(q) {
      const stored = await ctx.resources.list<SyntheticSpec>(SHIPGATE_API_VERSION, SYNTHETIC_CHECK_KIND);
      const byName = new Map(stored.map((r) => [r.manifest.metadata.name, r.manifest.spec]));
      const names = q.names ?? stored.filter((r) => r.manifest.spec.smoke && r.manifest.spec.service === q.service).map((r) => r.manifest.metadata.name);
      const out: { check: string; ok: boolean; failure?: string }[] = [];
      for (const name of names) {
        const parsed = syntheticSpecSchema.safeParse(byName.get(name));
        if (!parsed.success) {
          out.push({
            check: name,
            ok: false,
            failure: byName.has(name) ? 'the stored SyntheticCheck no longer reads' : `no SyntheticCheck "${name}" is stored`,
          });
          continue;
        }
        const secrets = Object.fromEntries(Object.entries(parsed.data.secrets).flatMap(([k, v]) => ('value' in v ? [[k, v.value]] : [])));
        const r = await runSynthetic(name, parsed.data, q.url, { send, secrets });
        out.push({ check: name, ok: r.ok, ...(r.ok ? {} : { failure: failureLine(r) }) });
      }
      return out;
    },
  };
}

export class SyntheticScheduler {
  private readonly inFlight = new Set<string>();
  private last: Map<string, number> | undefined;
  private readonly send: Send;

  constructor(
    private readonly ctx: ServerContext,
    private readonly store: SyntheticStore,
    send?: Send,
  ) {
    this.send = send ?? egressSend(egressPolicyOf(ctx.config));
  }

  /** Starts the runs that are due at `nowMs`; resolves when they have been stored. */
  async tick(nowMs: number): Promise<void> {
    this.last ??= await this.store.lastRuns();
    const stored = await this.ctx.resources.list<SyntheticSpec>(SHIPGATE_API_VERSION, SYNTHETIC_CHECK_KIND);
    const due: { name: string; spec: SyntheticSpec }[] = [];
    for (const r of stored) {
      // Stored manifests were checked when applied; a spec from an older schema is read again.
      const parsed = syntheticSpecSchema.safeParse(r.manifest.spec);
      if (!parsed.success || !parsed.data.schedule) continue;
      const name = r.manifest.metadata.name;
      if (this.inFlight.has(name)) continue;
      const last = this.last.get(name);
      if (last !== undefined && nowMs - last < parsed.data.schedule.every) continue;
      due.push({ name, spec: parsed.data });
    }
    const runs: Promise<void>[] = [];
    for (const d of due) {
      if (this.inFlight.size >= MAX_CONCURRENT) break;
      this.inFlight.add(d.name);
      this.last.set(d.name, nowMs);
      runs.push(this.runOne(d.name, d.spec, nowMs).finally(() => this.inFlight.delete(d.name)));
    }
    await Promise.all(runs);
  }

  private async runOne(name: string, spec: SyntheticSpec, startedMs: number): Promise<void> {
    const schedule = spec.schedule!;
    const secrets = Object.fromEntries(Object.entries(spec.secrets).flatMap(([k, v]) => ('value' in v ? [[k, v.value]] : [])));
    try {
      const r = await runSynthetic(name, spec, schedule.target, { send: this.send, secrets });
      const labels = { check: name, environment: schedule.environment, version: r.version ?? 'unknown' };
      const tMs = this.ctx.clock.now();
      const metrics = this.ctx.services.get(HOOKS.metrics);
      await transaction(this.ctx.db, async (trx) => {
        await this.store.insert(trx, newId('syn', tMs), schedule.environment, startedMs, r);
        await metrics?.ingestPoints(
          [
            { series: 'synthetic.runs', labels, tMs, value: 1 },
            { series: 'synthetic.success', labels, tMs, value: r.ok ? 1 : 0 },
            { series: 'synthetic.latency', labels, tMs, value: r.durationMs },
          ],
          trx,
        );
      });
    } catch (e) {
      this.ctx.log.warn({ err: e, check: name }, 'scheduled synthetic check could not be recorded; the next interval tries again');
    }
  }
}
