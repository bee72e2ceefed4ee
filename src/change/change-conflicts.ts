/**
 * Conflict detection for a change's planned slot: inside a freeze, outside the service's
 * maintenance windows, another change to the same service or a hard dependency in an
 * overlapping slot, the on-call engineer double-booked. Pure.
 */
import { overlaps, windowApplies, windowOccurrences, type ChangeWindowSpec, type Interval } from './change-window';

export type ConflictKind = 'freeze' | 'outside-maintenance' | 'same-service' | 'dependency' | 'oncall-double-booked';

export interface Conflict {
  kind: ConflictKind;
  message: string;
  /** The window or change request it conflicts with. */
  with?: string;
  /** Freezes block implementation (emergency aside); the others are warnings for the CAB. */
  blocking: boolean;
}

export interface PlannedChange extends Interval {
  id: string;
  service: string;
  environment: string;
  oncall?: string;
}

export interface ConflictInput {
  change: PlannedChange & { tier: number };
  /** Services the change's service hard-depends on. */
  hardDependencies: string[];
  windows: { name: string; spec: ChangeWindowSpec }[];
  /** Other scheduled or in-flight changes, each with the services it hard-depends on. */
  others: (PlannedChange & { hardDependencies?: string[] })[];
}

function fmt(ms: number): string {
  return new Date(ms).toISOString().replace(/:00\.000Z$/, 'Z');
}

/** Every conflict of one planned change, freezes first. */
export function detectConflicts(input: ConflictInput): Conflict[] {
  const c = input.change;
  const out: Conflict[] = [];
  const target = { service: c.service, tier: c.tier, environment: c.environment };
  const applicable = input.windows.filter((w) => windowApplies(w.spec, target));

  for (const w of applicable.filter((x) => x.spec.type === 'freeze')) {
    const hit = windowOccurrences(w.spec, c.startMs, c.endMs)[0];
    if (hit) {
      out.push({
        kind: 'freeze',
        with: w.name,
        blocking: true,
        message: `inside freeze window ${w.name} (${fmt(hit.startMs)} – ${fmt(hit.endMs)})${w.spec.reason ? `: ${w.spec.reason}` : ''}`,
      });
    }
  }

  const maintenance = applicable.filter((x) => x.spec.type === 'maintenance');
  if (maintenance.length) {
    const inside = maintenance.some((w) => windowOccurrences(w.spec, c.startMs, c.endMs).some((o) => o.startMs <= c.startMs && o.endMs >= c.endMs));
    if (!inside) {
      out.push({
        kind: 'outside-maintenance',
        blocking: false,
        message: `outside the maintenance window${maintenance.length > 1 ? 's' : ''} of ${c.service} (${maintenance.map((w) => w.name).join(', ')})`,
      });
    }
  }

  for (const o of input.others) {
    if (o.id === c.id || !overlaps(c, o)) continue;
    if (o.environment === c.environment) {
      if (o.service === c.service) {
        out.push({
          kind: 'same-service',
          with: o.id,
          blocking: false,
          message: `change ${o.id} to ${o.service} overlaps (${fmt(o.startMs)} – ${fmt(o.endMs)})`,
        });
      } else if (input.hardDependencies.includes(o.service)) {
        out.push({ kind: 'dependency', with: o.id, blocking: false, message: `change ${o.id} to ${o.service}, a hard dependency of ${c.service}, overlaps` });
      } else if (o.hardDependencies?.includes(c.service)) {
        out.push({ kind: 'dependency', with: o.id, blocking: false, message: `change ${o.id} to ${o.service}, which hard-depends on ${c.service}, overlaps` });
      }
    }
    if (c.oncall && o.oncall === c.oncall) {
      out.push({
        kind: 'oncall-double-booked',
        with: o.id,
        blocking: false,
        message: `on-call engineer ${c.oncall} is also on change ${o.id} in an overlapping slot`,
      });
    }
  }
  return out;
}

/** True when the instant falls in a freeze that applies to the target. */
export function insideFreeze(
  windows: { name: string; spec: ChangeWindowSpec }[],
  target: { service: string; tier: number; environment: string },
  atMs: number,
): string | undefined {
  for (const w of windows) {
    if (w.spec.type !== 'freeze' || !windowApplies(w.spec, target)) continue;
    if (windowOccurrences(w.spec, atMs, atMs + 1).length) return w.name;
  }
  return undefined;
}
