/**
 * Reads SLOs from the resource store, fetches their data through the MetricSource adapters,
 * evaluates them, and answers the release gate and the burn signal.
 */
import type { ServerContext } from '../core/capability';
import { HOOKS } from '../core/hooks';
import { InputError, NotFoundError, isDomainError } from '../core/errors';
import { shorthandDurationMs } from '../core/duration';
import { SHIPGATE_API_VERSION } from '../core/kinds';
import type { Manifest } from '../core/manifest';
import type { MetricSourceRegistry } from '../metrics/metric-source';
import { budgetShare, sumWindow } from './budget-math';
import { DEFAULT_POLICY, evaluatePolicies, postmortemRequired, type ErrorBudgetPolicySpec, type SloPolicyInput } from './error-budget-policy';
import { budgetObjective, evaluateSlo, requiredRange, seriesFor, type IndicatorData, type SloStatus } from './slo-evaluation';
import { explainSlo } from './slo-explain';
import { parseDurationMs } from './duration';
import type { GateResult, GateSloRow } from './gate-report';
import type { MetricQuery, SloModel } from './slo-model';
import { OPENSLO_API_VERSION, type SloSpec } from './openslo/openslo-schema';
import { toSloModel, type OpenSloLookup } from './openslo/openslo-resolve';

/** Data step of every evaluation: the one-minute rollup. */
export const STEP_MS = 60_000;

export interface SloEntry {
  name: string;
  model?: SloModel;
  status?: SloStatus;
  /** Why the SLO could not be read or evaluated. */
  error?: string;
}

type Policy = ErrorBudgetPolicySpec & { name: string };

const REF_KINDS = ['SLI', 'DataSource', 'AlertPolicy', 'AlertCondition', 'AlertNotificationTarget'];

export class SloService {
  constructor(
    private readonly ctx: Pick<ServerContext, 'resources' | 'services' | 'clock'>,
    private readonly sources: MetricSourceRegistry,
  ) {}

  /** Every stored SLO as a model (or the reason it is not one). */
  async models(): Promise<SloEntry[]> {
    const byKind = new Map<string, Map<string, Manifest>>();
    for (const k of REF_KINDS) {
      const list = await this.ctx.resources.list(OPENSLO_API_VERSION, k);
      byKind.set(k, new Map(list.map((r) => [r.manifest.metadata.name, r.manifest])));
    }
    const lookup: OpenSloLookup = (kind, name) => byKind.get(kind)?.get(name);
    const slos = await this.ctx.resources.list<SloSpec>(OPENSLO_API_VERSION, 'SLO');
    return slos.map((r) => {
      try {
        return { name: r.manifest.metadata.name, model: toSloModel(r.manifest, lookup) };
      } catch (e) {
        return { name: r.manifest.metadata.name, error: (e as Error).message };
      }
    });
  }

  async model(name: string): Promise<SloModel> {
    const e = (await this.models()).find((x) => x.name === name);
    if (!e) throw new NotFoundError(`SLO "${name}" not found`);
    if (!e.model) throw new NotFoundError(`SLO "${name}" cannot be evaluated: ${e.error}`);
    return e.model;
  }

  async policies(): Promise<Policy[]> {
    const list = await this.ctx.resources.list<ErrorBudgetPolicySpec>(SHIPGATE_API_VERSION, 'ErrorBudgetPolicy');
    return list.map((r) => ({ ...r.manifest.spec, name: r.manifest.metadata.name }));
  }

