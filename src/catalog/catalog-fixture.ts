import type { DependencyRef, ServiceNode } from './graph';

/** Attributes of a service in a fixture; `deps` uses the short dependency notation of {@link parseDeps}. */
export interface FixtureService {
  deps?: string;
  sla?: number;
  tier?: number;
  external?: boolean;
}

/**
 * Short dependency notation for tests and benchmarks, space separated:
 * `db` hard, `db!cache` hard with fallback "cache", `recs~` soft without fallback,
 * `recs~cached list` is not allowed (spaces split): use `recs~cached-list`.
 */
export function parseDeps(deps: string): DependencyRef[] {
  return deps
    .split(/\s+/)
    .filter(Boolean)
    .map((token) => {
      const soft = token.indexOf('~');
      const hard = token.indexOf('!');
      const at = soft >= 0 ? soft : hard;
      if (at < 0) return { service: token, kind: 'hard' as const };
      const fallback = token.slice(at + 1);
      return {
        service: token.slice(0, at),
        kind: soft >= 0 ? ('soft' as const) : ('hard' as const),
        ...(fallback ? { fallback } : {}),
      };
    });
}

/** Builds services from `{ name: 'deps' }` or `{ name: { deps, sla, tier, external } }`. */
export function fixtureServices(spec: Record<string, string | FixtureService>): ServiceNode[] {
  return Object.entries(spec).map(([name, v]) => {
    const s: FixtureService = typeof v === 'string' ? { deps: v } : v;
    return {
      name,
      ...(s.sla !== undefined ? { sla: s.sla } : {}),
      ...(s.tier !== undefined ? { tier: s.tier } : {}),
      ...(s.external !== undefined ? { external: s.external } : {}),
      dependencies: parseDeps(s.deps ?? ''),
    };
  });
}
