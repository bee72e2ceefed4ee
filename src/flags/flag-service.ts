import type { Principal } from '../auth/roles';
import { HOOKS, type Authorization } from '../core/hooks';
import { flagService, isProduction } from './flag-gate';
import { canonicalJson, newId, sha256 } from '../core/ids';
import { SHIPGATE_API_VERSION } from '../core/kinds';
import { InputError, NotFoundError, RateLimitedError } from '../core/errors';
import type { ServerContext } from '../core/capability';
import type { StoredResource } from '../resources/resource-store';
import { lockKey, transaction, type Tx } from '../store/db';
import type { AuditLog } from '../audit/audit-log';
import { toFlagDefinition, featureFlagSpecSchema, type FeatureFlagSpec, type FlagConfig, type SegmentSpec } from './flag-model';
import { applyStateOverride } from './flag-state';
import { FlagStateStore, type FlagSchedule, type FlagState, type FlagStateStorePort, type ScheduleAction } from './flag-state-store';
import { staleFlags, type StaleEntry } from './stale-report';
import { FlagEngine } from './flag-engine';
import { changedFlagKeys } from './changed-flags';

/** A configuration as delivered to SDKs, with its entity tag. */
export interface VersionedConfig {
  config: FlagConfig;
  /** Quoted entity tag (`"…"`), the same on every replica for the same configuration. */
  etag: string;
}

/** What changed since the previous configuration of the environment. */
export interface ConfigChange {
  /** Entity tag of the configuration this one replaces. */
  fromEtag: string;
  flagsChanged: string[];
}

export type ConfigListener = (v: VersionedConfig, change?: ConfigChange) => void;

/** A flag as `flag list/show` print it. */
export interface FlagSummary {
  name: string;
  key: string;
  type: string;
  valueType: string;
  environment: string;
  /** Effective: the state override, else the manifest. */
  enabled: boolean;
  killed: boolean;
  killedAtMs: number | null;
  percentage: number | null;
  rules: number;
  evaluations: number;
  updatedAtMs: number;
}

const EVAL_LOCK = 0x5347_0f1a;

/**
 * Configurations kept per environment name. Readers name the environment, so without a bound any
 * read token could fill memory (and the per-second refresh) with made-up names; past this many,
 * the least recently read environment nobody is subscribed to is dropped (and rebuilt if read again).
 */
export const MAX_CACHED_ENVIRONMENTS = 256;

/**
 * Environments with subscribers (open streams) at once. Subscribed environments are never evicted
 * (their streams need the pushes), so they are capped below MAX_CACHED_ENVIRONMENTS: a stream for
 * one more environment is refused with 429 until another environment's last stream closes.
 */
export const MAX_WATCHED_ENVIRONMENTS = 128;

/**
 * An environment nobody is subscribed to and nobody read for this long is dropped from the cache,
 * so the per-second refresh does not rebuild environments no one asks for. `options.flags.cacheIdleMs`.
 */
export const DEFAULT_CACHE_IDLE_MS = 10 * 60_000;

/** What FlagService stores through: its tables, and one transaction with the audit log. */
export interface FlagServiceDeps {
  store: FlagStateStorePort;
  /** Runs `fn` in one transaction (a state change, its change claim and its audit event commit together). */
  transaction: <T>(fn: (trx: Tx) => Promise<T>) => Promise<T>;
  audit: Pick<AuditLog, 'append'>;
}

/** The store-backed dependencies of a server's FlagService. */
export function flagServiceDeps(ctx: ServerContext): FlagServiceDeps {
  return { store: new FlagStateStore(ctx.db), transaction: (fn) => transaction(ctx.db, fn), audit: ctx.audit };
}

/** Flag state changes, scheduled changes, configuration delivery and evaluation counts. */
export class FlagService {
  readonly store: FlagStateStorePort;
  private readonly deps: FlagServiceDeps;
  private readonly cache = new Map<string, VersionedConfig>();
  private readonly listeners = new Map<string, Set<ConfigListener>>();
  private readonly pending = new Map<string, number>();
  private readonly engines = new Map<string, { etag: string; engine: FlagEngine }>();
  private readonly queues = new Map<string, Promise<unknown>>();
  /** When each cached environment was last read or last had a subscriber (clock ms). */
  private readonly lastUsed = new Map<string, number>();
  private readonly idleMs: number;

