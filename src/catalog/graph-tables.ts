/**
 * Human tables for the `shipgate graph` commands, from the API's reports. Pure.
 */
import type { SpofReport } from './spof';
import type { BlastRadius } from './blast-radius';
import type { AvailabilityReport } from './availability';
import type { DriftReport } from './drift';
import type { DependencyCycle } from './cycles';
import type { DependencyKind } from './graph';

export interface Table {
  headers: string[];
  rows: (string | number | undefined)[][];
}

/** A fraction as a percentage with up to `digits` decimals, trailing zeros removed: 0.9985 -> "99.85%". */
export function formatPercent(fraction: number, digits = 4): string {
  const s = (fraction * 100).toFixed(digits).replace(/\.?0+$/, '');
  return `${s}%`;
}

/** `a -> b ~> c`: `->` a hard dependency, `~>` a soft one. */
export function formatPath(path: readonly string[], kinds: readonly DependencyKind[]): string {
  return path.map((p, i) => (i === 0 ? p : `${kinds[i - 1] === 'soft' ? '~>' : '->'} ${p}`)).join(' ');
}

/** One line per cycle: `cycle (hard): a -> b -> a`. */
export function cycleLines(cycles: readonly DependencyCycle[]): string[] {
  return cycles.map(
    (c) =>
      `cycle${c.hard ? ' (hard)' : ''}: ${formatPath(c.path, c.kinds)}${c.services.length > c.path.length - 1 ? ` (${c.services.length} services in the loop)` : ''}`,
  );
}

export function spofTable(r: SpofReport): Table {
  return {
    headers: ['service', 'tier', 'hard dependents', 'why'],
    rows: r.spofs.map((s) => [
      s.service + (s.declared ? '' : ' (undeclared)') + (s.external ? ' (external)' : ''),
      s.tier,
      s.hardDependents.length,
      s.reasons.map((x) => x.message).join('; '),
    ]),
  };
}

export function blastRadiusTable(r: BlastRadius): Table {
  const row = (impact: string) => (a: BlastRadius['hard'][number]) => [a.service, impact, a.tier, a.depth, formatPath(a.path, a.kinds)];
  return {
    headers: ['service', 'impact', 'tier', 'depth', 'path'],
    rows: [...r.hard.map(row('fails (hard)')), ...r.soft.map(row('degrades (soft)'))],
  };
}

export function availabilityTable(r: AvailabilityReport): Table {
  return {
    headers: ['dependency', 'sla', 'instances', 'availability', 'counted', 'path'],
    rows: r.factors.map((f) => [
      f.service,
      f.sla === undefined ? 'unknown' : formatPercent(f.sla),
      f.instances,
      formatPercent(f.availability, 6),
      f.counted,
      formatPath(f.path, f.kinds),
    ]),
  };
}

/** The verdict line printed above the availability table. */
export function availabilitySummary(r: AvailabilityReport): string {
  const where = r.environment ? ` in ${r.environment}` : '';
  const composite = `composite availability ${formatPercent(r.composite, 6)}${where}`;
  const target = r.target === undefined ? 'no target (spec.sla)' : `target ${formatPercent(r.target)}`;
  const verdict =
    r.verdict === 'meets'
      ? 'meets the target'
      : r.verdict === 'below'
        ? 'BELOW the target'
        : r.target === undefined
          ? 'undecided: the service declares no sla'
          : `undecided: no sla for ${r.unknown.join(', ')} (counted as 100%)`;
  return `${r.service}: ${composite}, ${target}: ${verdict}`;
}

export function driftTable(r: DriftReport): Table {
  return {
    headers: ['service', 'differs', ...r.environments],
    rows: r.drift.map((d) => [
      d.service,
      d.differs.join(','),
      ...r.environments.map((e) => {
        const run = d.environments[e];
        if (!run) return undefined;
        return `${run.version}${run.configHash ? ` (${run.configHash})` : ''}`;
      }),
    ]),
  };
}
