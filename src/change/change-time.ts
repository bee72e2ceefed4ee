/** Times and durations as people type them: ISO-8601 instants, `+2h` from now, `90d`. Pure. */
import { InputError } from '../core/errors';

const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };

/** A duration such as `90d`, `12h`, `30m`, `2w`, in ms. */
export function parseDurationMs(text: string, path: string): number {
  const m = /^(\d+)([mhdw])$/.exec(text.trim());
  if (!m) throw new InputError(`${path}: "${text}" is not a duration such as 30m, 12h, 90d or 2w`, [{ path, message: 'expected a duration such as 90d' }]);
  return Number(m[1]) * UNIT_MS[m[2]];
}

/**
 * An instant: ISO-8601 with a zone (`2026-03-30T10:00:00Z`, `…+02:00`), a date (`2026-03-30`,
 * midnight UTC), `now`, or `+2h` / `-1d` from `nowMs`. Returns ms since the epoch.
 */
export function parseInstant(text: string, nowMs: number, path: string): number {
  const t = text.trim();
  if (t === 'now') return nowMs;
  const rel = /^([+-])(\d+)([mhdw])$/.exec(t);
  if (rel) return nowMs + (rel[1] === '-' ? -1 : 1) * Number(rel[2]) * UNIT_MS[rel[3]];
  if (/^\d{4}-\d{2}-\d{2}$/.test(t)) {
    const ms = Date.parse(`${t}T00:00:00Z`);
    if (!Number.isNaN(ms)) return ms;
  }
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(t)) {
    const ms = Date.parse(t);
    if (!Number.isNaN(ms)) return ms;
  }
  throw new InputError(`${path}: "${text}" is not a time; use ISO-8601 with a zone (2026-03-30T10:00:00Z), a date, now, or +2h`, [
    { path, message: 'expected an ISO-8601 time with a zone, a date, now or +2h' },
  ]);
}
