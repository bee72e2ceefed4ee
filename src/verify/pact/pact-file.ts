/**
 * Reads Pact files, specification v2 and v3, into one model. Pure.
 *
 * What differs between the versions and is normalised here: the metadata key
 * (`pactSpecification`, or the legacy `pact-specification`), the query (a string
 * `a=1&b=2` in v2, a map of arrays in v3), header values (a string, possibly comma-separated,
 * or an array), the method's case, provider states (`providerState` string in v2,
 * `providerStates[{name, params}]` in v3), and matching rules (v2: flat JSONPath keys such as
 * `$.body.company` or `$.headers.Accept` with one matcher each; v3: categories `body`, `header`,
 * `query`, `path` with `{matchers, combine}`).
 */
import { z } from 'zod';
import { InputError } from '../../core/errors';
import { parseYamlValue } from '../../core/manifest';
import { regexProblem } from '../../core/safe-regex';

export type MatcherName =
  | 'type'
  | 'regex'
  | 'equality'
  | 'include'
  | 'integer'
  | 'decimal'
  | 'number'
  | 'null'
  | 'boolean'
  | 'date'
  | 'time'
  | 'timestamp'
  | 'values'
  | 'contentType';

export interface Matcher {
  match: MatcherName;
  regex?: string;
  min?: number;
  max?: number;
  value?: string;
  format?: string;
}

export interface RuleSet {
  matchers: Matcher[];
  combine: 'AND' | 'OR';
}

/** Rules of one side of an interaction, by category; body and header rules keyed by path or name. */
export interface Rules {
  body: Record<string, RuleSet>;
  header: Record<string, RuleSet>;
  query: Record<string, RuleSet>;
  path?: RuleSet;
}

export interface PactRequest {
  method: string;
  path: string;
  query: Record<string, string[]>;
  headers: Record<string, string>;
  /** Absent when the interaction sends no body. */
  body?: unknown;
}

export interface PactResponse {
  status: number;
  headers: Record<string, string>;
  body?: unknown;
  rules: Rules;
}

export interface PactInteraction {
  description: string;
  providerStates: { name: string; params?: Record<string, unknown> }[];
  request: PactRequest;
  response: PactResponse;
}

export interface Pact {
  consumer: string;
  provider: string;
  /** "2.0.0", "3.0.0"… */
  specification: string;
  interactions: PactInteraction[];
}

const MATCHERS = [
  'type',
  'regex',
  'equality',
  'include',
  'integer',
  'decimal',
  'number',
  'null',
  'boolean',
  'date',
  'time',
  'timestamp',
  'values',
  'contentType',
] as const;

const matcherInput = z.looseObject({
  match: z.enum(MATCHERS).optional(),
  regex: z.string().max(10_000).optional(),
  min: z.number().int().min(0).optional(),
  max: z.number().int().min(0).optional(),
  value: z.string().optional(),
  format: z.string().optional(),
  date: z.string().optional(),
  time: z.string().optional(),
  timestamp: z.string().optional(),
});
const ruleSetInput = z.looseObject({ matchers: z.array(matcherInput).max(100), combine: z.enum(['AND', 'OR']).default('AND') });
const headerValue = z.union([z.string(), z.array(z.string())]);
const side = {
  headers: z.record(z.string(), headerValue).optional(),
  body: z.unknown().optional(),
  matchingRules: z.record(z.string(), z.unknown()).optional(),
};
const interactionInput = z.looseObject({
  description: z.string().min(1).max(1000),
  providerState: z.string().optional(),
  providerStates: z.array(z.looseObject({ name: z.string().min(1), params: z.record(z.string(), z.unknown()).optional() })).optional(),
  request: z.looseObject({
    method: z.string().regex(/^[A-Za-z]+$/, 'expected an HTTP method'),
    path: z.string().startsWith('/', 'must start with "/"').max(8192),
    query: z.union([z.string().max(8192), z.record(z.string(), z.union([z.string(), z.array(z.string())]))]).optional(),
    ...side,
  }),
  response: z.looseObject({ status: z.number().int().min(100).max(599), ...side }),
});
const pactInput = z.looseObject({
  consumer: z.looseObject({ name: z.string().min(1).max(200) }),
  provider: z.looseObject({ name: z.string().min(1).max(200) }),
  interactions: z.array(interactionInput).min(1).max(10_000),
  metadata: z.record(z.string(), z.unknown()).optional(),
});

function toMatcher(m: z.infer<typeof matcherInput>): Matcher {
  // v2 `{min: 1}` (no `match`) is a type match with a minimum; v2 `{regex}` is a regex match.
  const match: MatcherName = m.match ?? (m.regex !== undefined ? 'regex' : 'type');
  const out: Matcher = { match };
  if (m.regex !== undefined) out.regex = m.regex;
  if (m.min !== undefined) out.min = m.min;
  if (m.max !== undefined) out.max = m.max;
  if (m.value !== undefined) out.value = m.value;
  const format = m.format ?? m.date ?? m.time ?? m.timestamp;
  if (format !== undefined) out.format = format;
  return out;
}

function emptyRules(): Rules {
  return { body: {}, header: {}, query: {} };
}

