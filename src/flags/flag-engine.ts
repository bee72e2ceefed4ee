/**
 * The flag evaluation engine, shared by the server (OFREP) and the OpenFeature provider.
 * Pure: no I/O; time and randomness come from options. A configuration is compiled once
 * (constraints into predicates, splits into cumulative weights) and then evaluated many times.
 */
import { compileConstraints, contextValue, type ContextPredicate, type EvaluationContext } from './constraint-operators';
import { rolloutBucket, variantBucket } from './bucket';
import type { FlagConfig, FlagDefinition, Serve, ValueType, VariantValue } from './flag-model';
import { valueMatchesType } from './flag-model';

/** Why a value was served (OpenFeature reasons). */
export type Reason = 'STATIC' | 'TARGETING_MATCH' | 'SPLIT' | 'DISABLED' | 'DEFAULT' | 'ERROR';
/** OpenFeature error codes. */
export type ErrorCode = 'FLAG_NOT_FOUND' | 'TYPE_MISMATCH' | 'PARSE_ERROR' | 'TARGETING_KEY_MISSING' | 'INVALID_CONTEXT' | 'GENERAL';

export interface EvaluationResult {
  key: string;
  value: VariantValue;
  /** Name of the variant served; undefined only for errors. */
  variant?: string;
  reason: Reason;
  /** True when the flag is on for this context (a rule matched); Unleash's `feature_enabled`. */
  enabled: boolean;
  /** True when `variant` came from a rule or split rather than being the default variant. */
  assigned: boolean;
  errorCode?: ErrorCode;
  errorMessage?: string;
  /** Index of the rule that matched, if any. */
  ruleIndex?: number;
}

export interface EngineOptions {
  /** Evaluation time, ms since epoch, for date constraints. Default: Date.now. */
  nowMs?: () => number;
  /** Uniform [0,1) source for `random` stickiness. Default: Math.random. */
  random?: () => number;
}

interface CompiledServe {
  /** Picks a variant name, or undefined when the split has no weight. */
  pick(ctx: EvaluationContext): string | undefined;
  split: boolean;
}

interface CompiledRule {
  matches: ContextPredicate;
  targeted: boolean;
  rollout?: { percentage: number; stickiness: string; groupId: string };
  serve?: CompiledServe;
}

interface CompiledFlag {
  def: FlagDefinition;
  enabled: boolean;
  rules: CompiledRule[];
  envServe?: CompiledServe;
  flagServe?: CompiledServe;
}

const MAX_PREREQUISITE_DEPTH = 8;

/** Evaluates the flags of one environment. */
export class FlagEngine {
  private readonly flags = new Map<string, CompiledFlag>();
  private readonly nowMs: () => number;
  private readonly random: () => number;

  constructor(
    readonly config: FlagConfig,
    options: EngineOptions = {},
  ) {
    this.nowMs = options.nowMs ?? Date.now;
    this.random = options.random ?? Math.random;
    for (const def of config.flags) this.flags.set(def.key, this.compile(def));
  }

  has(key: string): boolean {
    return this.flags.has(key);
  }

  keys(): string[] {
    return [...this.flags.keys()];
  }

  definition(key: string): FlagDefinition | undefined {
    return this.flags.get(key)?.def;
  }

  /**
   * Evaluates one flag. With `expectedType`, a flag of another value type resolves to an ERROR
   * with TYPE_MISMATCH (OpenFeature typed resolution).
   */
  evaluate(key: string, ctx: EvaluationContext, expectedType?: ValueType): EvaluationResult {
    const flag = this.flags.get(key);
    if (!flag) {
      return { key, value: null, reason: 'ERROR', enabled: false, assigned: false, errorCode: 'FLAG_NOT_FOUND', errorMessage: `flag "${key}" not found` };
    }
    if (expectedType && flag.def.valueType !== expectedType) {
      return {
        key,
        value: null,
        reason: 'ERROR',
        enabled: false,
        assigned: false,
        errorCode: 'TYPE_MISMATCH',
        errorMessage: `flag "${key}" is of type ${flag.def.valueType}, not ${expectedType}`,
      };
    }
    return this.run(flag, ctx, this.nowMs(), 0);
  }

  /** Evaluates every flag of the configuration. */
  evaluateAll(ctx: EvaluationContext): EvaluationResult[] {
    const now = this.nowMs();
    const out: EvaluationResult[] = [];
    for (const flag of this.flags.values()) out.push(this.run(flag, ctx, now, 0));
    return out;
  }

  private run(flag: CompiledFlag, ctx: EvaluationContext, now: number, depth: number): EvaluationResult {
    const def = flag.def;
    if (!flag.enabled) return this.fallback(def, 'DISABLED');
    if (def.prerequisites.length > 0) {
      if (depth >= MAX_PREREQUISITE_DEPTH) {
        return {
          ...this.fallback(def, 'ERROR'),
          errorCode: 'GENERAL',
          errorMessage: `prerequisites of "${def.key}" nest deeper than ${MAX_PREREQUISITE_DEPTH} (a cycle?)`,
        };
      }
      for (const p of def.prerequisites) {
        const parent = this.flags.get(p.flag);
        if (!parent) return this.fallback(def, 'DEFAULT');
        const r = this.run(parent, ctx, now, depth + 1);
        if (r.errorCode) return { ...this.fallback(def, 'ERROR'), errorCode: r.errorCode, errorMessage: r.errorMessage };
        const ok = p.enabled === false ? !r.enabled : r.enabled && (!p.variants || (r.variant !== undefined && p.variants.includes(r.variant)));
        if (!ok) return this.fallback(def, 'DEFAULT');
      }
    }
    if (flag.rules.length === 0) return this.serve(flag, undefined, undefined, ctx);
    for (let i = 0; i < flag.rules.length; i++) {
      const rule = flag.rules[i];
      if (!rule.matches(ctx, now)) continue;
      if (rule.rollout && !this.inRollout(rule.rollout, ctx)) continue;
      return this.serve(flag, rule, i, ctx);
    }
    return this.fallback(def, 'DEFAULT');
  }

