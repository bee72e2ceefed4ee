/**
 * Differences between the baseline's and the candidate's answers to the same replayed request, with
 * noise subtracted the way Diffy does it: when a second baseline instance answers too, whatever
 * differs between the two baselines (a request id, a timestamp, a status that flaps) is noise for
 * that endpoint and is not reported as a candidate difference. JSON bodies are compared
 * structurally (key order ignored; `--ignore-field` paths skipped), other bodies by SHA-256.
 * Pure: responses in, a report out.
 */

/** What the diff needs of one response. */
export interface ComparedResponse {
  /** 0 when no response came. */
  status: number;
  contentType: string;
  body: Uint8Array;
  sha256: string;
  truncated: boolean;
  error?: string;
}

/** One step of a JSON path: a key or an array index. */
export type PathStep = string | number;

/** A compiled `--ignore-field` pattern: keys, `*` (any key or index) or `[*]` (any index). */
export type FieldPattern = (string | { any: 'key' | 'index' })[];

const IDENT = /^[A-Za-z_$][\w$-]*$/;

/** `$.a.b[0]["x y"]` from steps. */
export function formatPath(steps: readonly PathStep[]): string {
  let s = '$';
  for (const p of steps) s += typeof p === 'number' ? `[${p}]` : IDENT.test(p) ? `.${p}` : `[${JSON.stringify(p)}]`;
  return s;
}

/** The same path with every index written `[*]`: how noise is keyed across requests. */
export function normalizePath(steps: readonly PathStep[]): string {
  return formatPath(steps.map((p) => (typeof p === 'number' ? -1 : p))).replace(/\[-1\]/g, '[*]');
}

/**
 * Parses `--ignore-field`: `$.meta.requestId`, `meta.requestId`, `items[*].id`, `items.*.ts`,
 * `$["odd key"]`. Returns undefined when unreadable.
 */
export function parseFieldPattern(text: string): FieldPattern | undefined {
  let t = text.trim();
  if (t.startsWith('$')) t = t.slice(1);
  if (t === '') return undefined;
  const out: FieldPattern = [];
  const re = /\.?([A-Za-z_$][\w$-]*|\*)|\[(\*|\d+|"(?:[^"\\]|\\.)*")\]/y;
  let at = 0;
  while (at < t.length) {
    re.lastIndex = at;
    const m = re.exec(t);
    if (!m || m.index !== at) return undefined;
    if (m[1] !== undefined) out.push(m[1] === '*' ? { any: 'key' } : m[1]);
    else if (m[2] === '*') out.push({ any: 'index' });
    else if (m[2]!.startsWith('"')) out.push(JSON.parse(m[2]!) as string);
    else out.push(String(Number(m[2])));
    at = re.lastIndex;
  }
  return out;
}

/** True when `pattern` names `steps` or one of its ancestors (ignoring a field ignores what is under it). */
export function patternMatches(pattern: FieldPattern, steps: readonly PathStep[]): boolean {
  if (pattern.length > steps.length) return false;
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i]!;
    const s = steps[i]!;
    if (typeof p === 'string') {
      if (String(s) !== p) return false;
    } else if (p.any === 'index' && typeof s !== 'number') return false;
  }
  return true;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Most differing paths reported per comparison. */
const MAX_PATHS = 100;

