/**
 * The FeatureFlag model: schemas (zod) and types shared by the server, the CLI and the provider.
 * Pure, no I/O.
 */
import { z } from 'zod';
import { regexProblem } from '../core/safe-regex';

/** Flag types and how long a flag of that type is expected to live, in days (undefined = permanent). */
export const FLAG_TYPES = {
  release: 40,
  experiment: 40,
  operational: 7,
  'kill-switch': undefined,
  permission: undefined,
} as const satisfies Record<string, number | undefined>;
export type FlagType = keyof typeof FLAG_TYPES;
export const flagTypeSchema = z.enum(Object.keys(FLAG_TYPES) as [FlagType, ...FlagType[]]);

/** Constraint operators, as Unleash names them, plus Shipgate's additions (REGEX, IN_CIDR are Unleash's too). */
export const OPERATORS = [
  'IN',
  'NOT_IN',
  'STR_CONTAINS',
  'STR_STARTS_WITH',
  'STR_ENDS_WITH',
  'NUM_EQ',
  'NUM_GT',
  'NUM_GTE',
  'NUM_LT',
  'NUM_LTE',
  'DATE_AFTER',
  'DATE_BEFORE',
  'SEMVER_EQ',
  'SEMVER_GT',
  'SEMVER_GTE',
  'SEMVER_LT',
  'SEMVER_LTE',
  'REGEX',
  'IN_CIDR',
] as const;
export type Operator = (typeof OPERATORS)[number];

/** Operators that compare with one `value`; the others take a list of `values`. */
export const SINGLE_VALUE_OPERATORS: ReadonlySet<Operator> = new Set([
  'NUM_EQ',
  'NUM_GT',
  'NUM_GTE',
  'NUM_LT',
  'NUM_LTE',
  'DATE_AFTER',
  'DATE_BEFORE',
  'SEMVER_EQ',
  'SEMVER_GT',
  'SEMVER_GTE',
  'SEMVER_LT',
  'SEMVER_LTE',
  'REGEX',
]);

export const constraintSchema = z.strictObject({
  /** Field of the evaluation context (`userId`, `country`, `appVersion`, `currentTime`…). */
  contextName: z.string().min(1),
  operator: z.enum(OPERATORS),
  values: z.array(z.string()).default([]),
  value: z.string().optional(),
  caseInsensitive: z.boolean().default(false),
  /** Negates the result. */
  inverted: z.boolean().default(false),
});
export type Constraint = z.infer<typeof constraintSchema>;

/**
 * How a context is turned into a bucket: a context field, `default` (userId, then sessionId; for
 * variant splits also remoteAddress; a random value when none is set) or `random`.
 */
export const stickinessSchema = z.string().min(1).default('default');

export const rolloutSchema = z.strictObject({
  /** Share of matching contexts that get the flag, 0..100. */
  percentage: z.number().min(0).max(100),
  stickiness: stickinessSchema,
  /** Hash group; defaults to the flag key, so two flags at 10% reach different users. */
  groupId: z.string().optional(),
});
export type Rollout = z.infer<typeof rolloutSchema>;

export const variantOverrideSchema = z.strictObject({
  contextName: z.string().min(1),
  values: z.array(z.string()).min(1),
});

export const splitEntrySchema = z.strictObject({
  variant: z.string().min(1),
  weight: z.number().int().min(0),
  /** Contexts whose field equals one of the values always get this variant. */
  overrides: z.array(variantOverrideSchema).optional(),
});
export type SplitEntry = z.infer<typeof splitEntrySchema>;

/** What a matching rule serves: one variant, or a weighted split between variants. */
export const serveSchema = z.union([
  z.strictObject({ variant: z.string().min(1) }),
  z.strictObject({
    split: z.array(splitEntrySchema).min(1),
    stickiness: stickinessSchema,
    /** Hash group; defaults to the flag key. */
    groupId: z.string().optional(),
  }),
]);
export type Serve = z.infer<typeof serveSchema>;

export const ruleSchema = z.strictObject({
  name: z.string().optional(),
  /** All must hold (AND). */
  constraints: z.array(constraintSchema).default([]),
  /** Names of segments; every constraint of every segment must hold. */
  segments: z.array(z.string().min(1)).default([]),
  rollout: rolloutSchema.optional(),
  /** Defaults to the environment's `serve`, then the flag's. */
  serve: serveSchema.optional(),
});
export type Rule = z.infer<typeof ruleSchema>;

export const environmentConfigSchema = z.strictObject({
  enabled: z.boolean().default(false),
  /** First matching rule wins. No rules at all = on for every context. */
  rules: z.array(ruleSchema).default([]),
  serve: serveSchema.optional(),
});
export type EnvironmentConfig = z.infer<typeof environmentConfigSchema>;

export const prerequisiteSchema = z.strictObject({
  /** Key of the flag this one depends on. */
  flag: z.string().min(1),
  /** true: the parent must be on; false: it must be off. */
  enabled: z.boolean().default(true),
  /** When set, the parent must be on and serve one of these variants. */
  variants: z.array(z.string().min(1)).optional(),
});
export type Prerequisite = z.infer<typeof prerequisiteSchema>;

const jsonValue: z.ZodType<unknown> = z.json();
export const variantValueSchema = z.union([z.boolean(), z.string(), z.number(), jsonValue]);
export type VariantValue = boolean | string | number | null | Record<string, unknown> | unknown[];

export const valueTypeSchema = z.enum(['boolean', 'string', 'number', 'object']);
export type ValueType = z.infer<typeof valueTypeSchema>;

