/**
 * Access-log readers for `shipgate verify replay`: Apache/nginx **combined** and **common** log
 * format and **JSON lines**, detected per line. A line that cannot be read is counted with its
 * line number and a reason, never fatal. Only what a replay needs is kept: when, method, path and
 * query (an absolute URL is reduced to path+query: a replay never goes to a host named in a log),
 * the recorded status and latency. Pure: text in, records out.
 *
 * Written here rather than taken from a library: the log parsers on npm are unmaintained or
 * regex-per-format with no per-line error reporting, and the grammar is a dozen lines.
 */

export type LogFormat = 'combined' | 'common' | 'json';

/** One request read from a log. */
export interface LogRecord {
  /** File it came from, as the user named it. */
  file: string;
  /** 1-based line number. */
  line: number;
  format: LogFormat;
  /** When the request was logged, epoch milliseconds. */
  timeMs: number;
  /** Resolution of `timeMs`: 1000 for combined/common logs (whole seconds), 1 for JSON with sub-second times. */
  resolutionMs: number;
  method: string;
  /** Path and query only, starting with `/`. */
  target: string;
  /** Recorded response status, when the log has one. */
  status?: number;
  /** Recorded latency in milliseconds, when the log has one. */
  latencyMs?: number;
  /** Route template, when a JSON log names it. */
  route?: string;
  /** Request headers a JSON log recorded (string values; host and hop-by-hop headers left out). */
  headers?: Record<string, string>;
}

/** A line that was not read, and why. */
export interface BadLine {
  file: string;
  line: number;
  reason: string;
}

export interface ParsedLog {
  records: LogRecord[];
  bad: BadLine[];
  /** Lines per detected format. */
  formats: Record<LogFormat, number>;
  /**
   * Combined-format lines whose referer/user-agent part is malformed (an unbalanced quote): the
   * request, time and status before it are intact, so the line is kept and counted here.
   */
  malformedTail: number[];
}

const MONTHS: Record<string, number> = { Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11 };

/** `host ident user [time] "request" status bytes` and whatever follows (combined adds referer and user agent). */
const CLF = /^(\S+) (\S+) (\S+) \[([^\]]+)\] "((?:[^"\\]|\\.)*)" (\d{3}) (\d+|-)(.*)$/;
const COMBINED_TAIL = /^ "(?:[^"\\]|\\.)*" "(?:[^"\\]|\\.)*"(?: .*)?$/;
const CLF_TIME = /^(\d{2})\/([A-Z][a-z]{2})\/(\d{4}):(\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})$/;
const METHOD = /^[A-Z][A-Z0-9_-]{0,31}$/;
const ISO = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?$/;
/**
 * Recorded headers never replayed: the destination is the target's (`host`), and hop-by-hop and
 * framing headers belong to the recorded connection, not to this one.
 */
const NOT_REPLAYED = new Set([
  'host',
  'content-length',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'upgrade',
  'te',
  'trailer',
  'proxy-authorization',
  'proxy-connection',
  'expect',
]);
/** Longest path+query kept; longer lines are more likely garbage than traffic. */
const MAX_TARGET = 8192;

/** `30/Jun/2019:17:06:15 +0000` → epoch ms, or undefined. */
export function parseClfTime(text: string): number | undefined {
  const m = CLF_TIME.exec(text);
  if (!m) return undefined;
  const month = MONTHS[m[2]!];
  if (month === undefined) return undefined;
  const [d, y, h, mi, s] = [Number(m[1]), Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])];
  if (d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return undefined;
  const offsetMs = (m[7] === '-' ? -1 : 1) * (Number(m[8]) * 60 + Number(m[9])) * 60_000;
  return Date.UTC(y, month, d, h, mi, s) - offsetMs;
}

/**
 * Path and query of a logged request target: `/a?b` as is, `http://host/a?b` reduced to `/a?b`.
 * Returns a reason string when the target cannot be replayed.
 */
export function replayTarget(raw: string): { target: string } | { reason: string } {
  let t = raw;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(t)) {
    let u: URL;
    try {
      u = new URL(t);
    } catch {
      return { reason: `unreadable absolute URL "${clip(raw)}"` };
    }
    t = u.pathname + u.search;
  }
  if (!t.startsWith('/')) return { reason: `request target "${clip(raw)}" is not a path` };
  if (t.startsWith('//')) t = '/' + t.replace(/^\/+/, '');
  if (t.length > MAX_TARGET) return { reason: `request target longer than ${MAX_TARGET} characters` };
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is refused
  if (/[\s\u0000-\u001f\u007f]/.test(t)) return { reason: 'request target contains whitespace or control characters' };
  const hash = t.indexOf('#');
  return { target: hash >= 0 ? t.slice(0, hash) : t };
}

function clip(s: string): string {
  return s.length > 60 ? s.slice(0, 57) + '...' : s;
}

type LineResult = { record: Omit<LogRecord, 'file' | 'line'>; malformedTail?: boolean } | { reason: string };