  /** Reads the indicator's data over [fromMs, toMs) at one-minute steps. */
  async fetch(model: SloModel, fromMs: number, toMs: number): Promise<IndicatorData> {
    const from = Math.floor(fromMs / STEP_MS) * STEP_MS;
    const to = Math.ceil(toMs / STEP_MS) * STEP_MS;
    const read = async (q: MetricQuery, aggregation: 'sum' | 'value', counter = false) => {
      const src = this.sources.get(q.type);
      if (!src) throw new Error(`no metric source adapter for type "${q.type}" (available: ${this.sources.types().join(', ')})`);
      const m = await src.query({
        spec: q.spec,
        ...(q.connection ? { connection: q.connection } : {}),
        aggregation,
        counter,
        fromMs: from,
        toMs: to,
        stepMs: STEP_MS,
      });
      if (m.phase === 'Error') throw new Error(m.message ?? 'metric source error');
      return m.values;
    };
    const ind = model.indicator;
    const d: IndicatorData = { startMs: from, stepMs: STEP_MS };
    if (ind.kind === 'ratio') {
      const [part, total] = await Promise.all([read((ind.good ?? ind.bad)!, 'sum', ind.counter), read(ind.total, 'sum', ind.counter)]);
      const clean = (a: Float64Array) => a.map((v) => (Number.isFinite(v) ? v : 0));
      d.total = clean(total);
      if (ind.good) d.good = clean(part);
      else d.bad = clean(part);
    } else if (ind.kind === 'raw') d.raw = await read(ind.raw, 'value');
    else d.values = await read(ind.metric, 'value');
    return d;
  }

  async lastDeployMs(service: string, environment: string | undefined, atMs: number): Promise<number | undefined> {
    const markers = this.ctx.services.get(HOOKS.deployMarkers);
    if (!markers) return undefined;
    try {
      const list = await markers.list({ service, ...(environment ? { environment } : {}), sinceMs: atMs - 86_400_000 });
      const before = list.filter((m) => m.atMs <= atMs).map((m) => m.atMs);
      return before.length ? Math.max(...before) : undefined;
    } catch {
      return undefined;
    }
  }

  /** Evaluates one model at `atMs`. */
  async evaluate(model: SloModel, atMs: number, extraWindowsMs: number[] = []): Promise<SloStatus> {
    const range = requiredRange(model, atMs, extraWindowsMs);
    const data = await this.fetch(model, range.fromMs, range.toMs);
    const lastDeployMs = model.deployGrace ? await this.lastDeployMs(model.service, model.environment, atMs) : undefined;
    return evaluateSlo(model, data, atMs, { ...(lastDeployMs !== undefined ? { lastDeployMs } : {}), extraWindowsMs });
  }

  /** Status of one SLO or all, at `atMs`. */
  async status(name: string | undefined, atMs: number): Promise<SloEntry[]> {
    let entries = await this.models();
    if (name) {
      entries = entries.filter((e) => e.name === name);
      if (!entries.length) throw new NotFoundError(`SLO "${name}" not found`);
    }
    const extra = policyWindows(await this.policies());
    return Promise.all(
      entries.map(async (e) => {
        if (!e.model) return e;
        try {
          return { ...e, status: await this.evaluate(e.model, atMs, extra) };
        } catch (err) {
          if (isDomainError(err) && name) throw err;
          return { ...e, error: (err as Error).message };
        }
      }),
    );
  }

  async explain(name: string, atMs: number): Promise<string> {
    const model = await this.model(name);
    const policies = (await this.policies()).filter(
      (p) => (!p.selector.services?.length || p.selector.services.includes(model.service)) && (!p.selector.layer || p.selector.layer === model.layer),
    );
    return explainSlo(model, policies, atMs);
  }

  /**
   * Services that depend on `service`, directly or not, hard or soft: its blast radius in the
   * catalog's graph (HOOKS.graph). None without the catalog: the gate then reads the service's own SLOs.
   */
  async dependents(service: string): Promise<string[]> {
    const graph = this.ctx.services.get(HOOKS.graph);
    if (!graph) return [];
    const br = (await graph.snapshot()).blastRadius(service);
    return [...br.hard, ...br.soft].map((a) => a.service).sort();
  }

