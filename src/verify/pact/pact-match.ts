/**
 * Does a provider's actual response satisfy a Pact interaction's expected response? Pure.
 *
 * As the Pact specification has it: the status must be equal; every expected header must be
 * present (names case-insensitive; values compared after splitting on commas, the content type
 * by its media type and the parameters the pact names); the body is compared with Postel's law —
 * an object may carry keys the pact does not name, an array must have the expected length unless
 * a `type` matcher with `min`/`max` says otherwise, and then every element is compared with the
 * first expected one. Leaves are equal unless a matcher applies. A matcher applies to the value at
 * the path its rule names (`$.a.b`, `$[*].id`, `$.a.*`); the most specific rule wins (an exact
 * name weighs 2, a wildcard 1); a `type` rule also applies to everything below it until another
 * rule says otherwise.
 */
import { compileRegex } from '../../core/safe-regex';
import type { Matcher, PactResponse, RuleSet } from './pact-file';

export interface Mismatch {
  /** Where: `status`, `header Content-Type`, or a JSONPath into the body such as `$.factories[0].capacity`. */
  path: string;
  message: string;
  expected?: unknown;
  actual?: unknown;
}

export interface ActualResponse {
  status: number;
  /** Names lower-case. */
  headers: Record<string, string>;
  /** The body as text ('' when none). */
  text: string;
}

type Token = string | number | '*' | '[*]';

