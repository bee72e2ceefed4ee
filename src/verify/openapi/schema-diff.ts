/**
 * Compares two JSON schemas (OpenAPI 3.0 or 3.1) the way one side of an API sees them: in a
 * request a change breaks clients when a value valid before is refused now; in a response when
 * the server may now send a value clients were never promised. Pure; `$ref`s are followed through
 * the resolvers and a (base, revision) pair of schema nodes is compared once, so recursive schemas
 * end.
 */
import type { CheckId } from './checks';
import type { RefResolver } from './ref-resolver';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** What the schema describes: a parameter's value, a request body, or a response body. */
export type SchemaSubject = 'parameter' | 'requestBody' | 'response';

export interface SchemaDiffContext {
  from: RefResolver;
  to: RefResolver;
  subject: SchemaSubject;
  /** Reports a change; `property` is the slash-joined property path (`data/name`), empty at the root. */
  emit(id: CheckId, property: string, text: string): void;
}

/** The facts of a schema the checks compare, with allOf members merged in. */
interface SchemaView {
  /** Types without null; empty means any type. */
  types: Set<string>;
  nullable: boolean;
  enum?: unknown[];
  maxLength?: number;
  readOnly: boolean;
  writeOnly: boolean;
  properties: Map<string, unknown>;
  required: Set<string>;
  items?: unknown;
}

function view(schema: unknown, refs: RefResolver, depth = 0): SchemaView {
  return makeView(refs.deref(schema), refs, depth);
}

function makeView(s: unknown, refs: RefResolver, depth: number): SchemaView {
  const v: SchemaView = { types: new Set(), nullable: false, readOnly: false, writeOnly: false, properties: new Map(), required: new Set() };
  if (!isObj(s)) return v;
  const t = s.type;
  for (const x of Array.isArray(t) ? t : typeof t === 'string' ? [t] : []) {
    if (x === 'null') v.nullable = true;
    else if (typeof x === 'string') v.types.add(x);
  }
  if (s.nullable === true) v.nullable = true;
  if (Array.isArray(s.enum)) {
    v.enum = s.enum.filter((e) => e !== null);
    if (s.enum.includes(null)) v.nullable = true;
  } else if (s.const !== undefined) v.enum = [s.const];
  if (typeof s.maxLength === 'number') v.maxLength = s.maxLength;
  v.readOnly = s.readOnly === true;
  v.writeOnly = s.writeOnly === true;
  if (isObj(s.properties)) for (const [k, p] of Object.entries(s.properties)) v.properties.set(k, p);
  if (Array.isArray(s.required)) for (const r of s.required) if (typeof r === 'string') v.required.add(r);
  if (s.items !== undefined) v.items = s.items;
  // allOf: every member applies, so its properties, requirements and types merge into one view.
  if (Array.isArray(s.allOf) && depth < 16) {
    for (const m of s.allOf) {
      const mv = view(m, refs, depth + 1);
      for (const x of mv.types) v.types.add(x);
      for (const [k, p] of mv.properties) if (!v.properties.has(k)) v.properties.set(k, p);
      for (const r of mv.required) v.required.add(r);
      v.enum ??= mv.enum;
      v.maxLength ??= mv.maxLength;
      v.items ??= mv.items;
      v.nullable ||= mv.nullable;
    }
  }
  if (v.properties.size && v.types.size === 0 && !Array.isArray(s.allOf)) v.types.add('object');
  return v;
}

/** True when every value of types `b` is a value of types `a` (an empty set is any type). */
export function typesAccept(a: Set<string>, b: Set<string>): boolean {
  if (a.size === 0) return true;
  if (b.size === 0) return false;
  for (const t of b) if (!a.has(t) && !(t === 'integer' && a.has('number'))) return false;
  return true;
}

const typeText = (t: Set<string>) => (t.size ? [...t].sort().join('|') : 'any');
const q = (v: unknown) => '`' + (typeof v === 'string' ? v : JSON.stringify(v)) + '`';

/** The check id for where a schema sits: 0 a parameter's value, 1 a body root, 2 a property. */
function pick(where: 0 | 1 | 2, param: CheckId, body: CheckId, property: CheckId): CheckId {
  return where === 0 ? param : where === 1 ? body : property;
}

const enumKey = (e: unknown) => JSON.stringify(e);
const subPath = (path: string[], name: string) => (path.length ? `${path.join('/')}/${name}` : name);

/** Compares the schema `from` (before) with `to` (after), reporting through ctx.emit. */
export function diffSchema(from: unknown, to: unknown, ctx: SchemaDiffContext): void {
  walk(from, to, [], ctx, new Map());
}

