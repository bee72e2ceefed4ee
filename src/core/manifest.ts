import jsYaml from 'js-yaml';
import { LineCounter, parseAllDocuments, isNode, type Document } from 'yaml';
import { InputError, type Issue } from './errors';

/** The shape every Shipgate resource has, Kubernetes-style. */
export interface Manifest<S = unknown> {
  apiVersion: string;
  kind: string;
  metadata: Metadata;
  spec: S;
}

export interface Metadata {
  name: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  /** OpenSLO puts these in metadata; kept as-is. */
  displayName?: string;
  [extra: string]: unknown;
}

export type PathSegment = string | number;

/** One document read from a file, able to say where any field path sits in the source. */
export interface SourceDocument {
  /** The parsed value (plain JSON data). */
  value: unknown;
  file: string;
  /** 0-based index of the document within a multi-document file. */
  index: number;
  /** 1-based line and column of the node at `path`, or of its nearest existing ancestor. */
  locate(path: PathSegment[]): { line: number; column: number };
}

/**
 * Parses YAML (multi-document) or JSON text into documents that remember source positions.
 * Syntax errors throw an InputError naming file, line and column. Empty documents are skipped.
 *
 * Speed: values come from a fast parser (JSON.parse, js-yaml); the position-keeping parser runs
 * only when a position is asked for (an error to report) or the fast parser refuses the text.
 */
export function parseDocuments(text: string, file: string, limits: ReadLimits = {}): SourceDocument[] {
  const fast = fastParse(text);
  if (!fast) return parseWithPositions(text, file, limits);
  let positioned: SourceDocument[] | undefined;
  const out: SourceDocument[] = [];
  const budget = { nodes: 0, max: limits.maxNodes ?? MAX_NODES };
  fast.forEach((value, index) => {
    if (value === null || value === undefined) return;
    // js-yaml shares aliased nodes instead of copying them, so the parse itself is cheap; every
    // later walk (validation, hashing, JSON) would expand them, so the expanded size is bounded here.
    checkBounds(value, file, index, budget);
    out.push({
      value,
      file,
      index,
      locate(path) {
        positioned ??= parseWithPositions(text, file, limits);
        const doc = positioned.find((d) => d.index === index) ?? positioned[0];
        return doc ? doc.locate(path) : { line: 1, column: 1 };
      },
    });
  });
  return out;
}

/**
 * The value of a single-document YAML or JSON text, with the bounds of parseDocuments (aliases,
 * depth, size, NUL): for parse paths that want plain data (Sloth specs, analysis templates).
 * Empty text is null; several documents are refused.
 */
export function parseYamlValue(text: string, file: string, limits: ReadLimits = {}): unknown {
  const docs = parseDocuments(text, file, limits);
  if (docs.length > 1) {
    throw new InputError(`${file}: ${docs.length} documents where one is expected`, [
      { file, line: docs[1].locate([]).line, path: '', message: 'one YAML document only; remove the extra ---' },
    ]);
  }
  return docs[0]?.value ?? null;
}

/** Values of every document, or undefined when the fast parsers refuse the text. */
function fastParse(text: string): unknown[] | undefined {
  const head = text.trimStart()[0];
  if (head === '{') {
    try {
      return [JSON.parse(text)];
    } catch {
      /* not plain JSON: fall through to YAML */
    }
  }
  try {
    // CORE_SCHEMA: YAML 1.2 core types, as the position-keeping parser reads them (no timestamps).
    return jsYaml.loadAll(text, undefined, { schema: jsYaml.CORE_SCHEMA });
  } catch {
    return undefined;
  }
}

