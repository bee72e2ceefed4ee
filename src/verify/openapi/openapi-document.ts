/**
 * Reads one OpenAPI 3.0/3.1 document (YAML or JSON) through the bounded reader, checks the fields
 * the diff relies on, and checks every `$ref` resolves inside the document. Errors are InputErrors
 * naming the file, the field path and its line.
 */
import { InputError, type Issue } from '../../core/errors';
import { formatPath, parseDocuments, parseYamlValue, type PathSegment } from '../../core/manifest';
import { RefResolver } from './ref-resolver';

/** An OpenAPI document as plain data, with where it came from. */
export interface OpenapiDocument {
  file: string;
  /** The `openapi` field, e.g. "3.0.1". */
  version: string;
  root: Record<string, unknown>;
}

export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
const PARAM_IN = ['query', 'header', 'path', 'cookie'];

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Values one OpenAPI document may hold (aliases counted at each use): public API descriptions of
 * 5-10 MB (a cloud provider's, a payment API's) hold up to about a million.
 */
export const OPENAPI_MAX_VALUES = 2_000_000;

/** Parses and checks an OpenAPI document; throws an InputError naming file, field and line. */
export function readOpenapi(text: string, file: string): OpenapiDocument {
  const value = parseYamlValue(text, file, { maxNodes: OPENAPI_MAX_VALUES });
  const problems: { path: PathSegment[]; message: string }[] = [];
  const bad = (path: PathSegment[], message: string) => problems.push({ path, message });
  if (!isObj(value)) {
    bad([], 'expected an OpenAPI document (a mapping with openapi, info and paths)');
  } else {
    checkDocument(value, bad);
  }
  if (problems.length) {
    let locate: ((p: PathSegment[]) => { line: number; column: number }) | undefined;
    const issues: Issue[] = problems.slice(0, 20).map((p) => {
      locate ??= parseDocuments(text, file, { maxNodes: OPENAPI_MAX_VALUES })[0]?.locate ?? (() => ({ line: 1, column: 1 }));
      return { file, ...locate(p.path), path: formatPath(p.path), message: p.message };
    });
    const first = issues[0];
    throw new InputError(`${file}: not a valid OpenAPI 3.0/3.1 document: ${first.path || '(root)'} (line ${first.line}): ${first.message}`, issues);
  }
  const root = value as Obj;
  return { file, version: String(root.openapi), root };
}

function checkDocument(doc: Obj, bad: (path: PathSegment[], message: string) => void): void {
  if (typeof doc.openapi !== 'string') {
    bad(
      ['openapi'],
      doc.swagger !== undefined ? 'Swagger 2.0 is not supported; convert it to OpenAPI 3 first' : 'required: the OpenAPI version, e.g. "3.0.3" or "3.1.0"',
    );
    return;
  }
  if (!/^3\.[01]\.\d+$/.test(doc.openapi)) bad(['openapi'], `unsupported version "${doc.openapi}"; expected 3.0.x or 3.1.x`);
  if (doc.paths !== undefined && !isObj(doc.paths)) bad(['paths'], 'expected a mapping of paths to path items');
  const paths = isObj(doc.paths) ? doc.paths : {};
  for (const [p, item] of Object.entries(paths)) {
    if (!p.startsWith('/')) bad(['paths', p], 'a path must start with "/"');
    if (!isObj(item)) {
      bad(['paths', p], 'expected a path item (a mapping of operations)');
      continue;
    }
    checkParameters(item.parameters, ['paths', p, 'parameters'], bad);
    for (const m of HTTP_METHODS) {
      const op = item[m];
      if (op === undefined) continue;
      const at: PathSegment[] = ['paths', p, m];
      if (!isObj(op)) {
        bad(at, 'expected an operation (a mapping)');
        continue;
      }
      checkParameters(op.parameters, [...at, 'parameters'], bad);
      if (op.responses !== undefined && !isObj(op.responses)) bad([...at, 'responses'], 'expected a mapping of status codes to responses');
      if (op.requestBody !== undefined && !isObj(op.requestBody)) bad([...at, 'requestBody'], 'expected a request body (a mapping)');
      if (op.security !== undefined && !Array.isArray(op.security)) bad([...at, 'security'], 'expected a list of security requirements');
    }
  }
  if (doc.security !== undefined && !Array.isArray(doc.security)) bad(['security'], 'expected a list of security requirements');
  if (doc.components !== undefined && !isObj(doc.components)) bad(['components'], 'expected a mapping');
  checkRefs(doc, bad);
}

function checkParameters(list: unknown, at: PathSegment[], bad: (path: PathSegment[], message: string) => void): void {
  if (list === undefined) return;
  if (!Array.isArray(list)) return bad(at, 'expected a list of parameters');
  list.forEach((p, i) => {
    if (!isObj(p)) return bad([...at, i], 'expected a parameter (a mapping)');
    if (typeof p.$ref === 'string') return;
    if (typeof p.name !== 'string' || p.name === '') bad([...at, i, 'name'], 'required: the parameter name');
    if (typeof p.in !== 'string' || !PARAM_IN.includes(p.in)) bad([...at, i, 'in'], `expected one of ${PARAM_IN.join(', ')}`);
  });
}

/** Every `$ref` must be local (`#/…`) and point at something; an external one is refused, not silently skipped. */
function checkRefs(doc: Obj, bad: (path: PathSegment[], message: string) => void): void {
  const refs = new RefResolver(doc);
  const stack: { v: unknown; path: PathSegment[] }[] = [{ v: doc, path: [] }];
  let reported = 0;
  while (stack.length && reported < 20) {
    const { v, path } = stack.pop()!;
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) if (typeof v[i] === 'object' && v[i] !== null) stack.push({ v: v[i], path: [...path, i] });
      continue;
    }
    if (!isObj(v)) continue;
    const ref = v.$ref;
    // `$ref` as a property name inside `properties` is a schema, not a reference.
    if (ref !== undefined && path[path.length - 1] !== 'properties') {
      if (typeof ref !== 'string') {
        bad([...path, '$ref'], 'expected a string');
        reported++;
      } else if (!ref.startsWith('#')) {
        bad([...path, '$ref'], `external reference "${ref}" is not followed; bundle the document first (only "#/…" references)`);
        reported++;
      } else if (refs.target(ref) === undefined) {
        bad([...path, '$ref'], `"${ref}" points at nothing in this document`);
        reported++;
      } else if (isObj(refs.target(ref)) && typeof (refs.target(ref) as Obj).$ref === 'string' && refs.deref(v) === undefined) {
        bad([...path, '$ref'], `"${ref}" is a loop of references that never reaches a value`);
        reported++;
      }
    }
    for (const [k, c] of Object.entries(v)) if (typeof c === 'object' && c !== null) stack.push({ v: c, path: [...path, k] });
  }
}
