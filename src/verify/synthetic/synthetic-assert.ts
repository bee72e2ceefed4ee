/**
 * One step's response against its assertions, and the variables it extracts. Pure: the response
 * comes in, what held and what did not (expected and actual) comes out.
 */
import { compileRegex } from '../../core/safe-regex';
import { formatDurationMs } from '../../core/duration';
import { readJsonPath } from './json-path';
import type { Assertion, Extraction } from './synthetic-spec';

export interface StepResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  latencyMs: number;
}

export interface AssertionResult {
  /** The assertion in words, e.g. `json $.token exists`. */
  assertion: string;
  ok: boolean;
  expected: string;
  actual: string;
}

const show = (v: unknown, max = 200): string => {
  const s = v === undefined ? '(absent)' : typeof v === 'string' ? JSON.stringify(v) : JSON.stringify(v);
  return s.length > max ? `${s.slice(0, max)}…` : s;
};

function headerValue(r: StepResponse, name: string): string | undefined {
  const v = r.headers[name.toLowerCase()];
  return Array.isArray(v) ? v.join(', ') : v;
}

function parsedJson(r: StepResponse): { ok: true; value: unknown } | { ok: false; error: string } {
  try {
    return { ok: true, value: JSON.parse(r.body) };
  } catch (e) {
    return { ok: false, error: `the body is not JSON (${(e as Error).message})` };
  }
}

const deepEqual = (a: unknown, b: unknown): boolean => JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === 'object')
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, canonical((v as Record<string, unknown>)[k])]),
    );
  return v;
}
const typeOf = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

/** Every assertion of a step against its response, in order. */
export function checkAssertions(assertions: readonly Assertion[], r: StepResponse): AssertionResult[] {
  return assertions.flatMap((a): AssertionResult[] => {
    if ('status' in a) {
      const s = a.status;
      const ok = typeof s === 'number' ? r.status === s : Array.isArray(s) ? s.includes(r.status) : Math.floor(r.status / 100) === Number(s[0]);
      return [{ assertion: 'status', ok, expected: Array.isArray(s) ? s.join(' or ') : String(s), actual: String(r.status) }];
    }
    if ('latency' in a) {
      return [{ assertion: 'latency', ok: r.latencyMs <= a.latency, expected: `≤ ${formatDurationMs(a.latency)}`, actual: `${Math.round(r.latencyMs)}ms` }];
    }
    if ('header' in a) {
      const h = a.header;
      const v = headerValue(r, h.name);
      const out: AssertionResult[] = [];
      if (h.exists !== undefined)
        out.push({ assertion: `header ${h.name} exists`, ok: (v !== undefined) === h.exists, expected: String(h.exists), actual: String(v !== undefined) });
      if (h.equals !== undefined) out.push({ assertion: `header ${h.name} equals`, ok: v === h.equals, expected: show(h.equals), actual: show(v) });
      if (h.matches !== undefined)
        out.push({
          assertion: `header ${h.name} matches`,
          ok: v !== undefined && compileRegex(h.matches).matcher(v).find(),
          expected: `/${h.matches}/`,
          actual: show(v),
        });
      if (!out.length) out.push({ assertion: `header ${h.name} exists`, ok: v !== undefined, expected: 'true', actual: String(v !== undefined) });
      return out;
    }
    if ('json' in a) {
      const j = a.json;
      const doc = parsedJson(r);
      if (!doc.ok) return [{ assertion: `json ${j.path}`, ok: false, expected: 'a JSON body', actual: doc.error }];
      const at = readJsonPath(doc.value, j.path);
      const v = at.found ? at.value : undefined;
      const out: AssertionResult[] = [];
      if (j.exists !== undefined)
        out.push({ assertion: `json ${j.path} exists`, ok: at.found === j.exists, expected: String(j.exists), actual: String(at.found) });
      if (j.equals !== undefined)
        out.push({ assertion: `json ${j.path} equals`, ok: at.found && deepEqual(v, j.equals), expected: show(j.equals), actual: show(v) });
      if (j.type !== undefined)
        out.push({
          assertion: `json ${j.path} is ${j.type}`,
          ok: at.found && typeOf(v) === j.type,
          expected: j.type,
          actual: at.found ? typeOf(v) : '(absent)',
        });
      if (j.matches !== undefined)
        out.push({
          assertion: `json ${j.path} matches`,
          ok: at.found && (typeof v === 'string' || typeof v === 'number') && compileRegex(j.matches).matcher(String(v)).find(),
          expected: `/${j.matches}/`,
          actual: show(v),
        });
      if (!out.length) out.push({ assertion: `json ${j.path} exists`, ok: at.found, expected: 'true', actual: String(at.found) });
      return out;
    }
    const b = a.body;
    const out: AssertionResult[] = [];
    if (b.contains !== undefined)
      out.push({ assertion: 'body contains', ok: r.body.includes(b.contains), expected: show(b.contains), actual: show(r.body, 120) });
    if (b.matches !== undefined)
      out.push({ assertion: 'body matches', ok: compileRegex(b.matches).matcher(r.body).find(), expected: `/${b.matches}/`, actual: show(r.body, 120) });
    return out;
  });
}

/** The variables a step extracts; a missing one is an error naming it. */
export function extract(extractions: Readonly<Record<string, Extraction>>, r: StepResponse): { vars: Record<string, string>; errors: string[] } {
  const vars: Record<string, string> = {};
  const errors: string[] = [];
  for (const [name, e] of Object.entries(extractions)) {
    let v: string | undefined;
    if ('json' in e) {
      const doc = parsedJson(r);
      const at = doc.ok ? readJsonPath(doc.value, e.json) : { found: false as const };
      if (at.found && at.value !== null && typeof at.value !== 'object') v = String(at.value);
      else if (at.found) v = JSON.stringify(at.value);
    } else if ('header' in e) {
      const h = headerValue(r, e.header);
      v = h !== undefined && e.regex ? firstGroup(e.regex, h) : h;
    } else v = firstGroup(e.body, r.body);
    if (v === undefined) errors.push(`extract ${name}: ${describeExtraction(e)} found nothing`);
    else vars[name] = v;
  }
  return { vars, errors };
}

function firstGroup(pattern: string, text: string): string | undefined {
  const m = compileRegex(pattern).matcher(text);
  if (!m.find()) return undefined;
  return m.groupCount() >= 1 ? (m.group(1) ?? undefined) : (m.group(0) ?? undefined);
}

function describeExtraction(e: Extraction): string {
  if ('json' in e) return `json ${e.json}`;
  if ('header' in e) return `header ${e.header}${e.regex ? ` /${e.regex}/` : ''}`;
  return `body /${e.body}/`;
}