/** Paths at which two JSON values differ (key order ignored), skipping `ignore`. */
export function jsonDiffPaths(a: unknown, b: unknown, ignore: readonly FieldPattern[] = []): PathStep[][] {
  const out: PathStep[][] = [];
  const walk = (x: unknown, y: unknown, path: PathStep[]) => {
    if (out.length >= MAX_PATHS) return;
    if (path.length && ignore.some((p) => patternMatches(p, path))) return;
    if (isObject(x) && isObject(y)) {
      const keys = new Set([...Object.keys(x), ...Object.keys(y)]);
      for (const k of [...keys].sort()) {
        if (!(k in x) || !(k in y)) {
          const p = [...path, k];
          if (!ignore.some((q) => patternMatches(q, p))) out.push(p);
        } else walk(x[k], y[k], [...path, k]);
      }
      return;
    }
    if (Array.isArray(x) && Array.isArray(y)) {
      const n = Math.max(x.length, y.length);
      for (let i = 0; i < n; i++) {
        if (i >= x.length || i >= y.length) {
          const p = [...path, i];
          if (!ignore.some((q) => patternMatches(q, p))) out.push(p);
        } else walk(x[i], y[i], [...path, i]);
      }
      return;
    }
    if (!Object.is(x, y)) out.push(path);
  };
  walk(a, b, []);
  return out;
}

const decoder = new TextDecoder('utf-8', { fatal: false });

/** The body as JSON when it is JSON (by content type, or by shape when untyped), else undefined. */
export function jsonBody(r: ComparedResponse): { value: unknown } | undefined {
  if (r.truncated || r.body.length === 0) return undefined;
  const ct = r.contentType.toLowerCase();
  const first = r.body[0];
  const looksJson = first === 0x7b || first === 0x5b;
  if (!/json/.test(ct) && !(ct === '' && looksJson)) return undefined;
  try {
    return { value: JSON.parse(decoder.decode(r.body)) };
  } catch {
    return undefined;
  }
}

/** How one pair of responses differs. */
export interface PairDiff {
  statusDiffers: boolean;
  /** Normalised JSON paths that differ, when both bodies are JSON. */
  fields: string[];
  /** Both bodies JSON? Otherwise the bodies were compared by hash. */
  json: boolean;
  /** Non-JSON: the hashes differ. JSON: some field differs. */
  bodyDiffers: boolean;
}

/** Compares two responses to one request. */
export function comparePair(a: ComparedResponse, b: ComparedResponse, ignore: readonly FieldPattern[]): PairDiff {
  const statusDiffers = a.status !== b.status;
  const ja = jsonBody(a);
  const jb = jsonBody(b);
  if (ja && jb) {
    const fields = [...new Set(jsonDiffPaths(ja.value, jb.value, ignore).map(normalizePath))];
    return { statusDiffers, fields, json: true, bodyDiffers: fields.length > 0 };
  }
  return { statusDiffers, fields: [], json: false, bodyDiffers: a.sha256 !== b.sha256 };
}

/** One difference beyond noise, aggregated over an endpoint's requests. */
export interface Difference {
  /** `METHOD /path` (the query left out) or the route the log named. */
  endpoint: string;
  kind: 'status' | 'field' | 'body';
  /** `200 → 500`, a JSON path, or `sha256`. */
  detail: string;
  /** Requests showing it. */
  count: number;
  /** One replayed path+query that showed it. */
  example: string;
}

/** Noise found on one endpoint (differences between the two baselines). */
export interface EndpointNoise {
  endpoint: string;
  status: boolean;
  body: boolean;
  fields: string[];
}

export interface DiffReport {
  /** Requests for which every side answered and was compared. */
  compared: number;
  differences: Difference[];
  noise: EndpointNoise[];
  /** Differences that were noise and so not reported, by kind. */
  suppressed: { status: number; field: number; body: number };
}

const statusText = (s: number) => (s === 0 ? 'error' : String(s));

interface EndpointState {
  status: Map<string, { count: number; example: string }>;
  fields: Map<string, { count: number; example: string }>;
  body: { count: number; example: string } | undefined;
  noiseStatus: boolean;
  noiseBody: boolean;
  noiseFields: Set<string>;
}

/** Most endpoints tracked; beyond it requests are still compared under one `(other)` endpoint. */
const MAX_ENDPOINTS = 10_000;

/**
 * Collects pair differences request by request; noise is decided per endpoint over all requests
 * at the end, so a field seen noisy once is noise everywhere on that endpoint.
 */
