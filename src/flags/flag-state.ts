/**
 * Layers a flag's operational state (kill switch, enable/disable, scheduled percentage) over its
 * manifest. Pure, no I/O.
 */
import type { FlagDefinition } from './flag-model';

/** The parts of the per-environment state that change evaluation. */
export interface StateOverride {
  enabled: boolean | null;
  percentage: number | null;
}

/**
 * `enabled` replaces the manifest's; `percentage` replaces the rollout percentage of every rule
 * (a flag without rules gets one rule with that rollout), so a guarded rollout can raise it step by step.
 */
export function applyStateOverride(def: FlagDefinition, state: StateOverride | undefined): FlagDefinition {
  if (!state || (state.enabled === null && state.percentage === null)) return def;
  const env = { ...def.environment };
  if (state.enabled !== null) env.enabled = state.enabled;
  const pct = state.percentage;
  if (pct !== null) {
    env.rules =
      env.rules.length === 0
        ? [{ constraints: [], segments: [], rollout: { percentage: pct, stickiness: 'default' } }]
        : env.rules.map((r) => ({ ...r, rollout: { stickiness: 'default', ...r.rollout, percentage: pct } }));
  }
  return { ...def, environment: env };
}
