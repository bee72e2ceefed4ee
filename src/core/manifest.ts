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
export function parseDocuments(text: string, file: string): SourceDocument[] {
  const fast = fastParse(text);
  if (!fast) return parseWithPositions(text, file);
  let positioned: SourceDocument[] | undefined;
  const out: SourceDocument[] = [];
  fast.forEach((value, index) => {
    if (value === null || value === undefined) return;
    out.push({
      value,
      file,
      index,
      locate(path) {
        positioned ??= parseWithPositions(text, file);
        const doc = positioned.find((d) => d.index === index) ?? positioned[0];
        return doc ? doc.locate(path) : { line: 1, column: 1 };
      },
    });
  });
  return out;
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

function parseWithPositions(text: string, file: string): SourceDocument[] {
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

  const out: SourceDocument[] = [];
  list.forEach((doc, index) => {
    if (doc.contents === null) return;
    const value = doc.toJS({ maxAliasCount: 100 });
    if (value === null || value === undefined) return;
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
