import { NotFoundError } from '../core/errors';
import type { ResourceStore } from '../resources/resource-store';
import { environmentKind, serviceKind, type EnvironmentSpec, type ServiceSpec } from './kinds';
import type { EnvironmentNode, ServiceNode } from './graph';

/** A Service as the reader returns it: the graph's node and who owns it. */
export interface CatalogService extends ServiceNode {
  owner?: string;
  oncall?: string;
  /** Connection pools the service declares (Service `spec.databases`). */
  databases?: { database: string; pool: number; user?: string }[];
}

/** Reads the stored Service and Environment resources in the shapes the graph analyses take. */
export class CatalogReader {
  constructor(private readonly resources: ResourceStore) {}

  /** Every Service, sorted by name. */
  async services(): Promise<CatalogService[]> {
    const items = await this.resources.list<ServiceSpec>(serviceKind.apiVersion, serviceKind.kind);
    return items.map(({ manifest: m }) => ({
      name: m.metadata.name,
      tier: m.spec.tier,
      ...(m.spec.owner !== undefined ? { owner: m.spec.owner } : {}),
      ...(m.spec.oncall !== undefined ? { oncall: m.spec.oncall } : {}),
      ...(m.spec.sla !== undefined ? { sla: m.spec.sla } : {}),
      external: m.spec.external ?? false,
      dependencies: m.spec.dependencies ?? [],
      databases: m.spec.databases ?? [],
    }));
  }

  /** Every Environment, sorted by name. */
  async environments(): Promise<EnvironmentNode[]> {
    const items = await this.resources.list<EnvironmentSpec>(environmentKind.apiVersion, environmentKind.kind);
    return items.map(({ manifest: m }) => toEnvironment(m.metadata.name, m.spec));
  }

  /** One Environment; NotFoundError naming the known ones when it does not exist. */
  async environment(name: string): Promise<EnvironmentNode> {
    const item = await this.resources.get<EnvironmentSpec>(environmentKind.apiVersion, environmentKind.kind, name);
    if (!item) {
      const known = (await this.environments()).map((e) => e.name);
      throw new NotFoundError(`environment "${name}" not found; known: ${known.length ? known.join(', ') : '(none)'}`);
    }
    return toEnvironment(name, item.manifest.spec);
  }
}

function toEnvironment(name: string, spec: EnvironmentSpec): EnvironmentNode {
  return { name, kind: spec.kind, services: spec.services ?? {} };
}
