/** Instants as people type them: ISO-8601, a date, `now`, `+2h` from now (durations: src/core/duration.ts). Pure. */
import { InputError } from '../core/errors';
import { parseDurationMs } from '../core/duration';

/**
 * An instant: ISO-8601 with a zone (`2026-03-30T10:00:00Z`, `…+02:00`), a date (`2026-03-30`,
 * midnight UTC), `now`, or `+2h` / `-1d` from `nowMs`. Returns ms since the epoch.
 */
export function parseInstant(text: string, nowMs: number, path: string): number {
  const t = text.trim();
  if (t === 'now') return nowMs;
  const rel = /^([+-])(\S+)$/.exec(t);
  const relMs = rel ? parseDurationMs(rel[2]!) : NaN;
  if (rel && !Number.isNaN(relMs) && /[a-z]$/.test(rel[2]!)) return nowMs + (rel[1] === '-' ? -1 : 1) * relMs;
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
