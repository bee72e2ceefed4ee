/**
 * The one duration grammar for Shipgate's own fields (steps, timeouts, intervals, change windows,
 * flag schedules): `250ms`, `5s`, `2m`, `1h`, `90d`, `2w`, decimals (`1.5h`) and combinations
 * (`1h30m`). A number is milliseconds already (a stored, parsed manifest parses to the same value
 * again); a bare numeric string is seconds. OpenSLO's own shorthand (with calendar months,
 * quarters and years) stays as its spec defines it, in src/slo/duration.ts, on these units. Pure.
 */
import { z } from 'zod';
import { InputError } from './errors';

/** Milliseconds per unit: ms, s, m (minute), h, d, w. */
export const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };

const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/y;

/** Milliseconds of a duration, or NaN when the text is not one (negative numbers included). */
export function parseDurationMs(text: string | number): number {
  if (typeof text === 'number') return Number.isFinite(text) && text >= 0 ? text : NaN;
  const t = text.trim();
  if (/^\d+(?:\.\d+)?$/.test(t)) return Math.round(Number(t) * 1000);
  if (t === '') return NaN;
  let total = 0;
  PART.lastIndex = 0;
  while (PART.lastIndex < t.length) {
    const at = PART.lastIndex;
    const m = PART.exec(t);
    if (!m || m.index !== at) return NaN;
    total += Number(m[1]) * UNIT_MS[m[2]!]!;
  }
  return Number.isFinite(total) ? Math.round(total) : NaN;
}

export const DURATION_EXAMPLES = '"500ms", "30s", "2m", "1h30m" or "90d"';

/** Parses or throws an InputError naming `path`. */
export function requireDurationMs(text: string | number, path: string): number {
  const ms = parseDurationMs(text);
  if (Number.isNaN(ms))
    throw new InputError(`${path}: "${text}" is not a duration such as ${DURATION_EXAMPLES}`, [
      { path, message: `expected a duration such as ${DURATION_EXAMPLES}` },
    ]);
  return ms;
}

/** A duration field in a manifest or a body (a string in the grammar above, or milliseconds), parsed to milliseconds. */
export const durationMs = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const ms = parseDurationMs(v);
  if (Number.isNaN(ms)) {
    ctx.addIssue({ code: 'custom', message: `expected a duration such as ${DURATION_EXAMPLES}` });
    return z.NEVER;
  }
  return ms;
});

/** For people, compact: `850ms`, `12.3s`, `4m05s`, `2h05m`, `3d04h`. */
export function formatDurationMs(ms: number): string {
  if (!Number.isFinite(ms)) return '-';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  if (ms < 3_600_000) {
    const m = Math.floor(ms / 60_000);
    const s = Math.round((ms % 60_000) / 1000);
    return s === 60 ? `${m + 1}m00s` : `${m}m${String(s).padStart(2, '0')}s`;
  }
  if (ms < 86_400_000) {
    const h = Math.floor(ms / 3_600_000);
    return `${h}h${String(Math.floor((ms % 3_600_000) / 60_000)).padStart(2, '0')}m`;
  }
  const d = Math.floor(ms / 86_400_000);
  return `${d}d${String(Math.floor((ms % 86_400_000) / 3_600_000)).padStart(2, '0')}h`;
}

/** For people, in words-like parts: `2h 5m`, `3d 4h`, `45s` (at most two parts); `never` when infinite. */
export function humanDurationMs(ms: number): string {
  if (!Number.isFinite(ms)) return 'never';
  const neg = ms < 0;
  let rest = Math.abs(Math.round(ms / 1000));
  const parts: string[] = [];
  for (const [u, s] of [
    ['d', 86400],
    ['h', 3600],
    ['m', 60],
    ['s', 1],
  ] as const) {
    if (rest >= s) {
      parts.push(`${Math.floor(rest / s)}${u}`);
      rest %= s;
    }
    if (parts.length === 2) break;
  }
  return (neg ? '-' : '') + (parts.join(' ') || '0s');
}

/** Back into the largest exact unit, for machines and manifests: `90m`, `1h`, `28d`; seconds otherwise. */
export function shorthandDurationMs(ms: number): string {
  for (const u of ['w', 'd', 'h', 'm', 's'] as const) {
    if (ms % UNIT_MS[u]! === 0 && ms >= UNIT_MS[u]!) return `${ms / UNIT_MS[u]!}${u}`;
  }
  return `${ms / 1000}s`;
}
