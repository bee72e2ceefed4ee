/**
 * A load-test scenario (`--scenario FILE`, YAML or JSON): the requests a run chooses from, each
 * arrival picking one by weight with a seeded generator, so a run is reproducible. Paths are
 * relative to the target (`/users/7?x=1`), never a URL of their own. Bounded: at most 1,000
 * requests, bodies of at most 64 KiB. Pure: text in, requests out.
 *
 *   requests:                       # or the list itself at the top level
 *     - { path: /items, weight: 8 }
 *     - method: POST
 *       path: /orders
 *       headers: { content-type: application/json }
 *       body: { sku: 42 }            # a string is sent as written; anything else as JSON
 *       weight: 2
 */
import { z } from 'zod';
import { InputError } from '../../core/errors';
import { formatPath, parseDocuments } from '../../core/manifest';
import { seededRandom } from '../../core/seeded-random';

export const MAX_SCENARIO_REQUESTS = 1000;
export const MAX_BODY_BYTES = 64 * 1024;

export interface ScenarioRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
  weight: number;
}

const headerName = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: a header value with CR/LF would split the request
const headerValue = /^[^\r\n\u0000]*$/;

const requestSchema = z.strictObject({
  method: z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9_-]{0,31}$/, 'a method name such as GET or POST')
    .default('GET'),
  path: z
    .string()
    .max(8192)
    .regex(/^\/[^\s#]*$/, 'a path relative to the target, starting with / (no scheme, host, spaces or fragment)'),
  headers: z
    .record(
      z.string().regex(headerName, 'a header name'),
      z.union([z.string(), z.number()]).transform(String).pipe(z.string().regex(headerValue, 'no line breaks')),
    )
    .default({}),
  body: z.unknown().optional(),
  weight: z.number().positive().finite().default(1),
});

const scenarioSchema = z.union([
  z.array(requestSchema).min(1).max(MAX_SCENARIO_REQUESTS),
  z.strictObject({ requests: z.array(requestSchema).min(1).max(MAX_SCENARIO_REQUESTS) }),
]);

/** Parses a scenario; a bad field is an InputError naming the file, line and field. */
export function parseScenario(text: string, file: string): ScenarioRequest[] {
  const docs = parseDocuments(text, file);
  if (docs.length !== 1)
    throw new InputError(`${file}: expected one document with a list of requests, found ${docs.length}`, [{ file, path: '', message: 'one document' }]);
  const doc = docs[0]!;
  const r = scenarioSchema.safeParse(doc.value);
  if (!r.success) {
    // A union reports each branch; the object form's issues are the useful ones when it is an object.
    const issues = r.error.issues.flatMap((i) => (i.code === 'invalid_union' ? (Array.isArray(doc.value) ? i.errors[0]! : i.errors[1]!) : [i]));
    throw new InputError(
      `${file}: not a scenario (a list of {method, path, headers, body, weight}, at most ${MAX_SCENARIO_REQUESTS})`,
      issues.map((i) => {
        const path = i.path as (string | number)[];
        const at = doc.locate(path);
        return { file, line: at.line, column: at.column, path: formatPath(path), message: i.message };
      }),
    );
  }
  const list = Array.isArray(r.data) ? r.data : r.data.requests;
  const prefix = Array.isArray(r.data) ? [] : ['requests'];
  return list.map((x, i) => {
    const headers = Object.fromEntries(Object.entries(x.headers).map(([k, v]) => [k.toLowerCase(), v]));
    let body: Buffer | undefined;
    if (x.body !== undefined && x.body !== null) {
      body = Buffer.from(typeof x.body === 'string' ? x.body : JSON.stringify(x.body));
      if (typeof x.body !== 'string' && !headers['content-type']) headers['content-type'] = 'application/json';
      if (body.length > MAX_BODY_BYTES) {
        const path = [...prefix, i, 'body'];
        const at = doc.locate(path);
        throw new InputError(`${file}: request ${i + 1} has a ${body.length}-byte body; at most ${MAX_BODY_BYTES} bytes`, [
          { file, line: at.line, column: at.column, path: formatPath(path), message: `at most ${MAX_BODY_BYTES} bytes` },
        ]);
      }
    }
    return { method: x.method.toUpperCase(), path: x.path, headers, ...(body ? { body } : {}), weight: x.weight };
  });
}

/** Picks request indexes by weight, reproducibly for a seed. */
export function weightedPicker(weights: readonly number[], seed: number): () => number {
  const cumulative: number[] = [];
  let total = 0;
  for (const w of weights) cumulative.push((total += w));
  const random = seededRandom(seed);
  return () => {
    const x = random() * total;
    // The first index whose cumulative weight exceeds x (binary search).
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid]! > x) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  };
}