  /** The release gate: the service's SLOs and the user-facing SLOs of its dependents, through the error budget policies. */
  async gate(input: { service: string; environment?: string; atMs: number; changeType?: string }): Promise<GateResult> {
    const env = input.environment ?? '';
    const dependents = new Set(await this.dependents(input.service));
    const policies = await this.policies();
    const extra = policyWindows(policies);
    const inEnv = (m: SloModel) => !m.environment || !env || m.environment === env;
    const entries = (await this.models()).filter((e) => {
      if (!e.model) return false;
      if (!inEnv(e.model)) return false;
      return e.model.service === input.service || (dependents.has(e.model.service) && e.model.layer === 'user-facing');
    });
    const rows: GateSloRow[] = [];
    const inputs: SloPolicyInput[] = [];
    for (const e of entries) {
      const m = e.model!;
      const relation = m.service === input.service ? 'own' : 'dependent';
      let st: SloStatus;
      try {
        st = await this.evaluate(m, input.atMs, extra);
      } catch (err) {
        rows.push({
          slo: m.name,
          service: m.service,
          relation,
          layer: m.layer,
          objective: '-',
          sli: null,
          target: m.objectives[0]?.target ?? 0,
          budgetRemaining: Number.NaN,
          burn1h: null,
          firing: [],
          matched: [],
          error: (err as Error).message,
        });
        continue;
      }
      for (const o of st.objectives) {
        const firing = [...new Set(o.alerts.filter((a) => a.firing).map((a) => a.severity))];
        const id = st.objectives.length > 1 ? `${m.name}/${o.objective}` : m.name;
        inputs.push({ slo: id, service: m.service, layer: m.layer, budgetRemaining: o.budgetRemaining, burnRates: o.burnRates, firing });
        rows.push({
          slo: m.name,
          service: m.service,
          relation,
          layer: m.layer,
          objective: o.objective,
          sli: o.sli,
          target: o.target,
          budgetRemaining: o.budgetRemaining,
          burn1h: o.burnRates['1h'] ?? null,
          firing: o.alerts.filter((a) => a.firing).map((a) => `${a.severity}:${a.name}`),
          matched: [],
        });
      }
    }
    const d = evaluatePolicies(policies.length ? policies : [DEFAULT_POLICY], inputs, input.changeType);
    let i = 0;
    for (const r of rows) {
      if (r.error) continue;
      const id = inputs[i++].slo;
      r.matched = d.matches.filter((mm) => mm.slo === id).map((mm) => `${mm.policy}/${mm.rule}:${mm.action}`);
    }
    const errors = rows.filter((r) => r.error);
    const base = { service: input.service, environment: env, atMs: input.atMs, ...(input.changeType ? { changeType: input.changeType } : {}), slos: rows };
    if (errors.length && d.decision === 'allow') {
      return { ...base, decision: 'error', reason: `${errors.length} SLO(s) could not be evaluated (${errors.map((e) => `${e.slo}: ${e.error}`).join('; ')})` };
    }
    if (!rows.length)
      return { ...base, decision: 'allow', reason: `no SLOs cover ${input.service}${dependents.size ? ' or the user-facing side of its dependents' : ''}` };
    return {
      ...base,
      decision: d.decision,
      reason: d.reason,
      decidedBy: { slo: d.slo, policy: d.policy, rule: d.rule },
      ...(d.exempted ? { exempted: true } : {}),
    };
  }

