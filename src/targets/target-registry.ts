import type { DeployTarget } from './deploy-target';
import { ProcessTarget, type ProcessTargetOptions } from './process-target';
import { StaticTarget } from './static-target';
import type { TargetSpec } from './target-spec';

/** What adapters may need from the server: folders for state and logs. */
export type TargetDeps = ProcessTargetOptions;

type Factory<T extends TargetSpec['type']> = (spec: Extract<TargetSpec, { type: T }>, deps: TargetDeps) => DeployTarget;

/** Adapters by `target.type`; a Kubernetes adapter adds one entry here. */
export const TARGET_ADAPTERS: { [T in TargetSpec['type']]: Factory<T> } = {
  process: (spec, deps) => new ProcessTarget(spec, deps),
  static: (spec) => new StaticTarget(spec),
};

export function createTarget(spec: TargetSpec, deps: TargetDeps): DeployTarget {
  const factory = TARGET_ADAPTERS[spec.type] as Factory<typeof spec.type>;
  return factory(spec as never, deps);
}