/** One combined/common line. */
export function parseClfLine(text: string): LineResult {
  const m = CLF.exec(text);
  if (!m) return { reason: 'not a combined, common or JSON log line' };
  const timeMs = parseClfTime(m[4]!);
  if (timeMs === undefined) return { reason: `unreadable time [${clip(m[4]!)}]` };
  const request = m[5]!.replace(/\\(.)/g, '$1');
  const parts = request.split(' ');
  if (request === '-' || parts.length < 2 || parts.length > 3) return { reason: `unreadable request line "${clip(request)}"` };
  const [method, rawTarget, version] = parts as [string, string, string | undefined];
  if (!METHOD.test(method)) return { reason: `unreadable method "${clip(method)}"` };
  if (version !== undefined && !/^HTTP\/\d(?:\.\d)?$/.test(version)) return { reason: `unreadable protocol "${clip(version)}"` };
  const t = replayTarget(rawTarget);
  if ('reason' in t) return t;
  const tail = m[8]!;
  const format: LogFormat = tail === '' ? 'common' : 'combined';
  return {
    record: { format, timeMs, resolutionMs: 1000, method, target: t.target, status: Number(m[6]) },
    ...(tail !== '' && !COMBINED_TAIL.test(tail) ? { malformedTail: true } : {}),
  };
}

function jsonTime(v: unknown): { ms: number; resolutionMs: number } | undefined {
  if (typeof v === 'string' && /^\d+(?:\.\d+)?$/.test(v)) v = Number(v);
  if (typeof v === 'number' && Number.isFinite(v) && v > 0) {
    // Epoch seconds until the year 5138; beyond that the number is milliseconds.
    if (v < 1e11) return { ms: v * 1000, resolutionMs: Number.isInteger(v) ? 1000 : 1 };
    return { ms: v, resolutionMs: 1 };
  }
  if (typeof v === 'string' && ISO.test(v)) {
    const ms = Date.parse(v.replace(' ', 'T'));
    if (Number.isFinite(ms)) return { ms, resolutionMs: /:\d{2}\.\d+/.test(v) ? 1 : /T\d{2}:\d{2}:\d{2}|\s\d{2}:\d{2}:\d{2}/.test(v) ? 1000 : 60_000 };
  }
  return undefined;
}

const firstOf = (o: Record<string, unknown>, keys: string[]): unknown => {
  for (const k of keys) if (o[k] !== undefined && o[k] !== null) return o[k];
  return undefined;
};

/** One JSON line: time|timestamp|ts, method, path|url|uri, status, latency_ms|duration, route, headers. */
export function parseJsonLine(text: string): LineResult {
  let o: unknown;
  try {
    o = JSON.parse(text);
  } catch (e) {
    return { reason: `invalid JSON (${(e as Error).message})` };
  }
  if (typeof o !== 'object' || o === null || Array.isArray(o)) return { reason: 'a JSON line must be an object' };
  const r = o as Record<string, unknown>;
  const time = jsonTime(firstOf(r, ['time', 'timestamp', 'ts']));
  if (!time) return { reason: 'no readable time, timestamp or ts (ISO 8601 or epoch seconds/milliseconds)' };
  const method = firstOf(r, ['method']);
  if (typeof method !== 'string' || !METHOD.test(method.toUpperCase())) return { reason: 'no readable method' };
  const rawTarget = firstOf(r, ['path', 'url', 'uri']);
  if (typeof rawTarget !== 'string') return { reason: 'no path, url or uri' };
  const t = replayTarget(rawTarget);
  if ('reason' in t) return t;
  const status = firstOf(r, ['status']);
  const statusN = typeof status === 'string' ? Number(status) : status;
  if (statusN !== undefined && !(typeof statusN === 'number' && Number.isInteger(statusN) && statusN >= 100 && statusN <= 599))
    return { reason: `status ${JSON.stringify(status)} is not an HTTP status` };
  const latency = firstOf(r, ['latency_ms', 'duration']);
  const latencyN = typeof latency === 'string' ? Number(latency) : latency;
  const headers = r.headers;
  const record: Omit<LogRecord, 'file' | 'line'> = {
    format: 'json',
    timeMs: time.ms,
    resolutionMs: time.resolutionMs,
    method: method.toUpperCase(),
    target: t.target,
    ...(typeof statusN === 'number' ? { status: statusN } : {}),
    ...(typeof latencyN === 'number' && Number.isFinite(latencyN) && latencyN >= 0 ? { latencyMs: latencyN } : {}),
    ...(typeof r.route === 'string' ? { route: r.route } : {}),
  };
  if (headers && typeof headers === 'object' && !Array.isArray(headers)) {
    const h: Record<string, string> = {};
    for (const [k, v] of Object.entries(headers)) if (typeof v === 'string' && !NOT_REPLAYED.has(k.toLowerCase())) h[k.toLowerCase()] = v;
    record.headers = h;
  }
  return { record };
}

/** Reads a whole log (any mix of the three formats); blank lines are skipped and not counted. */
export function parseAccessLog(text: string, file: string): ParsedLog {
  const out: ParsedLog = { records: [], bad: [], formats: { combined: 0, common: 0, json: 0 }, malformedTail: [] };
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    let l = lines[i]!;
    if (l.endsWith('\r')) l = l.slice(0, -1);
    if (l.trim() === '') continue;
    const line = i + 1;
    const r = l.trimStart().startsWith('{') ? parseJsonLine(l) : parseClfLine(l);
    if ('reason' in r) {
      out.bad.push({ file, line, reason: r.reason });
      continue;
    }
    out.records.push({ file, line, ...r.record });
    out.formats[r.record.format]++;
    if (r.malformedTail) out.malformedTail.push(line);
  }
  return out;
}
