/**
 * The breaking-change diff of two OpenAPI documents, operation by operation. Pure: documents in,
 * findings out. `diffRelease` runs it both ways: BASE → REVISION finds what breaks consumers of
 * the new revision, REVISION → BASE what breaks clients written against it if the release is
 * rolled back.
 */
import { CHECKS, LEVEL_RANK, type CheckId, type Direction, type Finding } from './checks';
import { HTTP_METHODS, type OpenapiDocument } from './openapi-document';
import { RefResolver } from './ref-resolver';
import { diffSchema, type SchemaSubject } from './schema-diff';
import { diffSecurity, diffSecuritySchemes } from './security-diff';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const q = (v: string) => '`' + v + '`';

/** Both directions, forward first; within each, by path, method, then severity. */
export function diffRelease(base: OpenapiDocument, revision: OpenapiDocument): Finding[] {
  return [...diffDocuments(base, revision, 'forward'), ...diffDocuments(revision, base, 'rollback')];
}

/** What changes from `from` to `to` (direction only labels the findings). */
export function diffDocuments(from: OpenapiDocument, to: OpenapiDocument, direction: Direction): Finding[] {
  const out: Finding[] = [];
  const refs = { from: new RefResolver(from.root), to: new RefResolver(to.root) };
  const emitter = (method: string | undefined, path: string | undefined, operationId: string | undefined) => (id: CheckId, text: string, location: string) => {
    out.push({
      id,
      level: CHECKS[id].level,
      direction,
      ...(method ? { method } : {}),
      ...(path ? { path } : {}),
      ...(operationId ? { operationId } : {}),
      text,
      location,
    });
  };

  const fromPaths = pathIndex(from.root);
  const toPaths = pathIndex(to.root);
  for (const [key, a] of fromPaths) {
    const itemA = refs.from.deref<Obj>(a.item) ?? {};
    const b = toPaths.get(key);
    const itemB = b ? (refs.to.deref<Obj>(b.item) ?? {}) : undefined;
    for (const m of HTTP_METHODS) {
      const opA = refs.from.deref<Obj>(itemA[m]);
      if (!isObj(opA)) continue;
      const opId = typeof opA.operationId === 'string' ? opA.operationId : undefined;
      const emit = emitter(m.toUpperCase(), a.path, opId);
      const loc = `paths.${a.path}.${m}`;
      const opB = itemB ? refs.to.deref<Obj>(itemB[m]) : undefined;
      if (!isObj(opB)) {
        const deprecated = opA.deprecated === true;
        if (deprecated) emit('api-removed-after-deprecation', `removed the deprecated operation${itemB ? '' : ' and its path'}`, loc);
        else if (!itemB) emit('api-path-removed-without-deprecation', 'removed the path', `paths.${a.path}`);
        else emit('api-removed-without-deprecation', 'removed the operation', loc);
        continue;
      }
      diffOperation({ from: opA, itemFrom: itemA, to: opB, itemTo: itemB!, loc, emit, refs, docs: { from, to } });
    }
  }
  for (const [key, b] of toPaths) {
    const itemB = refs.to.deref<Obj>(b.item) ?? {};
    const itemA = fromPaths.has(key) ? (refs.from.deref<Obj>(fromPaths.get(key)!.item) ?? {}) : {};
    for (const m of HTTP_METHODS) {
      const opB = refs.to.deref<Obj>(itemB[m]);
      if (!isObj(opB) || isObj(refs.from.deref(itemA[m]))) continue;
      emitter(m.toUpperCase(), b.path, typeof opB.operationId === 'string' ? opB.operationId : undefined)(
        'endpoint-added',
        'added the operation',
        `paths.${b.path}.${m}`,
      );
    }
  }
  diffSecuritySchemes(from.root, to.root, emitter(undefined, undefined, undefined));
  return sortFindings(out);
}

/** Sorts by path, method, more severe first, then id and text: stable output for people and tests. */
export function sortFindings(list: Finding[]): Finding[] {
  return list.sort(
    (x, y) =>
      (x.path ?? '').localeCompare(y.path ?? '') ||
      (x.method ?? '').localeCompare(y.method ?? '') ||
      LEVEL_RANK[y.level] - LEVEL_RANK[x.level] ||
      x.id.localeCompare(y.id) ||
      x.text.localeCompare(y.text),
  );
}

/** Paths keyed with parameter names blanked (`/pets/{id}` matches `/pets/{petId}`). */
function pathIndex(root: Obj): Map<string, { path: string; item: unknown }> {
  const m = new Map<string, { path: string; item: unknown }>();
  const paths = isObj(root.paths) ? root.paths : {};
  for (const [p, item] of Object.entries(paths)) m.set(p.replace(/\{[^}]*\}/g, '{}'), { path: p, item });
  return m;
}

interface OperationPair {
  from: Obj;
  itemFrom: Obj;
  to: Obj;
  itemTo: Obj;
  loc: string;
  emit: (id: CheckId, text: string, location: string) => void;
  refs: { from: RefResolver; to: RefResolver };
  docs: { from: OpenapiDocument; to: OpenapiDocument };
}

function diffOperation(o: OperationPair): void {
  diffParameters(o);
  diffRequestBody(o);
  diffResponses(o);
  diffSecurity(effectiveSecurity(o.from, o.docs.from.root), effectiveSecurity(o.to, o.docs.to.root), (id, text) => o.emit(id, text, `${o.loc}.security`));
}

function effectiveSecurity(op: Obj, root: Obj): unknown[] {
  if (Array.isArray(op.security)) return op.security;
  return Array.isArray(root.security) ? root.security : [];
}

interface Param {
  in: string;
  name: string;
  required: boolean;
  schema: unknown;
}