export class ReplayDiffAccumulator {
  private readonly endpoints = new Map<string, EndpointState>();
  private compared = 0;

  constructor(private readonly ignore: readonly FieldPattern[] = []) {}

  private state(endpoint: string): EndpointState {
    let s = this.endpoints.get(endpoint);
    if (!s) {
      if (this.endpoints.size >= MAX_ENDPOINTS) return this.state('(other)');
      s = { status: new Map(), fields: new Map(), body: undefined, noiseStatus: false, noiseBody: false, noiseFields: new Set() };
      this.endpoints.set(endpoint, s);
    }
    return s;
  }

  /** Adds one request's answers: baseline, candidate and (with `--noise`) the second baseline. */
  add(endpoint: string, target: string, baseline: ComparedResponse, candidate: ComparedResponse, noise?: ComparedResponse): void {
    this.compared++;
    const s = this.state(endpoint);
    if (noise) {
      const n = comparePair(baseline, noise, this.ignore);
      if (n.statusDiffers) s.noiseStatus = true;
      else if (n.json) for (const f of n.fields) s.noiseFields.add(f);
      else if (n.bodyDiffers) s.noiseBody = true;
    }
    const d = comparePair(baseline, candidate, this.ignore);
    if (d.statusDiffers) {
      const key = `${statusText(baseline.status)} → ${statusText(candidate.status)}`;
      const e = s.status.get(key) ?? { count: 0, example: target };
      e.count++;
      s.status.set(key, e);
      return;
    }
    if (d.json) {
      for (const f of d.fields) {
        const e = s.fields.get(f) ?? { count: 0, example: target };
        e.count++;
        s.fields.set(f, e);
      }
    } else if (d.bodyDiffers) {
      s.body ??= { count: 0, example: target };
      s.body.count++;
    }
  }

  /** The report: differences beyond noise, and the noise found. */
  report(): DiffReport {
    const differences: Difference[] = [];
    const noise: EndpointNoise[] = [];
    const suppressed = { status: 0, field: 0, body: 0 };
    for (const [endpoint, s] of [...this.endpoints].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      const noiseFields = [...s.noiseFields].sort();
      if (s.noiseStatus || s.noiseBody || noiseFields.length) noise.push({ endpoint, status: s.noiseStatus, body: s.noiseBody, fields: noiseFields });
      for (const [detail, e] of s.status) {
        if (s.noiseStatus) suppressed.status += e.count;
        else differences.push({ endpoint, kind: 'status', detail, ...e });
      }
      for (const [detail, e] of [...s.fields].sort(([a], [b]) => (a < b ? -1 : 1))) {
        if (noiseFields.some((n) => detail === n || detail.startsWith(n + '.') || detail.startsWith(n + '['))) suppressed.field += e.count;
        else differences.push({ endpoint, kind: 'field', detail, ...e });
      }
      if (s.body) {
        if (s.noiseBody) suppressed.body += s.body.count;
        else differences.push({ endpoint, kind: 'body', detail: 'sha256', ...s.body });
      }
    }
    return { compared: this.compared, differences, noise, suppressed };
  }
}

/** A path segment that names one resource rather than a route: a number, a UUID, a long hex id. */
const ID_SEGMENT = /^(?:\d+|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{16,})$/i;

/**
 * The endpoint a request is counted under: its route when the log named one, else method and path
 * with id-like segments written `{id}` (so `/users/7` and `/users/8` share their noise, as one
 * route's answers do) and the query left out.
 */
export function endpointOf(method: string, target: string, route?: string): string {
  if (route) return `${method} ${route}`;
  const q = target.indexOf('?');
  const path = q >= 0 ? target.slice(0, q) : target;
  return `${method} ${path
    .split('/')
    .map((seg) => (ID_SEGMENT.test(seg) ? '{id}' : seg))
    .join('/')}`;
}
