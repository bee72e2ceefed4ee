/**
 * Keeps CapacityReservations: every tick, each service with a reservation (or that had one in this
 * process) is brought to max(its Rollout's replicas, the reservation in force) through the
 * rollout capability's scaler (HOOKS.scaler): up from the lead time before each occurrence, back
 * down after it. Also answers HOOKS.reservations for the authorizer and the change calendar.
 */
import type { ServerContext } from '../core/capability';
import { HOOKS, type Reservations } from '../core/hooks';
import { SHIPGATE_API_VERSION } from '../core/kinds';
import { RESERVATION_KIND, reservationSpec, reservedAt, reservedDuring, type ReservationSpec } from './reservation';

export class ReservationWatch {
  private readonly kept = new Map<string, { service: string; environment: string }>();

  constructor(private readonly ctx: ServerContext) {}

  private async all(): Promise<{ name: string; spec: ReservationSpec }[]> {
    return (await this.ctx.resources.list<ReservationSpec>(SHIPGATE_API_VERSION, RESERVATION_KIND))
      .map((r) => ({ name: r.manifest.metadata.name, spec: reservationSpec.safeParse(r.manifest.spec) }))
      .filter((r) => r.spec.success)
      .map((r) => ({ name: r.name, spec: r.spec.data! }));
  }

  hook(): Reservations {
    return {
      reserved: async ({ service, environment, atMs }) => reservedAt(await this.all(), service, environment, atMs),
      during: async ({ fromMs, toMs }) => reservedDuring(await this.all(), fromMs, toMs),
    };
  }

  /** One round: returns what was scaled, for logs and tests. */
  async tick(nowMs: number): Promise<{ service: string; environment: string; from: number; to: number }[]> {
    const scaler = this.ctx.services.get(HOOKS.scaler);
    const deployments = this.ctx.services.get(HOOKS.deployments);
    if (!scaler || !deployments) return [];
    const all = await this.all();
    for (const r of all) this.kept.set(`${r.spec.service}/${r.spec.environment}`, { service: r.spec.service, environment: r.spec.environment });
    const rollouts = await deployments.rollouts();
    const done: { service: string; environment: string; from: number; to: number }[] = [];
    for (const { service, environment } of this.kept.values()) {
      const rollout = rollouts.find((x) => x.service === service && x.environment === environment);
      if (!rollout) continue;
      const r = reservedAt(all, service, environment, nowMs);
      const want = Math.max(rollout.replicas, r?.minInstances ?? 0);
      const reason = r
        ? `CapacityReservation ${r.name}: ${r.minInstances} instances for ${new Date(r.startMs).toISOString()}..${new Date(r.endMs).toISOString()}`
        : 'no CapacityReservation in force';
      const out = await scaler.scaleServing({ service, environment, instances: want, reason });
      if ('to' in out && out.from !== out.to) done.push({ service, environment, from: out.from, to: out.to });
    }
    return done;
  }
}