/** Parses a rule path such as `$.a['b c'][*].d` or `$.*` into tokens; undefined when it is not one. */
export function parseRulePath(p: string): Token[] | undefined {
  if (!p.startsWith('$')) return undefined;
  const out: Token[] = [];
  let i = 1;
  while (i < p.length) {
    if (p[i] === '.') {
      const m = /^\.(\*|[^.[\]]+)/.exec(p.slice(i));
      if (!m) return undefined;
      out.push(m[1] === '*' ? '*' : m[1]);
      i += m[0].length;
    } else if (p[i] === '[') {
      const m = /^\[(?:(\*)|(\d+)|'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")\]/.exec(p.slice(i));
      if (!m) return undefined;
      out.push(m[1] ? '[*]' : m[2] !== undefined ? Number(m[2]) : (m[3] ?? m[4]).replace(/\\(.)/g, '$1'));
      i += m[0].length;
    } else return undefined;
  }
  return out;
}

/** The weight of `rule` for the actual path, 0 when it does not apply there. */
function weight(rule: Token[], path: (string | number)[]): number {
  if (rule.length !== path.length) return 0;
  let w = 1;
  for (let i = 0; i < rule.length; i++) {
    const r = rule[i];
    const a = path[i];
    if (r === '[*]') {
      if (typeof a !== 'number') return 0;
      w += 1;
    } else if (r === '*') w += 1;
    else if (r === a) w += 2;
    else return 0;
  }
  return w;
}

function format(path: (string | number)[]): string {
  return '$' + path.map((t) => (typeof t === 'number' ? `[${t}]` : /^[A-Za-z_$][\w$]*$/.test(t) ? `.${t}` : `['${t.replace(/'/g, "\\'")}']`)).join('');
}

interface CompiledRules {
  rules: { tokens: Token[]; set: RuleSet }[];
}

function compileRules(body: Record<string, RuleSet>): CompiledRules {
  const rules: CompiledRules['rules'] = [];
  for (const [p, set] of Object.entries(body)) {
    const tokens = parseRulePath(p);
    if (tokens) rules.push({ tokens, set });
  }
  return { rules };
}

function ruleFor(c: CompiledRules, path: (string | number)[]): RuleSet | undefined {
  let best: RuleSet | undefined;
  let bestW = 0;
  for (const r of c.rules) {
    const w = weight(r.tokens, path);
    if (w > bestW) {
      best = r.set;
      bestW = w;
    }
  }
  return best;
}

const kindOf = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

function deepEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Why one value fails one matcher, or undefined. */
function matcherProblem(m: Matcher, expected: unknown, actual: unknown): string | undefined {
  switch (m.match) {
    case 'type':
      if (kindOf(expected) !== kindOf(actual)) return `expected a value of type ${kindOf(expected)}, got ${kindOf(actual)}`;
      if (Array.isArray(actual)) {
        if (m.min !== undefined && actual.length < m.min) return `expected at least ${m.min} elements, got ${actual.length}`;
        if (m.max !== undefined && actual.length > m.max) return `expected at most ${m.max} elements, got ${actual.length}`;
      }
      return undefined;
    case 'regex': {
      if (actual === null || typeof actual === 'object') return `expected a value matching /${m.regex}/, got ${kindOf(actual)}`;
      const text = String(actual);
      // Pact regexes match the whole value.
      return compileRegex(m.regex ?? '').matches(text) ? undefined : `expected a value matching /${m.regex}/, got ${JSON.stringify(actual)}`;
    }
    case 'equality':
      return deepEqual(expected, actual) ? undefined : `expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`;
    case 'include':
      return typeof actual === 'string' && actual.includes(m.value ?? '')
        ? undefined
        : `expected a string including ${JSON.stringify(m.value)}, got ${JSON.stringify(actual)}`;
    case 'integer':
      return typeof actual === 'number' && Number.isInteger(actual) ? undefined : `expected an integer, got ${JSON.stringify(actual)}`;
    case 'decimal':
      return typeof actual === 'number' && Number.isFinite(actual) ? undefined : `expected a decimal number, got ${JSON.stringify(actual)}`;
    case 'number':
      return typeof actual === 'number' ? undefined : `expected a number, got ${JSON.stringify(actual)}`;
    case 'null':
      return actual === null ? undefined : `expected null, got ${JSON.stringify(actual)}`;
    case 'boolean':
      return typeof actual === 'boolean' ? undefined : `expected a boolean, got ${JSON.stringify(actual)}`;
    case 'date':
    case 'time':
    case 'timestamp':
      // Java date formats are not parsed here: the value must be a string that Date can read.
      return typeof actual === 'string' && !Number.isNaN(Date.parse(m.match === 'time' ? `1970-01-01T${actual}` : actual))
        ? undefined
        : `expected a ${m.match}${m.format ? ` (${m.format})` : ''}, got ${JSON.stringify(actual)}`;
    case 'values':
    case 'contentType':
      return undefined;
  }
}

function ruleProblem(set: RuleSet, expected: unknown, actual: unknown): string | undefined {
  const problems = set.matchers.map((m) => matcherProblem(m, expected, actual));
  if (set.combine === 'OR') return problems.some((p) => p === undefined) ? undefined : problems.join(' or ');
  return problems.find((p) => p !== undefined);
}

function isTypeRule(set: RuleSet | undefined): boolean {
  return set !== undefined && set.matchers.some((m) => m.match === 'type' || m.match === 'values');
}

function compareBody(
  rules: CompiledRules,
  expected: unknown,
  actual: unknown,
  path: (string | number)[],
  inherited: RuleSet | undefined,
  out: Mismatch[],
): void {
  if (out.length >= 100) return;
  const own = ruleFor(rules, path);
  const set = own ?? inherited;
  const where = format(path);
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) {
      out.push({ path: where, message: `expected an array, got ${kindOf(actual)}`, expected, actual });
      return;
    }
    if (set && isTypeRule(set)) {
      const p = ruleProblem(set, expected, actual);
      if (p) out.push({ path: where, message: p, expected: expected.length, actual: actual.length });
      const template = expected[0];
      if (template !== undefined) actual.forEach((a, i) => compareBody(rules, template, a, [...path, i], set, out));
      return;
    }
    if (set) {
      const p = ruleProblem(set, expected, actual);
      if (p) out.push({ path: where, message: p });
      return;
    }
    if (actual.length !== expected.length)
      out.push({ path: where, message: `expected ${expected.length} elements, got ${actual.length}`, expected: expected.length, actual: actual.length });
    expected.forEach((e, i) => {
      if (i < actual.length) compareBody(rules, e, actual[i], [...path, i], undefined, out);
    });
    return;
  }
  if (expected !== null && typeof expected === 'object') {
    if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) {
      out.push({ path: where, message: `expected an object, got ${kindOf(actual)}`, actual });
      return;
    }
    if (set && !isTypeRule(set)) {
      const p = ruleProblem(set, expected, actual);
      if (p) out.push({ path: where, message: p });
      return;
    }
    for (const [k, e] of Object.entries(expected as Record<string, unknown>)) {
      if (!(k in (actual as Record<string, unknown>))) {
        out.push({ path: format([...path, k]), message: 'missing', expected: e });
        continue;
      }
      compareBody(rules, e, (actual as Record<string, unknown>)[k], [...path, k], isTypeRule(set) ? set : undefined, out);
    }
    return;
  }
  if (set) {
    const p = ruleProblem(set, expected, actual);
    if (p) out.push({ path: where, message: p, expected, actual });
    return;
  }
  if (!deepEqual(expected, actual)) out.push({ path: where, message: `expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`, expected, actual });
}

