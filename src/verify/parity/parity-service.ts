/**
 * Gathers what `env parity` compares, from what the server knows of each environment: what serves
 * there (HOOKS.deployments: version, config keys), its Rollouts (route, replicas, parity rules), the
 * Environment resource's declared services (for services Shipgate does not release), the stored
 * RouteTables (route settings, the first definition of a name, as the router merges them) and the
 * catalog's dependencies (HOOKS.graph). Reads only; no network I/O.
 */
import type { ServerContext } from '../../core/capability';
import { HOOKS } from '../../core/hooks';
import { SHIPGATE_API_VERSION } from '../../core/kinds';
import { compareEnvironments, parityReport, type EnvironmentSide, type ParityReport, type ServiceSide } from './parity';

interface DeclaredEnvironment {
  services?: Record<string, { version?: string; instances?: number }>;
}
interface StoredRouteTable {
  routes?: ({ name?: string } & Record<string, unknown>)[];
}

export async function environmentParity(ctx: ServerContext, a: string, b: string): Promise<ParityReport> {
  const deployments = ctx.services.get(HOOKS.deployments);
  const graph = await ctx.services.get(HOOKS.graph)?.snapshot();
  const [deployed, rollouts, envs, tables] = await Promise.all([
    deployments ? deployments.deployed() : Promise.resolve([]),
    deployments ? deployments.rollouts() : Promise.resolve([]),
    ctx.resources.list<DeclaredEnvironment>(SHIPGATE_API_VERSION, 'Environment'),
    ctx.resources.list<StoredRouteTable>(SHIPGATE_API_VERSION, 'RouteTable'),
  ]);
  const routes = new Map<string, Record<string, unknown>>();
  for (const t of [...tables].sort((x, y) => (x.manifest.metadata.name < y.manifest.metadata.name ? -1 : 1)))
    for (const r of t.manifest.spec?.routes ?? []) if (r.name && !routes.has(r.name)) routes.set(r.name, r);
  const side = (env: string): EnvironmentSide => {
    const declared = envs.find((e) => e.manifest.metadata.name === env)?.manifest.spec?.services ?? {};
    const names = new Set([...deployed.filter((d) => d.environment === env).map((d) => d.service), ...Object.keys(declared)]);
    const services: Record<string, ServiceSide> = {};
    for (const s of names) {
      const d = deployed.find((x) => x.environment === env && x.service === s);
      const r = rollouts.find((x) => x.environment === env && x.service === s);
      const routeName = r?.route ?? null;
      services[s] = {
        version: d?.version ?? declared[s]?.version ?? null,
        instances: r?.replicas ?? declared[s]?.instances ?? null,
        configKeys: d ? d.configKeys : null,
        route: routeName ? (routes.get(routeName) ?? null) : null,
        routeName,
      };
    }
    return { name: env, services };
  };
  const sa = side(a);
  const sb = side(b);
  const deps = (s: string) => (graph?.service(s) ? graph.dependencies(s).map((e) => e.service) : []);
  const rules = rollouts.flatMap((r) =>
    r.parity ? [{ rollout: r.name, service: r.service, environment: r.environment, against: r.parity.against, require: r.parity.require }] : [],
  );
  return parityReport(sa, sb, compareEnvironments(sa, sb, deps), rules);
}