  private inRollout(r: { percentage: number; stickiness: string; groupId: string }, ctx: EvaluationContext): boolean {
    if (r.percentage <= 0) return false;
    let id: string | undefined;
    if (r.stickiness === 'default') {
      id = nonEmpty(ctx.userId) ?? nonEmpty(ctx.sessionId) ?? String(Math.round(this.random() * 10000) + 1);
    } else if (r.stickiness === 'random') {
      id = String(Math.round(this.random() * 10000) + 1);
    } else {
      id = contextValue(ctx, r.stickiness);
    }
    if (!id) return false;
    return rolloutBucket(r.groupId, id) <= r.percentage;
  }

  private serve(flag: CompiledFlag, rule: CompiledRule | undefined, ruleIndex: number | undefined, ctx: EvaluationContext): EvaluationResult {
    const def = flag.def;
    const partial = rule?.rollout !== undefined && rule.rollout.percentage < 100;
    const baseReason: 'STATIC' | 'TARGETING_MATCH' | 'SPLIT' = partial ? 'SPLIT' : rule?.targeted ? 'TARGETING_MATCH' : 'STATIC';
    for (const s of [rule?.serve, flag.envServe, flag.flagServe]) {
      if (!s) continue;
      const variant = s.pick(ctx);
      if (variant === undefined) continue;
      return {
        key: def.key,
        value: def.variants[variant] ?? null,
        variant,
        reason: s.split ? 'SPLIT' : baseReason,
        enabled: true,
        assigned: true,
        ruleIndex,
      };
    }
    return {
      key: def.key,
      value: def.variants[def.defaultVariant] ?? null,
      variant: def.defaultVariant,
      reason: baseReason,
      enabled: true,
      assigned: false,
      ruleIndex,
    };
  }

  private fallback(def: FlagDefinition, reason: Reason): EvaluationResult {
    return { key: def.key, value: def.variants[def.defaultVariant] ?? null, variant: def.defaultVariant, reason, enabled: false, assigned: false };
  }

  private compile(def: FlagDefinition): CompiledFlag {
    const env = def.environment;
    return {
      def,
      enabled: env.enabled,
      rules: env.rules.map((r) => {
        const segs = r.segments.map((name) => this.config.segments[name]);
        const missingSegment = segs.some((s) => s === undefined);
        const constraints = [...r.constraints, ...segs.flatMap((s) => s?.constraints ?? [])];
        const matches: ContextPredicate = missingSegment ? () => false : compileConstraints(constraints);
        return {
          matches,
          targeted: constraints.length > 0,
          rollout: r.rollout && { percentage: r.rollout.percentage, stickiness: r.rollout.stickiness ?? 'default', groupId: r.rollout.groupId ?? def.key },
          serve: r.serve && this.compileServe(r.serve, def.key),
        };
      }),
      envServe: env.serve && this.compileServe(env.serve, def.key),
      flagServe: def.serve && this.compileServe(def.serve, def.key),
    };
  }

  private compileServe(s: Serve, flagKey: string): CompiledServe {
    if ('variant' in s) {
      const v = s.variant;
      return { pick: () => v, split: false };
    }
    const entries = s.split;
    const total = entries.reduce((a, e) => a + e.weight, 0);
    const groupId = s.groupId ?? flagKey;
    const stickiness = s.stickiness ?? 'default';
    const withOverrides = entries.filter((e) => e.overrides && e.overrides.length > 0);
    const nonZero = entries.filter((e) => e.weight > 0).length;
    const pick = (ctx: EvaluationContext): string | undefined => {
      if (total <= 0) return undefined;
      for (const e of withOverrides) {
        for (const o of e.overrides!) {
          const v = contextValue(ctx, o.contextName);
          if (v !== undefined && o.values.includes(v)) return e.variant;
        }
      }
      const seed = this.variantSeed(ctx, stickiness);
      const target = variantBucket(groupId, seed, total);
      let counter = 0;
      for (const e of entries) {
        if (e.weight === 0) continue;
        counter += e.weight;
        if (counter >= target) return e.variant;
      }
      return undefined;
    };
    return { pick, split: nonZero > 1 || withOverrides.length > 0 };
  }

  private variantSeed(ctx: EvaluationContext, stickiness: string): string {
    if (stickiness !== 'default') {
      return contextValue(ctx, stickiness) ?? String(Math.round(this.random() * 100000));
    }
    return nonEmpty(ctx.userId) ?? nonEmpty(ctx.sessionId) ?? nonEmpty(ctx.remoteAddress) ?? String(Math.round(this.random() * 100000));
  }
}

function nonEmpty(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/**
 * Maps an OpenFeature evaluation context to the engine's: `targetingKey` stands in for `userId`
 * when the latter is absent, so rollouts stick to the targeting key.
 */
export function fromOpenFeatureContext(ctx: Record<string, unknown>): EvaluationContext {
  if (ctx.userId === undefined && typeof ctx.targetingKey === 'string' && ctx.targetingKey !== '') {
    return { ...ctx, userId: ctx.targetingKey };
  }
  return ctx;
}

/** True when the result's value fits the type the caller asked for. */
export function resultMatchesType(r: EvaluationResult, type: ValueType): boolean {
  return valueMatchesType(r.value, type);
}