function walk(from: unknown, to: unknown, path: string[], ctx: SchemaDiffContext, seen: Map<object, Set<object>>): void {
  const a = ctx.from.deref(from);
  const b = ctx.to.deref(to);
  if (!isObj(a) || !isObj(b)) return;
  let pairs = seen.get(a);
  if (!pairs) seen.set(a, (pairs = new Set()));
  if (pairs.has(b)) return;
  pairs.add(b);

  const va = view(a, ctx.from);
  const vb = view(b, ctx.to);
  const prop = path.join('/');
  const request = ctx.subject !== 'response';
  const root = path.length === 0;
  const where = root
    ? ctx.subject === 'parameter'
      ? 'the value'
      : ctx.subject === 'requestBody'
        ? 'the request body'
        : 'the response body'
    : `the ${request ? 'request' : 'response'} property ${q(prop)}`;
  const id = root ? (ctx.subject === 'parameter' ? 0 : 1) : 2;

  // Types.
  const typesSame = typeText(va.types) === typeText(vb.types);
  if (!typesSame) {
    if (request) {
      if (!typesAccept(vb.types, va.types))
        ctx.emit(
          pick(id, 'request-parameter-type-changed', 'request-body-type-changed', 'request-property-type-changed'),
          prop,
          `${where} changed type from ${q(typeText(va.types))} to ${q(typeText(vb.types))}`,
        );
      else if (ctx.subject === 'parameter' || !root)
        ctx.emit(
          root ? 'request-parameter-type-generalized' : 'request-property-type-generalized',
          prop,
          `${where} now accepts type ${q(typeText(vb.types))} (was ${q(typeText(va.types))})`,
        );
    } else if (!typesAccept(va.types, vb.types)) {
      ctx.emit(
        root ? 'response-body-type-changed' : 'response-property-type-changed',
        prop,
        `${where} changed type from ${q(typeText(va.types))} to ${q(typeText(vb.types))}`,
      );
    }
  }
  if (request && va.nullable && !vb.nullable) ctx.emit('request-property-became-not-nullable', prop, `${where} no longer accepts null`);
  if (!request && !va.nullable && vb.nullable) ctx.emit('response-property-became-nullable', prop, `${where} may now be null`);

  // Enums: a request may send any old value; a response may only send values clients know.
  if (va.enum && vb.enum) {
    const inB = new Set(vb.enum.map(enumKey));
    const inA = new Set(va.enum.map(enumKey));
    for (const e of va.enum) {
      if (inB.has(enumKey(e))) continue;
      if (request)
        ctx.emit(
          pick(id, 'request-parameter-enum-value-removed', 'request-body-enum-value-removed', 'request-property-enum-value-removed'),
          prop,
          `removed the enum value ${q(e)} from ${where}`,
        );
      else ctx.emit('response-property-enum-value-removed', prop, `removed the enum value ${q(e)} from ${where}`);
    }
    for (const e of vb.enum) {
      if (inA.has(enumKey(e))) continue;
      if (request)
        ctx.emit(
          root && ctx.subject === 'parameter' ? 'request-parameter-enum-value-added' : 'request-property-enum-value-added',
          prop,
          `added the enum value ${q(e)} to ${where}`,
        );
      else ctx.emit('response-property-enum-value-added', prop, `added the enum value ${q(e)} to ${where}`);
    }
  }
  if (request && vb.maxLength !== undefined && (va.maxLength === undefined || vb.maxLength < va.maxLength)) {
    ctx.emit(
      'request-property-max-length-decreased',
      prop,
      `the maxLength of ${where} ${va.maxLength === undefined ? 'was set' : `decreased from ${va.maxLength}`} to ${vb.maxLength}`,
    );
  }

  // Properties. readOnly properties are never sent in requests, writeOnly ones never in responses.
  for (const [name, pa] of va.properties) {
    const pva = view(pa, ctx.from);
    if (request ? pva.readOnly : pva.writeOnly) continue;
    const pb = vb.properties.get(name);
    if (pb === undefined) {
      if (request) ctx.emit('request-property-removed', subPath(path, name), `removed the request property ${q(subPath(path, name))}`);
      else if (va.required.has(name))
        ctx.emit('response-required-property-removed', subPath(path, name), `removed the required response property ${q(subPath(path, name))}`);
      else ctx.emit('response-optional-property-removed', subPath(path, name), `removed the optional response property ${q(subPath(path, name))}`);
      continue;
    }
    const wasReq = va.required.has(name);
    const isReq = vb.required.has(name);
    if (request && !wasReq && isReq)
      ctx.emit('request-property-became-required', subPath(path, name), `the request property ${q(subPath(path, name))} became required`);
    if (request && wasReq && !isReq)
      ctx.emit('request-property-became-optional', subPath(path, name), `the request property ${q(subPath(path, name))} became optional`);
    if (!request && wasReq && !isReq)
      ctx.emit('response-property-became-optional', subPath(path, name), `the response property ${q(subPath(path, name))} became optional`);
    walk(pa, pb, [...path, name], ctx, seen);
  }
  for (const [name, pb] of vb.properties) {
    if (va.properties.has(name)) continue;
    const pvb = view(pb, ctx.to);
    if (request ? pvb.readOnly : pvb.writeOnly) continue;
    if (request) {
      if (vb.required.has(name))
        ctx.emit('new-required-request-property', subPath(path, name), `added the required request property ${q(subPath(path, name))}`);
      else ctx.emit('new-optional-request-property', subPath(path, name), `added the optional request property ${q(subPath(path, name))}`);
    } else ctx.emit('response-property-added', subPath(path, name), `added the response property ${q(subPath(path, name))}`);
  }
  if (va.items !== undefined && vb.items !== undefined) walk(va.items, vb.items, [...path, 'items'], ctx, seen);
}