function parseWithPositions(text: string, file: string, limits: ReadLimits): SourceDocument[] {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const list: Document[] = Array.isArray(docs) ? docs : [docs as unknown as Document];
  const issues: Issue[] = [];
  for (const d of list) {
    for (const err of d.errors) {
      const pos = lineCounter.linePos(err.pos[0]);
      issues.push({ file, line: pos.line, column: pos.col, path: '', message: err.message.split('\n')[0] });
    }
  }
  if (issues.length) throw new InputError(`${file}: not valid YAML or JSON`, issues);

  if (list.length > MAX_DOCUMENTS) {
    throw new InputError(`${file}: more than ${MAX_DOCUMENTS} documents`, [
      { file, line: 1, column: 1, path: '', message: `at most ${MAX_DOCUMENTS} documents in one file; split it` },
    ]);
  }
  const out: SourceDocument[] = [];
  const budget = { nodes: 0, max: limits.maxNodes ?? MAX_NODES };
  list.forEach((doc, index) => {
    if (doc.contents === null) return;
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (err) {
      // The yaml library refuses alias expansion past maxAliasCount with a ReferenceError.
      const pos = lineCounter.linePos(doc.range?.[0] ?? 0);
      throw new InputError(`${file}: document ${index + 1} expands too far`, [
        { file, line: pos.line, column: pos.col, path: '', message: `${(err as Error).message}; write the values out instead of repeating aliases` },
      ]);
    }
    if (value === null || value === undefined) return;
    checkBounds(value, file, index, budget);
    out.push({
      value,
      file,
      index,
      locate(path) {
        for (let n = path.length; n >= 0; n--) {
          const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
          if (isNode(node) && node.range) {
            const pos = lineCounter.linePos(node.range[0]);
            return { line: pos.line, column: pos.col };
          }
        }
        return { line: 1, column: 1 };
      },
    });
  });
  return out;
}

/** Aliases one document may expand (the yaml library's own default). */
const MAX_ALIAS_COUNT = 100;
/** Nesting depth of any value: every manifest Shipgate reads is far shallower. */
export const MAX_DEPTH = 64;
/** Values (scalars, maps, sequences) in one file, aliases counted each time they are used. */
export const MAX_NODES = 200_000;

/**
 * A reader of documents larger than manifests may raise the value bound: an OpenAPI document of
 * several megabytes holds a million values. Depth, aliases and NUL stay refused.
 */
export interface ReadLimits {
  maxNodes?: number;
}
const MAX_DOCUMENTS = 10_000;

/**
 * Refuses a value nested deeper than MAX_DEPTH or with more than MAX_NODES values in the file,
 * counting a shared (aliased) value at every place it appears: this is what a later walk costs.
 */
function checkBounds(value: unknown, file: string, index: number, budget: { nodes: number; max: number }): void {
  const fail = (message: string): never => {
    throw new InputError(`${file}: document ${index + 1} is too large`, [{ file, line: 1, column: 1, path: '', message }]);
  };
  const stack: Array<{ v: unknown; depth: number }> = [{ v: value, depth: 0 }];
  while (stack.length) {
    const { v, depth } = stack.pop()!;
    if (++budget.nodes > budget.max) fail(`more than ${budget.max} values (aliases count each time they are used); split the file`);
    if (typeof v === 'string' && v.includes('\u0000')) fail('a string holds a NUL character (\\0), which no store keeps');
    if (v === null || typeof v !== 'object') continue;
    if (depth >= MAX_DEPTH) fail(`nested deeper than ${MAX_DEPTH} levels`);
    if (!Array.isArray(v) && Object.keys(v).some((k) => k.includes('\u0000'))) fail('a key holds a NUL character (\\0), which no store keeps');
    const children = Array.isArray(v) ? v : Object.values(v as Record<string, unknown>);
    for (const c of children) stack.push({ v: c, depth: depth + 1 });
  }
}

/** Renders a path as `spec.dependencies[2].kind`. */
export function formatPath(path: readonly PathSegment[]): string {
  let s = '';
  for (const p of path) {
    if (typeof p === 'number') s += `[${p}]`;
    else s += s ? `.${p}` : p;
  }
  return s;
}

/**
 * Splits documents whose top level is a sequence (as OpenSLO's go-sdk writes several objects) into
 * one document per item, keeping source positions.
 */
export function expandSequences(docs: SourceDocument[]): SourceDocument[] {
  const out: SourceDocument[] = [];
  for (const d of docs) {
    if (!Array.isArray(d.value)) {
      out.push(d);
      continue;
    }
    d.value.forEach((item, i) => {
      out.push({ value: item, file: d.file, index: d.index, locate: (path) => d.locate([i, ...path]) });
    });
  }
  return out;
}
