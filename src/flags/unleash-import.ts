/**
 * Unleash client API feature JSON (`GET /api/client/features`) → Shipgate FeatureFlag and Segment
 * manifests for one environment. Pure, no I/O. Evaluating the result with FlagEngine gives the
 * answers Unleash SDKs give (the client specification cases pass through this path).
 */
import { z } from 'zod';
import { parseInput, SHIPGATE_API_VERSION } from '../core/kinds';
import type { Manifest } from '../core/manifest';
import { murmurHash3 } from '../core/murmur-hash3';
import {
  OPERATORS,
  flagTypeSchema,
  type Constraint,
  type FeatureFlagSpec,
  type Rule,
  type Serve,
  type SegmentSpec,
  type SplitEntry,
  type ValueType,
  type VariantValue,
} from './flag-model';
import type { EvaluationResult } from './flag-engine';

const unleashConstraint = z.looseObject({
  contextName: z.string(),
  operator: z.string(),
  values: z.array(z.string()).optional(),
  value: z.string().optional(),
  caseInsensitive: z.boolean().optional(),
  inverted: z.boolean().optional(),
});
const unleashPayload = z.looseObject({ type: z.string(), value: z.string() });
const unleashVariant = z.looseObject({
  name: z.string().min(1),
  weight: z.number().default(0),
  stickiness: z.string().optional(),
  payload: unleashPayload.optional(),
  overrides: z.array(z.looseObject({ contextName: z.string(), values: z.array(z.string()) })).optional(),
});
const unleashStrategy = z.looseObject({
  name: z.string(),
  parameters: z.record(z.string(), z.unknown()).optional(),
  constraints: z.array(unleashConstraint).optional(),
  segments: z.array(z.number()).optional(),
  variants: z.array(unleashVariant).optional(),
});
const unleashFeature = z.looseObject({
  name: z.string().min(1),
  type: z.string().optional(),
  description: z.string().nullish(),
  enabled: z.boolean(),
  strategies: z.array(unleashStrategy).default([]),
  variants: z.array(unleashVariant).nullish(),
  dependencies: z.array(z.looseObject({ feature: z.string(), enabled: z.boolean().optional(), variants: z.array(z.string()).optional() })).optional(),
});
const unleashSegment = z.looseObject({ id: z.number(), name: z.string().optional(), constraints: z.array(unleashConstraint).default([]) });

/** The Unleash client API response (also accepted: a client-specification file's `state`). */
export const unleashFeaturesSchema = z.looseObject({
  version: z.number().optional(),
  features: z.array(unleashFeature),
  segments: z.array(unleashSegment).optional(),
});
export type UnleashFeatures = z.infer<typeof unleashFeaturesSchema>;
type UnleashVariant = z.infer<typeof unleashVariant>;
type UnleashConstraint = z.infer<typeof unleashConstraint>;

export interface UnleashImport {
  flags: Array<Manifest<FeatureFlagSpec>>;
  segments: Array<Manifest<SegmentSpec>>;
  /** Things that could not be carried over exactly, one line each. */
  warnings: string[];
}

/** Name of the variant an imported flag serves when off, as Unleash calls it. */
export const UNLEASH_DISABLED_VARIANT = 'disabled';

const operatorSet = new Set<string>(OPERATORS);
const NEVER: Rule = { constraints: [], segments: [], rollout: { percentage: 0, stickiness: 'default' } };