export const featureFlagSpecSchema = z.strictObject({
  /** Key applications ask for; defaults to metadata.name. May hold characters a resource name may not. */
  key: z.string().min(1).max(255).optional(),
  type: flagTypeSchema.default('release'),
  description: z.string().optional(),
  valueType: valueTypeSchema.default('boolean'),
  /** Variant name → value. Boolean flags default to `{ on: true, off: false }`. */
  variants: z.record(z.string().min(1), variantValueSchema).optional(),
  /** Served when the flag is off, disabled or no rule matches. */
  defaultVariant: z.string().min(1).optional(),
  /** Served by a matching rule without its own `serve`; defaults to `on` for boolean flags. */
  serve: serveSchema.optional(),
  prerequisites: z.array(prerequisiteSchema).default([]),
  /** Environment name → its state and targeting. */
  environments: z.record(z.string().min(1), environmentConfigSchema).default({}),
});
export type FeatureFlagSpec = z.infer<typeof featureFlagSpecSchema>;

export const segmentSpecSchema = z.strictObject({
  description: z.string().optional(),
  constraints: z.array(constraintSchema).default([]),
});
export type SegmentSpec = z.infer<typeof segmentSpecSchema>;

/** A flag as the engine sees it: resolved key, variants and defaults filled in. */
export interface FlagDefinition {
  key: string;
  type: FlagType;
  valueType: ValueType;
  variants: Record<string, VariantValue>;
  defaultVariant: string;
  serve?: Serve;
  prerequisites: Prerequisite[];
  /** The environment this definition was cut for (config delivered to SDKs holds one environment). */
  environment: EnvironmentConfig;
}

/** Everything the engine needs to evaluate one environment's flags. */
export interface FlagConfig {
  environment: string;
  flags: FlagDefinition[];
  segments: Record<string, { constraints: Constraint[] }>;
}

/** Fills in defaults for a stored spec and cuts it to one environment. */
export function toFlagDefinition(name: string, spec: FeatureFlagSpec, environment: string): FlagDefinition {
  const variants = (spec.variants as Record<string, VariantValue> | undefined) ?? (spec.valueType === 'boolean' ? { on: true, off: false } : {});
  const defaultVariant = spec.defaultVariant ?? (spec.valueType === 'boolean' ? 'off' : (Object.keys(variants)[0] ?? 'off'));
  const serve = spec.serve ?? (spec.valueType === 'boolean' && 'on' in variants ? { variant: 'on' } : undefined);
  return {
    key: spec.key ?? name,
    type: spec.type,
    valueType: spec.valueType,
    variants,
    defaultVariant,
    serve,
    prerequisites: spec.prerequisites,
    environment: spec.environments[environment] ?? { enabled: false, rules: [] },
  };
}

/** Checks references inside a spec: variants named by serve/default exist, values match valueType. */
export function checkFlagSpec(spec: FeatureFlagSpec): Array<{ path: string; message: string }> {
  const issues: Array<{ path: string; message: string }> = [];
  const def = toFlagDefinition('x', spec, '');
  const names = new Set(Object.keys(def.variants));
  for (const [name, value] of Object.entries(def.variants)) {
    if (!valueMatchesType(value, spec.valueType)) {
      issues.push({ path: `spec.variants.${name}`, message: `expected a ${spec.valueType} value (valueType)` });
    }
  }
  if (!names.has(def.defaultVariant) && (spec.defaultVariant !== undefined || names.size > 0)) {
    issues.push({ path: 'spec.defaultVariant', message: `unknown variant "${def.defaultVariant}"` });
  }
  const checkServe = (serve: Serve | undefined, path: string) => {
    if (!serve) return;
    if ('variant' in serve) {
      if (!names.has(serve.variant)) issues.push({ path: `${path}.variant`, message: `unknown variant "${serve.variant}"` });
    } else {
      serve.split.forEach((e, i) => {
        if (!names.has(e.variant)) issues.push({ path: `${path}.split[${i}].variant`, message: `unknown variant "${e.variant}"` });
      });
    }
  };
  checkServe(spec.serve, 'spec.serve');
  for (const [env, cfg] of Object.entries(spec.environments)) {
    checkServe(cfg.serve, `spec.environments.${env}.serve`);
    cfg.rules.forEach((r, i) => {
      checkServe(r.serve, `spec.environments.${env}.rules[${i}].serve`);
      issues.push(...checkConstraints(r.constraints, `spec.environments.${env}.rules[${i}].constraints`));
    });
  }
  return issues;
}

/**
 * Checks constraints a schema cannot: a single-value operator has its value, and a REGEX pattern
 * compiles with RE2 (no backreferences or lookaround), so a pattern is refused at apply, naming
 * the field, rather than silently never matching.
 */
export function checkConstraints(list: Constraint[], path: string): Array<{ path: string; message: string }> {
  const issues: Array<{ path: string; message: string }> = [];
  list.forEach((c, j) => {
    if (SINGLE_VALUE_OPERATORS.has(c.operator) && c.value === undefined) {
      issues.push({ path: `${path}[${j}].value`, message: `required for ${c.operator}` });
    } else if (c.operator === 'REGEX') {
      const problem = regexProblem(c.value ?? '', c.caseInsensitive);
      if (problem) issues.push({ path: `${path}[${j}].value`, message: problem });
    }
  });
  return issues;
}

/** True when a variant value fits the flag's value type. */
export function valueMatchesType(value: VariantValue, type: ValueType): boolean {
  switch (type) {
    case 'boolean':
      return typeof value === 'boolean';
    case 'string':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number';
    case 'object':
      return value !== null && typeof value === 'object';
  }
}