/** v2 flat rules (`$.body.x`, `$.headers.H`, `$.query.q`, `$.path`) and v3 categories, one shape. */
function readRules(raw: Record<string, unknown> | undefined, where: string, issues: { path: string; message: string }[]): Rules {
  const rules = emptyRules();
  if (!raw) return rules;
  const v3 = Object.keys(raw).some((k) => ['body', 'header', 'headers', 'query', 'path', 'status'].includes(k));
  if (v3) {
    for (const [cat, value] of Object.entries(raw)) {
      const category = cat === 'headers' ? 'header' : cat;
      if (category === 'status') continue;
      if (category === 'path') {
        const direct = ruleSetInput.safeParse(value);
        const nested = direct.success ? undefined : z.record(z.string(), ruleSetInput).safeParse(value);
        const rs = direct.success ? direct.data : nested?.success ? Object.values(nested.data)[0] : undefined;
        if (!rs) issues.push({ path: `${where}.path`, message: 'expected {matchers: [...], combine}' });
        else rules.path = { matchers: rs.matchers.map(toMatcher), combine: rs.combine };
        continue;
      }
      if (category !== 'body' && category !== 'header' && category !== 'query') {
        issues.push({ path: `${where}.${cat}`, message: `unknown matching rule category "${cat}" (expected body, header, query, path)` });
        continue;
      }
      const r = z.record(z.string(), ruleSetInput).safeParse(value);
      if (!r.success) {
        issues.push({ path: `${where}.${cat}.${r.error.issues[0].path.join('.')}`, message: r.error.issues[0].message });
        continue;
      }
      for (const [key, rs] of Object.entries(r.data)) rules[category][key] = { matchers: rs.matchers.map(toMatcher), combine: rs.combine };
    }
    return rules;
  }
  for (const [key, value] of Object.entries(raw)) {
    const m = matcherInput.safeParse(value);
    if (!m.success) {
      issues.push({ path: `${where}.${key}`, message: m.error.issues[0].message });
      continue;
    }
    const rs: RuleSet = { matchers: [toMatcher(m.data)], combine: 'AND' };
    if (key === '$.body' || key.startsWith('$.body.') || key.startsWith('$.body[')) rules.body[`$${key.slice('$.body'.length)}`] = rs;
    else if (key.startsWith('$.headers.') || key.startsWith('$.header.')) rules.header[key.slice(key.indexOf('.', 2) + 1)] = rs;
    else if (key.startsWith('$.query.')) rules.query[key.slice('$.query.'.length)] = rs;
    else if (key === '$.path') rules.path = rs;
    else issues.push({ path: `${where}.${key}`, message: 'expected a rule on $.body…, $.headers.…, $.query.… or $.path' });
  }
  return rules;
}

function readHeaders(h: Record<string, string | string[]> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h ?? {})) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

function readQuery(q: string | Record<string, string | string[]> | undefined): Record<string, string[]> {
  if (q === undefined) return {};
  if (typeof q === 'string') {
    const out: Record<string, string[]> = {};
    for (const [k, v] of new URLSearchParams(q)) (out[k] ??= []).push(v);
    return out;
  }
  return Object.fromEntries(Object.entries(q).map(([k, v]) => [k, Array.isArray(v) ? v : [v]]));
}

/** Reads one Pact file (JSON; YAML accepted too) or throws InputError naming the file and the field. */
export function parsePact(text: string, file: string): Pact {
  const doc = parseYamlValue(text, file);
  const r = pactInput.safeParse(doc);
  if (!r.success) {
    throw new InputError(
      `${file}: not a Pact file`,
      r.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message, file })),
    );
  }
  const p = r.data;
  const meta = (p.metadata ?? {}) as Record<string, unknown>;
  const specMeta = (meta.pactSpecification ?? meta['pact-specification'] ?? meta.pactSpecificationVersion) as { version?: string } | string | undefined;
  const specification = typeof specMeta === 'string' ? specMeta : (specMeta?.version ?? '2.0.0');
  if (!/^[123]\./.test(specification)) {
    throw new InputError(`${file}: Pact specification ${specification} is not supported (v2 and v3 are)`, [
      { path: 'metadata.pactSpecification.version', message: `expected 2.x or 3.x, got ${specification}`, file },
    ]);
  }
  const issues: { path: string; message: string }[] = [];
  const interactions = p.interactions.map((it, n): PactInteraction => {
    const where = `interactions.${n}`;
    const states = it.providerStates ?? (it.providerState ? [{ name: it.providerState }] : []);
    const request: PactRequest = {
      method: it.request.method.toUpperCase(),
      path: it.request.path,
      query: readQuery(it.request.query),
      headers: readHeaders(it.request.headers),
    };
    if ('body' in it.request && it.request.body !== undefined) request.body = it.request.body;
    const response: PactResponse = {
      status: it.response.status,
      headers: readHeaders(it.response.headers),
      rules: readRules(it.response.matchingRules, `${where}.response.matchingRules`, issues),
    };
    if ('body' in it.response && it.response.body !== undefined) response.body = it.response.body;
    for (const [key, rs] of Object.entries(response.rules.body)) {
      for (const m of rs.matchers) {
        const problem = m.match === 'regex' && m.regex !== undefined ? regexProblem(m.regex) : undefined;
        if (problem) issues.push({ path: `${where}.response.matchingRules.body.${key}`, message: `regex ${m.regex}: ${problem}` });
      }
    }
    return { description: it.description, providerStates: states, request, response };
  });
  if (issues.length)
    throw new InputError(
      `${file}: invalid matching rules`,
      issues.map((i) => ({ ...i, file })),
    );
  return { consumer: p.consumer.name, provider: p.provider.name, specification, interactions };
}