/** Converts an Unleash feature export into manifests for `environment`. Throws InputError on a malformed document. */
export function importUnleash(input: unknown, environment: string): UnleashImport {
  const doc = parseInput(unleashFeaturesSchema, input, 'Unleash feature JSON');
  const warnings: string[] = [];
  const names = new Set<string>();
  const segmentNames = new Map<number, string>();
  const segments: Array<Manifest<SegmentSpec>> = [];
  for (const s of doc.segments ?? []) {
    const name = uniqueName(s.name ? `segment-${s.name}` : `segment-${s.id}`, String(s.id), names);
    segmentNames.set(s.id, name);
    const constraints = s.constraints.map((c) => convertConstraint(c, `segment ${s.id}`, warnings));
    const usable = constraints.filter((c): c is Constraint => c !== undefined);
    segments.push(manifest('Segment', name, { constraints: usable.length === constraints.length ? usable : [neverConstraint()] }));
  }

  const flags = doc.features.map((f) => {
    const allVariants = [...(f.variants ?? []), ...f.strategies.flatMap((s) => s.variants ?? [])];
    const { valueType, values } = variantValues(allVariants);
    const variants: Record<string, VariantValue> = {};
    let serve: Serve | undefined;
    if (valueType === 'boolean') {
      Object.assign(variants, { on: true, off: false });
      serve = { variant: 'on' };
    } else {
      variants[UNLEASH_DISABLED_VARIANT] = emptyValue(valueType);
      for (const v of allVariants) variants[v.name] = values.get(v)!;
      if (f.variants && f.variants.length > 0) serve = split(f.variants, f.name);
    }
    const rules: Rule[] = f.strategies.map((s) => {
      const where = `feature "${f.name}", strategy "${s.name}"`;
      const rule = convertStrategy(s.name, s.parameters ?? {}, f.name, where, warnings);
      if (!rule) return NEVER;
      const constraints = (s.constraints ?? []).map((c) => convertConstraint(c, where, warnings));
      if (constraints.some((c) => c === undefined)) return NEVER;
      rule.constraints = [...rule.constraints, ...(constraints as Constraint[])];
      for (const id of s.segments ?? []) {
        const seg = segmentNames.get(id);
        if (seg === undefined) {
          warnings.push(`${where}: unknown segment ${id}; the strategy never matches`);
          return NEVER;
        }
        rule.segments.push(seg);
      }
      if (s.variants && s.variants.length > 0 && valueType !== 'boolean') {
        const p = s.parameters ?? {};
        rule.serve = split(s.variants, typeof p.groupId === 'string' ? p.groupId : f.name, typeof p.stickiness === 'string' ? p.stickiness : undefined);
      }
      return rule;
    });
    const type = flagTypeSchema.safeParse(f.type);
    const spec: FeatureFlagSpec = {
      key: f.name,
      type: type.success ? type.data : 'release',
      ...(f.description ? { description: f.description } : {}),
      valueType,
      variants,
      defaultVariant: valueType === 'boolean' ? 'off' : UNLEASH_DISABLED_VARIANT,
      ...(serve ? { serve } : {}),
      prerequisites: (f.dependencies ?? []).map((d) => ({
        flag: d.feature,
        enabled: d.enabled ?? true,
        ...(d.variants?.length ? { variants: d.variants } : {}),
      })),
      environments: { [environment]: { enabled: f.enabled, rules } },
    };
    return manifest('FeatureFlag', uniqueName(f.name, f.name, names), spec);
  });
  return { flags, segments, warnings };
}

function manifest<S>(kind: string, name: string, spec: S): Manifest<S> {
  return { apiVersion: SHIPGATE_API_VERSION, kind, metadata: { name }, spec } as Manifest<S>;
}

/** A resource name from a free-form key: lowercase, invalid characters to "-", a hash suffix on clashes. */
function uniqueName(key: string, hashOf: string, taken: Set<string>): string {
  let base = key
    .toLowerCase()
    .replace(/[^-a-z0-9._]+/g, '-')
    .replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '')
    .slice(0, 200);
  if (!base) base = 'flag';
  let name = base;
  if (taken.has(name)) name = `${base}-${murmurHash3(hashOf).toString(16)}`;
  let n = 2;
  while (taken.has(name)) name = `${base}-${n++}`;
  taken.add(name);
  return name;
}

function neverConstraint(): Constraint {
  return { contextName: 'never', operator: 'IN', values: [], caseInsensitive: false, inverted: false };
}

function convertConstraint(c: UnleashConstraint, where: string, warnings: string[]): Constraint | undefined {
  if (!operatorSet.has(c.operator)) {
    warnings.push(`${where}: unknown operator ${c.operator}; the strategy never matches`);
    return undefined;
  }
  return {
    contextName: c.contextName,
    operator: c.operator as Constraint['operator'],
    values: c.values ?? [],
    ...(c.value !== undefined ? { value: c.value } : {}),
    caseInsensitive: c.caseInsensitive ?? false,
    inverted: c.inverted ?? false,
  };
}

function list(v: unknown): string[] {
  return typeof v === 'string'
    ? v
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '')
    : [];
}

function pct(v: unknown): number {
  const n = Number(v);
  return Number.isFinite(n) ? Math.min(100, Math.max(0, n)) : 0;
}