  constructor(
    private readonly ctx: ServerContext,
    deps: FlagServiceDeps = flagServiceDeps(ctx),
  ) {
    this.deps = deps;
    this.store = deps.store;
    const idle = Number((ctx.config.options.flags as { cacheIdleMs?: number } | undefined)?.cacheIdleMs);
    this.idleMs = Number.isFinite(idle) && idle > 0 ? idle : DEFAULT_CACHE_IDLE_MS;
  }

  /** The stored flag named `ref` (resource name first, then key). */
  async find(ref: string): Promise<StoredResource<FeatureFlagSpec>> {
    const direct = await this.ctx.resources.get<FeatureFlagSpec>(SHIPGATE_API_VERSION, 'FeatureFlag', ref);
    if (direct) return direct;
    const all = await this.ctx.resources.list<FeatureFlagSpec>(SHIPGATE_API_VERSION, 'FeatureFlag');
    const byKey = all.find((r) => r.manifest.spec.key === ref);
    if (!byKey) throw new NotFoundError(`flag "${ref}" not found`);
    return byKey;
  }

  /** Builds (or returns the cached) configuration of one environment. */
  async config(environment: string): Promise<VersionedConfig> {
    this.lastUsed.set(environment, this.ctx.clock.now());
    const hit = this.cache.get(environment);
    if (hit) {
      // Most recently read last, so eviction drops the least recently read.
      this.cache.delete(environment);
      this.cache.set(environment, hit);
      return hit;
    }
    return this.serial(environment, async () => {
      const again = this.cache.get(environment);
      if (again) return again;
      const v = await this.build(environment);
      this.cache.set(environment, v);
      this.lastUsed.set(environment, this.ctx.clock.now());
      this.evict();
      return v;
    });
  }

  /** Number of environments whose configuration is cached. */
  cachedEnvironments(): number {
    return this.cache.size;
  }

  /** Whether the configuration of `environment` is cached. */
  isCached(environment: string): boolean {
    return this.cache.has(environment);
  }

  /** Environments with at least one subscriber. */
  watchedEnvironments(): number {
    return this.listeners.size;
  }

  /**
   * Drops environments nobody is subscribed to: idle ones (not read for `cacheIdleMs`), then the
   * least recently read past MAX_CACHED_ENVIRONMENTS. Subscribed environments stay (at most
   * MAX_WATCHED_ENVIRONMENTS of them), so the cache never holds more than MAX_CACHED_ENVIRONMENTS.
   */
  private evict(): void {
    const now = this.ctx.clock.now();
    for (const env of [...this.cache.keys()]) {
      if (this.listeners.has(env)) continue;
      if (now - (this.lastUsed.get(env) ?? 0) >= this.idleMs) this.drop(env);
    }
    for (const env of this.cache.keys()) {
      if (this.cache.size <= MAX_CACHED_ENVIRONMENTS) return;
      if (this.listeners.has(env)) continue;
      this.drop(env);
    }
  }

  private drop(env: string): void {
    this.cache.delete(env);
    this.engines.delete(env);
    this.lastUsed.delete(env);
  }

  /**
   * Runs builds of one environment one after another, so a slow build that read older state can
   * never overwrite (and push) a newer configuration, e.g. a kill.
   */
  private serial<T>(environment: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.queues.get(environment) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const tail = next.catch(() => undefined);
    this.queues.set(environment, tail);
    void tail.then(() => {
      if (this.queues.get(environment) === tail) this.queues.delete(environment);
    });
    return next;
  }

  /** A compiled engine for the current configuration of one environment. */
  async engine(environment: string): Promise<{ engine: FlagEngine; etag: string }> {
    const v = await this.config(environment);
    const hit = this.engines.get(environment);
    if (hit && hit.etag === v.etag) return hit;
    const fresh = { etag: v.etag, engine: new FlagEngine(v.config, { nowMs: () => this.ctx.clock.now() }) };
    this.engines.set(environment, fresh);
    return fresh;
  }

  /** Forgets cached configurations (after a manifest changed) and pushes what changed. */
  async invalidate(): Promise<void> {
    await this.refresh();
  }

