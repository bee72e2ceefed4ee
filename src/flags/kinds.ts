import { featureFlagGate } from './flag-gate';
import { SHIPGATE_API_VERSION, type KindDefinition } from '../core/kinds';
import { checkConstraints, checkFlagSpec, featureFlagSpecSchema, segmentSpecSchema, type FeatureFlagSpec, type SegmentSpec } from './flag-model';

/** `FeatureFlag`: a flag, its variants and its per-environment targeting. */
export const featureFlagKind: KindDefinition<FeatureFlagSpec> = {
  apiVersion: SHIPGATE_API_VERSION,
  kind: 'FeatureFlag',
  names: ['flag', 'flags', 'featureflag', 'featureflags', 'ff'],
  spec: featureFlagSpecSchema,
  description: 'A feature flag: variants, default, and per environment: enabled, rules, rollout',
  gate: (next, prev, ctx) => featureFlagGate(next, prev, ctx),
  columns: [
    { header: 'name', value: (m) => m.metadata.name },
    { header: 'key', value: (m) => m.spec.key ?? m.metadata.name },
    { header: 'type', value: (m) => m.spec.type },
    { header: 'valueType', value: (m) => m.spec.valueType },
    {
      header: 'environments',
      value: (m) =>
        Object.entries(m.spec.environments)
          .map(([env, c]) => `${env}:${c.enabled ? 'on' : 'off'}`)
          .join(','),
    },
  ],
  async validate(m, ctx) {
    const issues = checkFlagSpec(m.spec);
    for (const [env, cfg] of Object.entries(m.spec.environments)) {
      for (const [i, r] of cfg.rules.entries()) {
        for (const [j, name] of r.segments.entries()) {
          if (!(await ctx.find('Segment', name)))
            issues.push({ path: `spec.environments.${env}.rules[${i}].segments[${j}]`, message: `unknown segment "${name}"` });
        }
      }
    }
    return issues;
  },
};

/** `Segment`: a reusable list of constraints rules refer to by name. */
export const segmentKind: KindDefinition<SegmentSpec> = {
  apiVersion: SHIPGATE_API_VERSION,
  kind: 'Segment',
  names: ['segment', 'segments', 'seg'],
  spec: segmentSpecSchema,
  description: 'A reusable set of flag targeting constraints',
  columns: [
    { header: 'name', value: (m) => m.metadata.name },
    { header: 'constraints', value: (m) => m.spec.constraints.length },
  ],
  validate: async (m) => checkConstraints(m.spec.constraints, 'spec.constraints'),
};