  /**
   * Share of each SLO objective's budget (of the window at `atMs`) spent within [fromMs, toMs),
   * e.g. by one release or incident; above the policy's share (default 20%) a postmortem is due.
   */
  async budgetShares(input: {
    service: string;
    environment?: string;
    fromMs: number;
    toMs: number;
    atMs: number;
  }): Promise<{ slo: string; objective: string; share: number; limit: number; required: boolean }[]> {
    const policies = await this.policies();
    const out: { slo: string; objective: string; share: number; limit: number; required: boolean }[] = [];
    const entries = (await this.models()).filter(
      (e) => e.model && e.model.service === input.service && (!e.model.environment || !input.environment || e.model.environment === input.environment),
    );
    for (const e of entries) {
      const m = e.model!;
      const range = requiredRange(m, input.atMs);
      const data = await this.fetch(m, Math.min(range.fromMs, input.fromMs), Math.max(input.atMs, input.toMs));
      const st = evaluateSlo(m, data, input.atMs);
      const governing = policies.filter(
        (p) => (!p.selector.services?.length || p.selector.services.includes(m.service)) && (!p.selector.layer || p.selector.layer === m.layer),
      );
      const limit = governing.length ? Math.min(...governing.map((p) => p.postmortemBudgetShare)) : DEFAULT_POLICY.postmortemBudgetShare;
      m.objectives.forEach((o, k) => {
        const span = sumWindow(seriesFor(m, o, data), m.budgetingMethod, budgetObjective(o), input.fromMs, input.toMs);
        const share = budgetShare(Math.max(0, span.total - span.good), st.objectives[k].budgetTotal);
        out.push({ slo: m.name, objective: o.name, share, limit, required: postmortemRequired(share, limit) });
      });
    }
    return out;
  }

  /** Burn rate of one SLO over the last `windowMs`: the highest of its objectives' (HOOKS.burnSignal `burnRate`). */
  async burnRate(input: { slo: string; windowMs: number; atMs: number }): Promise<{ burnRate: number | null; reason: string }> {
    const e = (await this.models()).find((x) => x.name === input.slo);
    if (!e) throw new NotFoundError(`SLO "${input.slo}" not found`);
    if (!e.model) throw new InputError(`SLO "${input.slo}" cannot be evaluated: ${e.error ?? 'invalid'}`);
    const st = await this.evaluate(e.model, input.atMs, [input.windowMs]);
    const key = shorthandDurationMs(input.windowMs);
    const rates = st.objectives.map((o) => ({ objective: o.objective, rate: o.burnRates[key] ?? null }));
    const worst = rates.reduce<{ objective: string; rate: number | null } | undefined>(
      (w, r) => (r.rate !== null && (w?.rate ?? -1) < r.rate ? r : w),
      undefined,
    );
    return worst
      ? { burnRate: worst.rate, reason: `SLO ${input.slo}/${worst.objective}: burn ${worst.rate!.toFixed(2)} over ${key}` }
      : { burnRate: null, reason: `SLO ${input.slo}: no events over ${key}` };
  }

  /** Page-level burn (condition active, deploy grace ignored) on any SLO of the service. */
  async pageBurning(input: { service: string; environment: string; atMs: number }): Promise<{ burning: boolean; reason: string }> {
    const entries = (await this.models()).filter(
      (e) => e.model && e.model.service === input.service && (!e.model.environment || e.model.environment === input.environment),
    );
    for (const e of entries) {
      try {
        const st = await this.evaluate(e.model!, input.atMs);
        for (const o of st.objectives) {
          const a = o.alerts.find((x) => x.severity === 'page' && x.active);
          if (a)
            return {
              burning: true,
              reason: `SLO ${e.name}/${o.objective}: burn ${a.burnShort?.toFixed(2)} over ${a.shortWindow} and ${a.burnLong?.toFixed(2)} over ${a.longWindow} above ${a.threshold}`,
            };
        }
      } catch {
        // An SLO that cannot be read is no rollback signal; the gate reports it.
      }
    }
    return { burning: false, reason: entries.length ? `no page-level burn on ${entries.length} SLO(s) of ${input.service}` : `no SLOs for ${input.service}` };
  }
}

/** Burn windows the policies read (`burnRateAbove.window`), ms. */
export function policyWindows(policies: Policy[]): number[] {
  return [...new Set(policies.flatMap((p) => p.rules.flatMap((r) => (r.when.burnRateAbove ? [parseDurationMs(r.when.burnRateAbove.window)] : []))))];
}