  private async build(environment: string): Promise<VersionedConfig> {
    const [flags, segments, states] = await Promise.all([
      this.ctx.resources.list<FeatureFlagSpec>(SHIPGATE_API_VERSION, 'FeatureFlag'),
      this.ctx.resources.list<SegmentSpec>(SHIPGATE_API_VERSION, 'Segment'),
      this.store.states(environment),
    ]);
    const byFlag = new Map(states.map((s) => [s.flag, s]));
    const config: FlagConfig = {
      environment,
      flags: flags.map((r) =>
        applyStateOverride(toFlagDefinition(r.manifest.metadata.name, parseSpec(r.manifest.spec), environment), byFlag.get(r.manifest.metadata.name)),
      ),
      segments: Object.fromEntries(segments.map((s) => [s.manifest.metadata.name, { constraints: s.manifest.spec.constraints }])),
    };
    return { config, etag: `"${sha256(canonicalJson(config)).slice(0, 32)}"` };
  }

  /** Subscribes to configuration changes of one environment; returns the unsubscribe function. */
  subscribe(environment: string, listener: ConfigListener): () => void {
    let set = this.listeners.get(environment);
    if (!set) {
      if (this.listeners.size >= MAX_WATCHED_ENVIRONMENTS) {
        throw new RateLimitedError(
          `at most ${MAX_WATCHED_ENVIRONMENTS} environments may have open flag streams on this server at once; "${environment}" is not one of them`,
          5,
        );
      }
      this.listeners.set(environment, (set = new Set()));
    }
    set.add(listener);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      set.delete(listener);
      if (set.size === 0 && this.listeners.get(environment) === set) {
        this.listeners.delete(environment);
        // Idle from now on; evicted when it stays unread (or the cache is full).
        if (this.cache.has(environment)) this.lastUsed.set(environment, this.ctx.clock.now());
      }
    };
  }

  subscriberCount(): number {
    let n = 0;
    for (const s of this.listeners.values()) n += s.size;
    return n;
  }

  /**
   * Rebuilds configurations (of `environment`, or all cached and watched ones) and pushes those
   * whose entity tag changed to subscribers. Also picks up changes made by other replicas.
   */
  async refresh(environment?: string): Promise<void> {
    // Idle environments are dropped before the rebuild, not rebuilt every tick.
    if (!environment) this.evict();
    const envs = environment ? [environment] : [...new Set([...this.cache.keys(), ...this.listeners.keys()])];
    await Promise.all(
      envs.map((env) =>
        this.serial(env, async () => {
          const before = this.cache.get(env);
          // Dropped (evicted) meanwhile and nobody listening: nothing to keep or push.
          if (!before && !this.listeners.has(env) && !environment) return;
          const v = await this.build(env);
          if (!this.lastUsed.has(env)) this.lastUsed.set(env, this.ctx.clock.now());
          this.cache.set(env, v);
          if (!before) this.evict();
          if (v.etag === before?.etag) return;
          // Computed once here rather than by every subscriber.
          const change = before ? { fromEtag: before.etag, flagsChanged: changedFlagKeys(before.config, v.config) } : undefined;
          for (const l of this.listeners.get(env) ?? []) {
            try {
              l(v, change);
            } catch (e) {
              this.ctx.log.warn({ err: e }, 'flag config listener failed');
            }
          }
        }),
      ),
    );
  }

  async assertEnvironment(spec: FeatureFlagSpec, environment: string): Promise<void> {
    if (spec.environments[environment]) return;
    if (await this.ctx.resources.get(SHIPGATE_API_VERSION, 'Environment', environment)) return;
    throw new InputError(`unknown environment "${environment}": the flag has no such environment and no Environment resource has that name`, [
      { path: 'env', message: `unknown environment "${environment}"` },
    ]);
  }

  /**
   * Changes the state of a flag in one environment, audited in the same transaction, then pushes
   * the new configuration. `kill` is `disable` recorded as an emergency.
   */
  async setState(
    ref: string,
    environment: string,
    change: { action: 'kill' | 'enable' | 'disable' | 'percentage'; percentage?: number; reason?: string },
    actor: string,
    /** The authorisation of this change (production), claimed in the same transaction. */
    auth?: Authorization,
  ): Promise<FlagState> {
    const flag = await this.find(ref);
    const name = flag.manifest.metadata.name;
    await this.assertEnvironment(flag.manifest.spec, environment);
    const now = this.ctx.clock.now();
    const next = await this.deps.transaction(async (trx) => {
      const before = await this.store.state(name, environment, trx);
      const base: FlagState = before ?? { flag: name, environment, enabled: null, percentage: null, killedAtMs: null, updatedAtMs: now, updatedBy: actor };
      const after: FlagState = { ...base, updatedAtMs: now, updatedBy: actor };
      if (change.action === 'kill') {
        after.enabled = false;
        after.killedAtMs = now;
      } else if (change.action === 'disable') {
        after.enabled = false;
      } else if (change.action === 'enable') {
        after.enabled = true;
        after.killedAtMs = null;
      } else {
        after.percentage = change.percentage ?? null;
      }
      await this.store.putState(trx, after);
      await auth?.claim(trx, `flag:${name}/${environment}@${now}`, { complete: true });
      await this.deps.audit.append(trx, {
        actor,
        action: `flag.${change.action}`,
        kind: 'FeatureFlag',
        name,
        before: before ?? null,
        after,
        details: {
          environment,
          ...(change.reason ? { reason: change.reason } : {}),
          ...(change.percentage !== undefined ? { percentage: change.percentage } : {}),
        },
      });
      return after;
    });
    await this.refresh(environment);
    return next;
  }

  /**
   * Asks the one authorisation path before a flag gives more users its treatment in a
   * production environment (enable, a higher percentage, a guarded rollout). Undefined when the
   * environment is not production or no authoriser is installed: nothing to gate.
   */
  async authorize(
    ref: string,
    environment: string,
    action: 'flag.enable' | 'flag.rollout' | 'flag.step',
    what: string,
    actor: Principal,
    changeId?: string,
  ): Promise<Authorization | undefined> {
    const authorizer = this.ctx.services.get(HOOKS.authorizer);
    if (!authorizer) return undefined;
    const flag = await this.find(ref);
    const gateCtx = { list: async (kind: string) => (await this.ctx.resources.list(SHIPGATE_API_VERSION, kind)).map((r) => r.manifest) };
    if (!(await isProduction(environment, gateCtx))) return undefined;
    const name = flag.manifest.metadata.name;
    return authorizer.authorize(
      action,
      {
        service: flagService(flag.manifest, environment),
        environment,
        kind: 'config',
        changeId,
        title: `flag ${name} in ${environment}: ${what}`,
        revision: { version: `flag/${name}`, artifact: what, configHash: sha256(canonicalJson(flag.manifest.spec.environments[environment] ?? null)) },
      },
      actor,
    );
  }

  async schedule(ref: string, environment: string, s: { atMs: number; action: ScheduleAction; percentage?: number }, actor: string): Promise<FlagSchedule> {
    const flag = await this.find(ref);
    const name = flag.manifest.metadata.name;
    await this.assertEnvironment(flag.manifest.spec, environment);
    const now = this.ctx.clock.now();
    const schedule: FlagSchedule = {
      id: newId('fs', now),
      flag: name,
      environment,
      atMs: s.atMs,
      action: s.action,
      percentage: s.percentage ?? null,
      status: 'pending',
      createdBy: actor,
      createdAtMs: now,
      doneAtMs: null,
    };
    await this.deps.transaction(async (trx) => {
      await this.store.addSchedule(trx, schedule);
      await this.deps.audit.append(trx, { actor, action: 'flag.schedule', kind: 'FeatureFlag', name, after: schedule, details: { environment } });
    });
    return schedule;
  }

  /** Applies every due schedule once (a schedule another replica finished is skipped). */
  async runDueSchedules(): Promise<number> {
    const now = this.ctx.clock.now();
    let n = 0;
    for (const s of await this.store.dueSchedules(now)) {
      const claimed = await this.deps.transaction((trx) => this.store.finishSchedule(trx, s.id, now));
      if (!claimed) continue;
      try {
        // A schedule acts for whoever set it, through the same gate at the time it runs.
        const more = s.action === 'enable' || s.action === 'percentage';
        const by: Principal = { tokenId: `schedule:${s.id}`, role: 'deployer', user: s.createdBy };
        const auth = more
          ? await this.authorize(s.flag, s.environment, 'flag.enable', `${s.action}${s.percentage !== null ? `=${s.percentage}` : ''} (schedule ${s.id})`, by)
          : undefined;
        await this.setState(
          s.flag,
          s.environment,
          { action: s.action, percentage: s.percentage ?? undefined, reason: `schedule ${s.id}` },
          `schedule:${s.createdBy}`,
          auth,
        );
        n++;
      } catch (e) {
        this.ctx.log.warn({ err: e, schedule: s.id }, 'scheduled flag change failed');
      }
    }
    return n;
  }

  /** Counts evaluations in memory; `flushCounts` writes them in one batch. */
  countLocal(flag: string, environment: string, variant: string): void {
    const k = `${environment}\u0000${flag}\u0000${variant}`;
    this.pending.set(k, (this.pending.get(k) ?? 0) + 1);
  }

  async flushCounts(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = [...this.pending.entries()].map(([k, count]) => {
      const [environment, flag, variant] = k.split('\u0000');
      return { flag, environment, variant, count };
    });
    this.pending.clear();
    await this.recordCounts(batch);
  }

  async recordCounts(counts: Array<{ flag: string; environment: string; variant: string; count: number }>): Promise<void> {
    if (counts.length === 0) return;
    await this.deps.transaction(async (trx) => {
      await lockKey(trx, EVAL_LOCK);
      await this.store.addCounts(trx, counts, this.ctx.clock.now());
    });
  }

  async list(environment: string): Promise<FlagSummary[]> {
    const [flags, states, counts] = await Promise.all([
      this.ctx.resources.list<FeatureFlagSpec>(SHIPGATE_API_VERSION, 'FeatureFlag'),
      this.store.states(environment),
      this.store.counts({ environment }),
    ]);
    const byFlag = new Map(states.map((s) => [s.flag, s]));
    const evals = new Map<string, number>();
    for (const c of counts) evals.set(c.flag, (evals.get(c.flag) ?? 0) + c.count);
    return flags.map((r) => {
      const spec = parseSpec(r.manifest.spec);
      const name = r.manifest.metadata.name;
      const key = spec.key ?? name;
      const st = byFlag.get(name);
      const env = spec.environments[environment];
      return {
        name,
        key,
        type: spec.type,
        valueType: spec.valueType,
        environment,
        enabled: st?.enabled ?? env?.enabled ?? false,
        killed: st?.killedAtMs !== null && st?.killedAtMs !== undefined && st.enabled === false,
        killedAtMs: st?.killedAtMs ?? null,
        percentage: st?.percentage ?? null,
        rules: env?.rules.length ?? 0,
        evaluations: (evals.get(name) ?? 0) + (key !== name ? (evals.get(key) ?? 0) : 0),
        updatedAtMs: Math.max(Date.parse(r.updatedAt), st?.updatedAtMs ?? 0),
      };
    });
  }

  async stale(environment: string, o: { unchangedForMs?: number; evaluationGraceMs?: number } = {}): Promise<StaleEntry[]> {
    const [flags, summaries] = await Promise.all([this.ctx.resources.list<FeatureFlagSpec>(SHIPGATE_API_VERSION, 'FeatureFlag'), this.list(environment)]);
    const byName = new Map(summaries.map((s) => [s.name, s]));
    return staleFlags(
      flags.map((r) => {
        const s = byName.get(r.manifest.metadata.name)!;
        return {
          name: s.name,
          spec: parseSpec(r.manifest.spec),
          createdAtMs: Date.parse(r.createdAt),
          changedAtMs: s.updatedAtMs,
          enabled: s.enabled,
          percentage: s.percentage,
          evaluations: s.evaluations,
        };
      }),
      { nowMs: this.ctx.clock.now(), environment, ...o },
    );
  }
}

/** Stored specs were validated on apply; parsing again fills defaults added since. */
function parseSpec(spec: FeatureFlagSpec): FeatureFlagSpec {
  const r = featureFlagSpecSchema.safeParse(spec);
  return r.success ? r.data : spec;
}
