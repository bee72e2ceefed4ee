import { z } from 'zod';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * Parses `250ms`, `5s`, `2m`, `1h` into milliseconds; a bare number is already milliseconds (so a
 * stored, parsed manifest parses to the same values again). NaN when invalid.
 */
export function parseDurationMs(text: string | number): number {
  if (typeof text === 'number') return Number.isFinite(text) && text >= 0 ? text : NaN;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(text);
  if (!m) return NaN;
  return Math.round(Number(m[1]) * UNIT_MS[m[2] ?? 's']);
}

/** Formats milliseconds for people: `850ms`, `12.3s`, `4m05s`. */
export function formatDurationMs(ms: number): string {
  if (!Number.isFinite(ms)) return '-';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const m = Math.floor(ms / 60_000);
  const s = Math.round((ms % 60_000) / 1000);
  return `${m}m${String(s).padStart(2, '0')}s`;
}

/** A duration field in a manifest (`5s`, `200ms`, or milliseconds as a number), parsed to milliseconds. */
export const durationMs = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const ms = parseDurationMs(v);
  if (Number.isNaN(ms)) {
    ctx.addIssue({ code: 'custom', message: 'expected a duration such as "500ms", "5s", "2m" or "1h"' });
    return z.NEVER;
  }
  return ms;
});
