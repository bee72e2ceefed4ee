/**
 * Environment parity: how an environment where releases are tested (staging) differs from the one
 * users are on (production) in what matters for availability testing — services present, versions,
 * redundancy, dependencies, config keys and route settings — and which differences break a
 * Rollout's own `parity` rules. Pure.
 */
import type { ParityAspect } from '../../core/hooks';

/** One service as it runs in one environment; null fields are unknown there. */
export interface ServiceSide {
  version: string | null;
  instances: number | null;
  /** Config keys of the serving revision (values are never compared: they differ by design). */
  configKeys: string[] | null;
  /** The route's settings (timeouts, retries, limits, health checks…), without its name, match and backends. */
  route: Record<string, unknown> | null;
  routeName: string | null;
}

export interface EnvironmentSide {
  name: string;
  services: Readonly<Record<string, ServiceSide>>;
}

export type DifferenceAspect = ParityAspect | 'version';

export interface Difference {
  service: string;
  aspect: DifferenceAspect;
  /** What each environment has, for people. */
  a: string;
  b: string;
  message: string;
}

export interface ParityRule {
  rollout: string;
  service: string;
  /** The environment the Rollout runs in, and the one it must mirror. */
  environment: string;
  against: string;
  require: ParityAspect[];
}

export interface ParityReport {
  a: string;
  b: string;
  services: number;
  differences: Difference[];
  rules: (ParityRule & { violations: Difference[] })[];
  verdict: 'pass' | 'fail';
}

const ROUTE_SETTINGS_IGNORED = new Set(['name', 'match', 'backends', 'headerRoutes', 'mirror']);

/** The differences between `a` and `b`; `dependencies(s)` are the services `s` depends on (catalog). */
export function compareEnvironments(a: EnvironmentSide, b: EnvironmentSide, dependencies: (service: string) => readonly string[]): Difference[] {
  const out: Difference[] = [];
  const names = [...new Set([...Object.keys(a.services), ...Object.keys(b.services)])].sort();
  for (const s of names) {
    const x = a.services[s];
    const y = b.services[s];
    if (!x || !y) {
      out.push({
        service: s,
        aspect: 'services',
        a: x ? 'present' : 'absent',
        b: y ? 'present' : 'absent',
        message: `${s} runs in ${x ? a.name : b.name} only`,
      });
      continue;
    }
    if (x.version !== null && y.version !== null && x.version !== y.version)
      out.push({ service: s, aspect: 'version', a: x.version, b: y.version, message: `${s} runs ${x.version} in ${a.name}, ${y.version} in ${b.name}` });
    if (x.instances !== null && y.instances !== null && x.instances > 1 !== y.instances > 1)
      out.push({
        service: s,
        aspect: 'redundancy',
        a: String(x.instances),
        b: String(y.instances),
        message: `${s} has ${x.instances} instance(s) in ${a.name} and ${y.instances} in ${b.name}: losing one instance is ${x.instances > 1 ? 'survived' : 'an outage'} in ${a.name} but ${y.instances > 1 ? 'survived' : 'an outage'} in ${b.name}`,
      });
    if (x.configKeys && y.configKeys) {
      const onlyA = x.configKeys.filter((k) => !y.configKeys!.includes(k));
      const onlyB = y.configKeys.filter((k) => !x.configKeys!.includes(k));
      if (onlyA.length || onlyB.length)
        out.push({
          service: s,
          aspect: 'configKeys',
          a: onlyA.join(', ') || '-',
          b: onlyB.join(', ') || '-',
          message: `${s}'s config keys differ: ${[onlyA.length ? `${onlyA.join(', ')} only in ${a.name}` : '', onlyB.length ? `${onlyB.join(', ')} only in ${b.name}` : ''].filter(Boolean).join('; ')}`,
        });
    }
    if (x.route && y.route) {
      const fields = [...new Set([...Object.keys(x.route), ...Object.keys(y.route)])].filter((k) => !ROUTE_SETTINGS_IGNORED.has(k)).sort();
      const differing = fields.filter((k) => JSON.stringify(x.route![k] ?? null) !== JSON.stringify(y.route![k] ?? null));
      if (differing.length)
        out.push({
          service: s,
          aspect: 'routes',
          a: differing.map((k) => `${k}=${JSON.stringify(x.route![k] ?? null)}`).join(' '),
          b: differing.map((k) => `${k}=${JSON.stringify(y.route![k] ?? null)}`).join(' '),
          message: `${s}'s routes (${x.routeName} in ${a.name}, ${y.routeName} in ${b.name}) differ in ${differing.join(', ')}`,
        });
    }
  }
  // A dependency that serves where users are but not where tests run: its failure modes go untested.
  for (const [here, there] of [
    [a, b],
    [b, a],
  ] as const) {
    for (const s of Object.keys(here.services).sort()) {
      if (!there.services[s]) continue;
      for (const d of dependencies(s)) {
        if (there.services[d] && !here.services[d])
          out.push({
            service: s,
            aspect: 'dependencies',
            a: here === a ? `no ${d}` : d,
            b: here === a ? d : `no ${d}`,
            message: `${s} depends on ${d}, which runs in ${there.name} but not in ${here.name}`,
          });
      }
    }
  }
  return out;
}

/** The report: every difference, and for each Rollout parity rule between the two, the differences it does not allow. */
export function parityReport(a: EnvironmentSide, b: EnvironmentSide, differences: Difference[], rules: readonly ParityRule[]): ParityReport {
  const checked = rules
    .filter((r) => (r.environment === a.name && r.against === b.name) || (r.environment === b.name && r.against === a.name))
    .map((r) => ({
      ...r,
      violations: differences.filter((d) => d.service === r.service && d.aspect !== 'version' && r.require.includes(d.aspect)),
    }));
  return {
    a: a.name,
    b: b.name,
    services: new Set([...Object.keys(a.services), ...Object.keys(b.services)]).size,
    differences,
    rules: checked,
    verdict: checked.some((r) => r.violations.length) ? 'fail' : 'pass',
  };
}