function convertStrategy(name: string, p: Record<string, unknown>, featureName: string, where: string, warnings: string[]): Rule | undefined {
  const groupId = typeof p.groupId === 'string' && p.groupId !== '' ? p.groupId : featureName;
  const rule = (extra: Partial<Rule>): Rule => ({ constraints: [], segments: [], ...extra });
  const c = (contextName: string, operator: Constraint['operator'], values: string[]): Constraint => ({
    contextName,
    operator,
    values,
    caseInsensitive: false,
    inverted: false,
  });
  switch (name) {
    case 'default':
      return rule({});
    case 'flexibleRollout':
      return rule({
        rollout: { percentage: pct(p.rollout), stickiness: typeof p.stickiness === 'string' && p.stickiness ? p.stickiness : 'default', groupId },
      });
    case 'gradualRolloutUserId':
      return rule({ rollout: { percentage: pct(p.percentage), stickiness: 'userId', groupId: typeof p.groupId === 'string' ? p.groupId : '' } });
    case 'gradualRolloutSessionId':
      return rule({ rollout: { percentage: pct(p.percentage), stickiness: 'sessionId', groupId: typeof p.groupId === 'string' ? p.groupId : '' } });
    case 'gradualRolloutRandom':
      return rule({ rollout: { percentage: pct(p.percentage), stickiness: 'random', groupId: '' } });
    case 'userWithId':
      return rule({ constraints: [c('userId', 'IN', list(p.userIds))] });
    case 'remoteAddress':
      return rule({ constraints: [c('remoteAddress', 'IN_CIDR', list(p.IPs))] });
    case 'applicationHostname':
      warnings.push(`${where}: matched against the "hostname" context field (lowercase)`);
      return rule({ constraints: [c('hostname', 'IN', list(typeof p.hostNames === 'string' ? p.hostNames.toLowerCase() : ''))] });
    default:
      warnings.push(`${where}: unknown strategy; it never matches`);
      return undefined;
  }
}

function split(variants: UnleashVariant[], groupId: string, fallbackStickiness?: string): Serve {
  const entries: SplitEntry[] = variants.map((v) => ({
    variant: v.name,
    weight: Math.max(0, Math.round(v.weight)),
    ...(v.overrides?.length ? { overrides: v.overrides.filter((o) => o.values.length > 0) } : {}),
  }));
  return { split: entries, stickiness: variants[0]?.stickiness || fallbackStickiness || 'default', groupId };
}

/** Picks one value type for all variants and converts each payload to it. */
function variantValues(variants: UnleashVariant[]): { valueType: ValueType; values: Map<UnleashVariant, VariantValue> } {
  const values = new Map<UnleashVariant, VariantValue>();
  if (variants.length === 0) return { valueType: 'boolean', values };
  const kinds = new Set(variants.map((v) => payloadKind(v)));
  const only = kinds.size === 1 ? [...kinds][0] : 'mixed';
  const valueType: ValueType = only === 'string' || only === 'none' ? 'string' : only === 'number' ? 'number' : 'object';
  for (const v of variants) {
    const p = v.payload;
    if (only === 'none') values.set(v, v.name);
    else if (only === 'string') values.set(v, p!.value);
    else if (only === 'number') values.set(v, Number(p!.value));
    else if (only === 'json') values.set(v, JSON.parse(p!.value) as VariantValue);
    else values.set(v, p ? { type: p.type, value: p.value } : {});
  }
  return { valueType, values };
}

function payloadKind(v: UnleashVariant): string {
  const p = v.payload;
  if (!p) return 'none';
  if (p.type === 'string' || p.type === 'csv') return 'string';
  if (p.type === 'number') return Number.isFinite(Number(p.value)) ? 'number' : 'mixed-number';
  if (p.type === 'json') {
    try {
      const parsed = JSON.parse(p.value) as unknown;
      return parsed !== null && typeof parsed === 'object' ? 'json' : 'mixed-json';
    } catch {
      return 'mixed-json';
    }
  }
  return `other-${p.type}`;
}

function emptyValue(t: ValueType): VariantValue {
  return t === 'string' ? '' : t === 'number' ? 0 : t === 'object' ? {} : false;
}

/** The Unleash variant for an engine result of an imported flag (`getVariant`'s answer). */
export function toUnleashVariant(
  r: EvaluationResult,
  valueType: ValueType,
): { name: string; enabled: boolean; feature_enabled: boolean; payload?: { type: string; value: string } } {
  if (!r.assigned || valueType === 'boolean' || r.variant === undefined) {
    return { name: UNLEASH_DISABLED_VARIANT, enabled: false, feature_enabled: r.enabled };
  }
  const base = { name: r.variant, enabled: true, feature_enabled: r.enabled };
  const v = r.value;
  if (valueType === 'string') return v === r.variant ? base : { ...base, payload: { type: 'string', value: String(v) } };
  if (valueType === 'number') return { ...base, payload: { type: 'number', value: String(v) } };
  if (v && typeof v === 'object' && !Array.isArray(v) && 'type' in v && 'value' in v && Object.keys(v).length === 2) {
    return { ...base, payload: v as { type: string; value: string } };
  }
  if (v && typeof v === 'object' && Object.keys(v).length === 0) return base;
  return { ...base, payload: { type: 'json', value: JSON.stringify(v) } };
}
