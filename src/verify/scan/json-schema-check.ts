/**
 * A small JSON Schema validator, enough for the published SARIF 2.1.0 (draft-04) and CycloneDX
 * 1.5 (draft-07) schemas the scan tests check their fixtures against: type, enum, const,
 * properties, required, additionalProperties, patternProperties, items (and tuple items with
 * additionalItems), min/max items, uniqueItems, min/max length, pattern, minimum/maximum,
 * allOf/anyOf/oneOf/not, if/then/else, `$ref` to `#/definitions/…` and to other schemas by file
 * name. `format` is not asserted (an annotation in draft-07). Pure; written here instead of adding
 * a validator package, and ajv (present only through fastify) does not read draft-04.
 */

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export interface SchemaError {
  /** JSON pointer of the value, e.g. `/runs/0/results/1/level`. */
  at: string;
  message: string;
}

/** Validates `value` against `schemas[main]`; other schemas are found by `$ref` to their name. */
export function validateJson(value: unknown, schemas: Record<string, Obj>, main: string): SchemaError[] {
  const errors: SchemaError[] = [];
  const root = schemas[main];
  if (!root) throw new Error(`no schema named ${main}`);
  check(value, root, root, '', errors, schemas);
  return errors;
}

function resolve(ref: string, current: Obj, schemas: Record<string, Obj>): { schema: Obj; root: Obj } {
  const [file, pointer = ''] = ref.split('#');
  const root = file ? schemas[file] : current;
  if (!root) throw new Error(`unresolved schema reference ${ref}`);
  let v: unknown = root;
  for (const seg of pointer.split('/').filter(Boolean)) v = (v as Obj)[decodeURIComponent(seg).replace(/~1/g, '/').replace(/~0/g, '~')];
  if (!isObj(v)) throw new Error(`unresolved schema reference ${ref}`);
  return { schema: v, root };
}

const typeOf = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);
const deepEqual = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

function matchesType(v: unknown, t: string): boolean {
  if (t === 'integer') return typeof v === 'number' && Number.isInteger(v);
  return typeOf(v) === t;
}

function check(v: unknown, s: Obj, root: Obj, at: string, out: SchemaError[], schemas: Record<string, Obj>): void {
  const fail = (message: string): void => {
    out.push({ at: at || '/', message });
  };
  const sub = (val: unknown, schema: unknown, path: string, into = out): void => {
    if (schema === true || schema === undefined) return;
    if (schema === false) into.push({ at: path || '/', message: 'not allowed' });
    else if (isObj(schema)) check(val, schema, root, path, into, schemas);
  };
  const valid = (schema: unknown) => {
    const e: SchemaError[] = [];
    sub(v, schema, at, e);
    return e.length === 0;
  };
  if (typeof s.$ref === 'string') {
    const r = resolve(s.$ref, root, schemas);
    check(v, r.schema, r.root, at, out, schemas);
    return;
  }
  if (s.type !== undefined) {
    const types = Array.isArray(s.type) ? (s.type as string[]) : [s.type as string];
    if (!types.some((t) => matchesType(v, t))) return fail(`expected ${types.join(' or ')}, got ${typeOf(v)}`);
  }
  if (Array.isArray(s.enum) && !s.enum.some((e) => deepEqual(e, v)))
    fail(
      `expected one of ${s.enum
        .slice(0, 8)
        .map((e) => JSON.stringify(e))
        .join(', ')}${s.enum.length > 8 ? ', …' : ''}`,
    );
  if (s.const !== undefined && !deepEqual(s.const, v)) fail(`expected ${JSON.stringify(s.const)}`);
  if (typeof v === 'string') {
    if (typeof s.minLength === 'number' && [...v].length < s.minLength) fail(`shorter than ${s.minLength}`);
    if (typeof s.maxLength === 'number' && [...v].length > s.maxLength) fail(`longer than ${s.maxLength}`);
    if (typeof s.pattern === 'string' && !new RegExp(s.pattern, 'u').test(v)) fail(`does not match ${s.pattern}`);
  }
  if (typeof v === 'number') {
    if (typeof s.minimum === 'number' && v < s.minimum) fail(`less than ${s.minimum}`);
    if (typeof s.maximum === 'number' && v > s.maximum) fail(`more than ${s.maximum}`);
  }
  if (Array.isArray(v)) {
    if (typeof s.minItems === 'number' && v.length < s.minItems) fail(`fewer than ${s.minItems} items`);
    if (typeof s.maxItems === 'number' && v.length > s.maxItems) fail(`more than ${s.maxItems} items`);
    if (s.uniqueItems === true && new Set(v.map((x) => JSON.stringify(x))).size !== v.length) fail('items are not unique');
    if (Array.isArray(s.items)) {
      v.forEach((x, i) => sub(x, i < (s.items as unknown[]).length ? (s.items as unknown[])[i] : s.additionalItems, `${at}/${i}`));
    } else if (s.items !== undefined) v.forEach((x, i) => sub(x, s.items, `${at}/${i}`));
  }
  if (isObj(v)) {
    if (Array.isArray(s.required)) for (const r of s.required as string[]) if (!(r in v)) fail(`required property "${r}" is missing`);
    const props = isObj(s.properties) ? s.properties : {};
    const patterns = isObj(s.patternProperties) ? Object.entries(s.patternProperties).map(([p, sch]) => [new RegExp(p, 'u'), sch] as const) : [];
    for (const [k, x] of Object.entries(v)) {
      const path = `${at}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`;
      let known = false;
      if (k in props) {
        known = true;
        sub(x, props[k], path);
      }
      for (const [re, sch] of patterns)
        if (re.test(k)) {
          known = true;
          sub(x, sch, path);
        }
      if (!known && s.additionalProperties !== undefined) {
        if (s.additionalProperties === false) out.push({ at: path, message: `unknown property "${k}"` });
        else sub(x, s.additionalProperties, path);
      }
    }
  }
  if (Array.isArray(s.allOf)) for (const x of s.allOf) sub(v, x, at);
  if (Array.isArray(s.anyOf) && !s.anyOf.some(valid)) fail('matches none of anyOf');
  if (Array.isArray(s.oneOf)) {
    const n = s.oneOf.filter(valid).length;
    if (n !== 1) fail(`matches ${n} of oneOf, expected exactly 1`);
  }
  if (s.not !== undefined && valid(s.not)) fail('matches a schema it must not');
  if (s.if !== undefined) {
    if (valid(s.if)) sub(v, s.then, at);
    else sub(v, s.else, at);
  }
}
