/**
 * Splits a migration file into statements with PostgreSQL's own parser (libpg-query, WASM): the
 * syntax tree, the 1-based line and column of each statement's first token, and the
 * `-- shipgate:allow RULE reason` comments written just above it.
 */
import { InputError } from '../../core/errors';

/** One top-level SQL statement of a migration file. */
export interface SqlStatement {
  file: string;
  /** 0-based position in the file. */
  index: number;
  /** 1-based line and column of the statement's first token. */
  line: number;
  column: number;
  /** The statement's text, without the surrounding comments and the final semicolon. */
  text: string;
  /** The node type, e.g. `AlterTableStmt`. */
  kind: string;
  /** The node's fields as libpg-query gives them (PostgreSQL 17 syntax tree, JSON). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  node: any;
  /** Rule ids allowed for this statement by `-- shipgate:allow RULE reason` comments above it, with the reasons. */
  allow: Record<string, string>;
}

interface ParserModule {
  loadModule(): Promise<void>;
  parseSync(sql: string): { stmts: { stmt: Record<string, unknown>; stmt_location?: number; stmt_len?: number }[] };
}

let parser: ParserModule | undefined;

/** Loads the WASM parser once per process (about 30 ms). */
export async function loadSqlParser(): Promise<void> {
  if (parser) return;
  const m = (await import('libpg-query')) as unknown as ParserModule & { default?: ParserModule };
  const mod = typeof m.parseSync === 'function' ? m : (m.default as ParserModule);
  await mod.loadModule();
  parser = mod;
}

/** Maps UTF-8 byte offsets (what the parser reports) to 1-based lines and columns in characters. */
class Positions {
  private readonly bytes: Buffer;
  constructor(readonly text: string) {
    this.bytes = Buffer.from(text, 'utf8');
  }
  /** The text between two byte offsets. */
  slice(startByte: number, endByte: number): string {
    return this.bytes.subarray(startByte, endByte).toString('utf8');
  }
  lineColumn(byteOffset: number): { line: number; column: number } {
    return this.lineColumnOfText(this.slice(0, byteOffset));
  }
  /** For error positions, which libpg-query gives as an index into the JavaScript string. */
  lineColumnOfChar(charOffset: number): { line: number; column: number } {
    return this.lineColumnOfText(this.text.slice(0, charOffset));
  }
  private lineColumnOfText(before: string): { line: number; column: number } {
    const lines = before.split('\n');
    return { line: lines.length, column: [...lines[lines.length - 1]].length + 1 };
  }
}

/**
 * Skips whitespace and comments at the start of a statement's source range (the parser's range
 * begins right after the previous semicolon). Returns the characters skipped and the comments.
 */
function leadingTrivia(text: string): { skipped: number; comments: string[] } {
  const comments: string[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f') i++;
    else if (text.startsWith('--', i)) {
      const end = text.indexOf('\n', i);
      const stop = end === -1 ? text.length : end;
      comments.push(text.slice(i + 2, stop).trim());
      i = stop;
    } else if (text.startsWith('/*', i)) {
      // block comments nest in PostgreSQL
      let depth = 0;
      let j = i;
      while (j < text.length) {
        if (text.startsWith('/*', j)) {
          depth++;
          j += 2;
        } else if (text.startsWith('*/', j)) {
          depth--;
          j += 2;
          if (depth === 0) break;
        } else j++;
      }
      comments.push(text.slice(i + 2, j - 2).trim());
      i = j;
    } else break;
  }
  return { skipped: i, comments };
}

const ALLOW = 'shipgate:allow';

function allowances(comments: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const c of comments) {
    if (!c.startsWith(ALLOW)) continue;
    const rest = c.slice(ALLOW.length).trim();
    const space = rest.search(/\s/);
    const rule = (space === -1 ? rest : rest.slice(0, space)).replace(/:$/, '');
    if (rule) out[rule] = space === -1 ? '' : rest.slice(space).trim();
  }
  return out;
}

/**
 * Parses one migration file. A syntax error is an InputError naming the file, line and column.
 * Call loadSqlParser() first.
 */
export function parseMigration(text: string, file: string): SqlStatement[] {
  if (!parser) throw new Error('parseMigration: call loadSqlParser() first');
  const pos = new Positions(text);
  let tree: ReturnType<ParserModule['parseSync']>;
  try {
    tree = parser.parseSync(text);
  } catch (e) {
    const details = (e as { sqlDetails?: { message: string; cursorPosition: number } }).sqlDetails;
    // statement locations are UTF-8 byte offsets, but the error position is a string index
    const at = details && details.cursorPosition >= 0 ? pos.lineColumnOfChar(details.cursorPosition) : { line: 1, column: 1 };
    const message = details?.message ?? (e as Error).message;
    throw new InputError(`${file}:${at.line}:${at.column}: ${message}`, [{ path: 'sql', message, file, line: at.line, column: at.column }]);
  }
  const total = Buffer.byteLength(text, 'utf8');
  return (tree.stmts ?? []).map((s, index) => {
    const start = s.stmt_location ?? 0;
    const end = s.stmt_len ? start + s.stmt_len : total;
    const raw = pos.slice(start, end);
    const trivia = leadingTrivia(raw);
    const firstByte = start + Buffer.byteLength(raw.slice(0, trivia.skipped), 'utf8');
    const { line, column } = pos.lineColumn(firstByte);
    const kind = Object.keys(s.stmt)[0];
    return { file, index, line, column, text: raw.slice(trivia.skipped).trim(), kind, node: s.stmt[kind], allow: allowances(trivia.comments) };
  });
}