function mediaType(v: string): { type: string; params: Record<string, string> } {
  const [type, ...rest] = v.split(';');
  const params: Record<string, string> = {};
  for (const p of rest) {
    const [k, ...val] = p.split('=');
    if (k.trim()) params[k.trim().toLowerCase()] = val.join('=').trim().replace(/^"|"$/g, '').toLowerCase();
  }
  return { type: type.trim().toLowerCase(), params };
}

function isJson(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const t = mediaType(contentType).type;
  return t === 'application/json' || t.endsWith('+json');
}

/** Every way `actual` differs from what the pact expects; empty when it satisfies it. */
export function matchResponse(expected: PactResponse, actual: ActualResponse): Mismatch[] {
  const out: Mismatch[] = [];
  if (actual.status !== expected.status)
    out.push({ path: 'status', message: `expected status ${expected.status}, got ${actual.status}`, expected: expected.status, actual: actual.status });
  const headerRules = Object.fromEntries(Object.entries(expected.rules.header).map(([k, v]) => [k.toLowerCase(), v]));
  for (const [name, value] of Object.entries(expected.headers)) {
    const key = name.toLowerCase();
    const got = actual.headers[key];
    if (got === undefined) {
      out.push({ path: `header ${name}`, message: 'missing', expected: value });
      continue;
    }
    const rule = headerRules[key];
    if (rule) {
      const p = ruleProblem(rule, value, got);
      if (p) out.push({ path: `header ${name}`, message: p, expected: value, actual: got });
    } else if (key === 'content-type') {
      const e = mediaType(value);
      const a = mediaType(got);
      const paramsOk = Object.entries(e.params).every(([k, v]) => a.params[k] === v);
      if (e.type !== a.type || !paramsOk) out.push({ path: `header ${name}`, message: `expected ${value}, got ${got}`, expected: value, actual: got });
    } else {
      const split = (s: string) => s.split(',').map((x) => x.trim());
      if (JSON.stringify(split(value)) !== JSON.stringify(split(got)))
        out.push({ path: `header ${name}`, message: `expected ${value}, got ${got}`, expected: value, actual: got });
    }
  }
  if (expected.body === undefined) return out;
  const compiled = compileRules(expected.rules.body);
  const json =
    isJson(expected.headers[Object.keys(expected.headers).find((k) => k.toLowerCase() === 'content-type') ?? ''] ?? actual.headers['content-type']) ||
    (typeof expected.body === 'object' && expected.body !== null);
  if (!json) {
    // A text body: the pact holds it as a string.
    const text = typeof expected.body === 'string' ? expected.body : JSON.stringify(expected.body);
    const rule = ruleFor(compiled, []);
    const p = rule
      ? ruleProblem(rule, text, actual.text)
      : text === actual.text
        ? undefined
        : `expected body ${JSON.stringify(text.slice(0, 200))}, got ${JSON.stringify(actual.text.slice(0, 200))}`;
    if (p) out.push({ path: '$', message: p });
    return out;
  }
  let body: unknown;
  try {
    body = JSON.parse(actual.text);
  } catch {
    out.push({ path: '$', message: `expected a JSON body, got ${JSON.stringify(actual.text.slice(0, 200))}` });
    return out;
  }
  compareBody(compiled, expected.body, body, [], undefined, out);
  return out;
}
