/** From a step's desired state and the instances that exist, the route's traffic state. Pure. */
import type { TrafficState } from '../traffic/traffic-router';
import type { DesiredState } from './plan';

export interface VersionInstances {
  /** Label the router uses for the version (see backendNames). */
  name: string;
  instances: string[];
}

/**
 * Router labels for the stable and new revisions: their versions, or `<version>-r<number>` for
 * both when they share a version (a config-only release, an undo), since a route needs distinct
 * version labels.
 */
export function backendNames(
  stable: { version: string; number: number } | null,
  canary: { version: string; number: number },
): { stable: string | null; canary: string } {
  if (!stable) return { stable: null, canary: canary.version };
  if (stable.version !== canary.version) return { stable: stable.version, canary: canary.version };
  return { stable: `${stable.version}-r${stable.number}`, canary: `${canary.version}-r${canary.number}` };
}

export function trafficFor(desired: DesiredState, stable: VersionInstances | null, canary: VersionInstances): TrafficState {
  const backends: TrafficState['backends'] = [];
  const hasStable = stable !== null && desired.stableReplicas > 0 && stable.instances.length > 0;
  const hasCanary = desired.canaryReplicas > 0 && canary.instances.length > 0;
  let w = desired.canaryWeightPercent;
  if (!hasStable) w = 100;
  if (!hasCanary) w = 0;
  if (hasStable) backends.push({ version: stable!.name, weightPercent: 100 - w, instances: [...stable!.instances] });
  if (hasCanary) backends.push({ version: canary.name, weightPercent: w, instances: [...canary.instances] });
  return {
    backends,
    headerRoutes: hasCanary ? desired.headerRoutes.map((h) => ({ ...h, version: canary.name })) : [],
    mirror: hasCanary && desired.mirrorPercent ? { version: canary.name, percent: desired.mirrorPercent } : null,
  };
}
