import { compareNames, type DeployedService, type EnvironmentNode } from './graph';

/** A service that runs differently in the compared environments. */
export interface DriftEntry {
  service: string;
  /** What differs: the version, the config hash (compared where it is set), or both. */
  differs: ('version' | 'configHash')[];
  /** What runs in each compared environment, keyed by environment name; null where it does not run. */
  environments: Record<string, DeployedService | null>;
  /** Compared environments that do not list the service. */
  absentFrom: string[];
}

export interface DriftReport {
  /** The compared environments, in the order given. */
  environments: string[];
  /** Services listed in at least two of them. */
  compared: number;
  drift: DriftEntry[];
}

/**
 * Version drift: services whose version or config hash differs between environments (e.g. staging
 * vs production). A service listed in only one environment cannot drift; it is left out. A config
 * hash missing in one environment is unknown there, not a difference.
 */
export function findDrift(environments: readonly EnvironmentNode[]): DriftReport {
  const names = new Set<string>();
  for (const env of environments) for (const s of Object.keys(env.services)) names.add(s);

  const drift: DriftEntry[] = [];
  let compared = 0;
  for (const service of [...names].sort(compareNames)) {
    const present = environments.filter((env) => env.services[service] !== undefined);
    if (present.length < 2) continue;
    compared++;
    const runs = present.map((env) => env.services[service]);
    const differs: DriftEntry['differs'] = [];
    if (new Set(runs.map((r) => r.version)).size > 1) differs.push('version');
    const hashes = runs.map((r) => r.configHash).filter((h): h is string => h !== undefined);
    if (new Set(hashes).size > 1) differs.push('configHash');
    if (!differs.length) continue;
    drift.push({
      service,
      differs,
      environments: Object.fromEntries(environments.map((env) => [env.name, env.services[service] ?? null])),
      absentFrom: environments.filter((env) => env.services[service] === undefined).map((env) => env.name),
    });
  }
  return { environments: environments.map((e) => e.name), compared, drift };
}
