/**
 * Reading and writing OpenSLO files: go-sdk writes several objects as one top-level YAML
 * sequence; export writes YAML the way go-sdk's encoder does (keys sorted, sequences not
 * indented), so inlined output compares byte for byte.
 */
import { Document, Scalar, isScalar, visit } from 'yaml';
import { expandSequences, parseDocuments, type SourceDocument } from '../../core/manifest';

export { expandSequences };

/** Parses an OpenSLO file (documents and/or top-level sequences) into one document per object. */
export function parseOpenSloFile(text: string, file: string): SourceDocument[] {
  return expandSequences(parseDocuments(text, file));
}

const YAML11_TIMESTAMP = /^\d{4}-\d{2}-\d{2}([Tt ]\d{1,2}:\d{2}(:\d{2}(\.\d*)?)?)?/;

/**
 * YAML text for OpenSLO objects: a top-level sequence for several, keys sorted, sequences at
 * their parent's indentation, multi-line strings as literal blocks, and date-like strings quoted
 * (YAML 1.1 readers would take them for timestamps).
 */
export function toOpenSloYaml(objects: unknown[] | unknown): string {
  const doc = new Document(objects, { sortMapEntries: true });
  visit(doc, {
    Scalar(_key, node) {
      if (typeof node.value !== 'string') return;
      if (node.value.includes('\n')) node.type = Scalar.BLOCK_LITERAL;
      else if (YAML11_TIMESTAMP.test(node.value)) node.type = Scalar.QUOTE_DOUBLE;
    },
  });
  void isScalar;
  return doc.toString({ indentSeq: false, lineWidth: 0 });
}
