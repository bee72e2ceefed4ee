/**
 * The CapacityReservation kind: at least `minInstances` of a service in an environment while an
 * occurrence lasts (once, or by RRULE in an IANA zone, the TrafficEvent's time grammar), from
 * `leadTime` before it (pre-warming: instances are ready when the surge comes). Pure: the kind and
 * what is reserved when.
 */
import { z } from 'zod';
import { durationMs } from '../core/duration';
import { SHIPGATE_API_VERSION, resourceName, type KindDefinition } from '../core/kinds';
import { checkWhen, occurrences, whenFields } from './traffic-event';

export const RESERVATION_KIND = 'CapacityReservation';

export const reservationSpec = z
  .strictObject({
    service: resourceName,
    environment: resourceName.default('production'),
    minInstances: z.number().int().min(1).max(50),
    /** Instances are scaled up this long before each occurrence. Default 30m. */
    leadTime: durationMs.default(1_800_000),
    reason: z.string().max(500).optional(),
    ...whenFields,
  })
  .superRefine(checkWhen);
export type ReservationSpec = z.output<typeof reservationSpec>;

export const reservationKind: KindDefinition<ReservationSpec> = {
  apiVersion: SHIPGATE_API_VERSION,
  kind: RESERVATION_KIND,
  names: ['capacityreservation', 'capacityreservations', 'reservation', 'reservations'],
  spec: reservationSpec as never,
  description: 'at least N instances of a service while an occurrence lasts (once or by RRULE), scaled up leadTime before it',
  columns: [
    { header: 'name', value: (m) => m.metadata.name },
    { header: 'service', value: (m) => `${m.spec.service}/${m.spec.environment}` },
    { header: 'min', value: (m) => m.spec.minInstances },
    { header: 'when', value: (m) => (m.spec.rrule ? `${m.spec.rrule} for ${m.spec.duration}` : `${m.spec.start}..${m.spec.end}`) },
  ],
};

export interface Reserved {
  name: string;
  minInstances: number;
  /** The occurrence itself (without the lead time). */
  startMs: number;
  endMs: number;
  reason?: string;
}

/** Occurrences of each reservation of (service, environment) whose lead time or span overlaps [fromMs, toMs). */
export function reservedDuring(
  all: readonly { name: string; spec: ReservationSpec }[],
  fromMs: number,
  toMs: number,
  only?: { service: string; environment: string },
): (Reserved & { service: string; environment: string; prewarmFromMs: number })[] {
  const out: (Reserved & { service: string; environment: string; prewarmFromMs: number })[] = [];
  for (const r of all) {
    if (only && (r.spec.service !== only.service || r.spec.environment !== only.environment)) continue;
    for (const [a, b] of occurrences(r.spec, fromMs, toMs + r.spec.leadTime)) {
      if (a - r.spec.leadTime >= toMs) continue;
      out.push({
        name: r.name,
        service: r.spec.service,
        environment: r.spec.environment,
        minInstances: r.spec.minInstances,
        startMs: a,
        endMs: b,
        prewarmFromMs: a - r.spec.leadTime,
        ...(r.spec.reason ? { reason: r.spec.reason } : {}),
      });
    }
  }
  return out.sort((x, y) => x.prewarmFromMs - y.prewarmFromMs || x.name.localeCompare(y.name));
}

/** The largest reservation in force at `atMs` (its lead time included), if any. */
export function reservedAt(
  all: readonly { name: string; spec: ReservationSpec }[],
  service: string,
  environment: string,
  atMs: number,
): (Reserved & { service: string; environment: string; prewarmFromMs: number }) | undefined {
  return reservedDuring(all, atMs, atMs + 1, { service, environment })
    .filter((r) => r.prewarmFromMs <= atMs && r.endMs > atMs)
    .sort((a, b) => b.minInstances - a.minInstances)[0];
}
