/**
 * Applying a RouteTable moves users' traffic, so a route that a Rollout manages goes through the
 * one authorisation path like a release of that Rollout's service: a route whose weights,
 * backends or settings change is a `route.apply` of the service and environment of every Rollout
 * naming it. Routes no Rollout manages carry no service Shipgate governs and apply as before.
 */
import { canonicalJson, sha256 } from '../core/ids';
import type { GateContext, GateSubject } from '../core/kinds';
import type { Manifest } from '../core/manifest';
import type { RouteTableSpec } from './route-table';

interface RolloutLite {
  service?: string;
  environment?: string;
  route?: string;
}

export async function routeTableGate(
  next: Manifest<RouteTableSpec> | undefined,
  prev: Manifest<RouteTableSpec> | undefined,
  ctx: GateContext,
): Promise<GateSubject[]> {
  const before = new Map((prev?.spec.routes ?? []).map((r) => [r.name, r]));
  const after = new Map((next?.spec.routes ?? []).map((r) => [r.name, r]));
  const changed = [...new Set([...before.keys(), ...after.keys()])].filter((n) => canonicalJson(before.get(n) ?? null) !== canonicalJson(after.get(n) ?? null));
  if (changed.length === 0) return [];
  const rollouts = (await ctx.list('Rollout')).map((m) => m.spec as RolloutLite);
  const out: GateSubject[] = [];
  for (const name of changed) {
    for (const r of rollouts.filter((x) => x.route === name && x.service)) {
      out.push({
        action: 'route.apply',
        service: r.service!,
        environment: r.environment ?? 'production',
        kind: 'config',
        title: `${next ? 'apply' : 'delete'} route ${name} of RouteTable ${(next ?? prev)!.metadata.name}`,
        revision: { version: `route/${name}`, artifact: '', configHash: sha256(canonicalJson(after.get(name) ?? null)) },
      });
    }
  }
  return out;
}