/** Path-level parameters overridden by operation-level ones, keyed `in:name` (header names case-insensitive). */
function parameters(item: Obj, op: Obj, refs: RefResolver): Map<string, Param> {
  const m = new Map<string, Param>();
  for (const list of [item.parameters, op.parameters]) {
    if (!Array.isArray(list)) continue;
    for (const raw of list) {
      const p = refs.deref<Obj>(raw);
      if (!isObj(p) || typeof p.name !== 'string' || typeof p.in !== 'string') continue;
      const schema =
        p.schema ??
        (isObj(p.content)
          ? Object.values(p.content)
              .map((c) => refs.deref<Obj>(c))
              .find(isObj)?.schema
          : undefined);
      const name = p.in === 'header' ? p.name.toLowerCase() : p.name;
      m.set(`${p.in}:${name}`, { in: p.in, name: p.name, required: p.required === true || p.in === 'path', schema });
    }
  }
  return m;
}

function diffParameters(o: OperationPair): void {
  const a = parameters(o.itemFrom, o.from, o.refs.from);
  const b = parameters(o.itemTo, o.to, o.refs.to);
  const loc = `${o.loc}.parameters`;
  for (const [k, pa] of a) {
    const pb = b.get(k);
    const what = `the ${q(pa.in)} request parameter ${q(pa.name)}`;
    if (!pb) {
      o.emit('request-parameter-removed', `deleted ${what}`, loc);
      continue;
    }
    if (!pa.required && pb.required) o.emit('request-parameter-became-required', `${what} became required`, loc);
    if (pa.required && !pb.required) o.emit('request-parameter-became-optional', `${what} became optional`, loc);
    schemaDiff(o, pa.schema, pb.schema, 'parameter', `${loc}[${pa.in}:${pa.name}].schema`, `${what}: `);
  }
  for (const [k, pb] of b) {
    if (a.has(k)) continue;
    const what = `the ${q(pb.in)} request parameter ${q(pb.name)}`;
    if (pb.required) o.emit('new-required-request-parameter', `added the required ${what.slice(4)}`, loc);
    else o.emit('new-optional-request-parameter', `added the optional ${what.slice(4)}`, loc);
  }
}

function schemaDiff(o: OperationPair, from: unknown, to: unknown, subject: SchemaSubject, loc: string, prefix: string): void {
  if (from === undefined || to === undefined) return;
  diffSchema(from, to, {
    from: o.refs.from,
    to: o.refs.to,
    subject,
    emit: (id, property, text) => o.emit(id, prefix + text, property ? `${loc}/${property}` : loc),
  });
}

function content(v: unknown, refs: RefResolver): Map<string, unknown> {
  const m = new Map<string, unknown>();
  if (!isObj(v)) return m;
  for (const [mt, media] of Object.entries(v)) {
    const d = refs.deref<Obj>(media);
    m.set(mt.toLowerCase(), isObj(d) ? d.schema : undefined);
  }
  return m;
}

function diffRequestBody(o: OperationPair): void {
  const a = o.refs.from.deref<Obj>(o.from.requestBody);
  const b = o.refs.to.deref<Obj>(o.to.requestBody);
  const loc = `${o.loc}.requestBody`;
  if (!isObj(a) && !isObj(b)) return;
  if (!isObj(b)) return o.emit('request-body-removed', 'removed the request body', loc);
  if (!isObj(a)) {
    if (b.required === true) o.emit('request-body-added-required', 'added a required request body', loc);
    else o.emit('request-body-added-optional', 'added an optional request body', loc);
    return;
  }
  if (a.required !== true && b.required === true) o.emit('request-body-became-required', 'the request body became required', loc);
  if (a.required === true && b.required !== true) o.emit('request-body-became-optional', 'the request body became optional', loc);
  const ca = content(a.content, o.refs.from);
  const cb = content(b.content, o.refs.to);
  for (const [mt, sa] of ca) {
    if (!cb.has(mt)) {
      o.emit('request-body-media-type-removed', `removed the request media type ${q(mt)}`, `${loc}.content`);
      continue;
    }
    schemaDiff(o, sa, cb.get(mt), 'requestBody', `${loc}.content.${mt}.schema`, `media type ${q(mt)}: `);
  }
}

const isSuccess = (status: string) => /^2(\d\d|XX)$/i.test(status);

function diffResponses(o: OperationPair): void {
  const ra = isObj(o.from.responses) ? o.from.responses : {};
  const rb = isObj(o.to.responses) ? o.to.responses : {};
  const loc = `${o.loc}.responses`;
  for (const [status, respA] of Object.entries(ra)) {
    const respB = rb[status];
    if (respB === undefined) {
      if (isSuccess(status)) o.emit('response-success-status-removed', `removed the success response with the status ${q(status)}`, loc);
      else o.emit('response-non-success-status-removed', `removed the non-success response with the status ${q(status)}`, loc);
      continue;
    }
    const a = o.refs.from.deref<Obj>(respA);
    const b = o.refs.to.deref<Obj>(respB);
    if (!isObj(a) || !isObj(b)) continue;
    const ca = content(a.content, o.refs.from);
    const cb = content(b.content, o.refs.to);
    for (const [mt, sa] of ca) {
      if (!cb.has(mt)) {
        if (isSuccess(status))
          o.emit('response-mediatype-removed', `removed the media type ${q(mt)} of the response with the status ${q(status)}`, `${loc}.${status}.content`);
        continue;
      }
      schemaDiff(o, sa, cb.get(mt), 'response', `${loc}.${status}.content.${mt}.schema`, `status ${q(status)}, ${q(mt)}: `);
    }
  }
}
