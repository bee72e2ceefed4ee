/**
 * Argo-style conditions such as `result < 0.01`, `result <= baseline * 1.2 || isNaN(result)`:
 * numbers, the variables given, + − * /, comparisons, && || !, parentheses and the functions
 * isNaN, abs, min, max. Parsed into a closure once, never evaluated with eval. Pure, no I/O.
 */

export type Condition = (vars: Record<string, number>) => boolean;

type Value = number | boolean;
type Node = (vars: Record<string, number>) => Value;

/** A parse problem with its 1-based column. */
export class ConditionSyntaxError extends Error {
  constructor(
    message: string,
    readonly column: number,
  ) {
    super(`${message} at column ${column}`);
  }
}

const FUNCS: Record<string, (...a: number[]) => Value> = {
  isNaN: (x) => Number.isNaN(x),
  abs: (x) => Math.abs(x),
  min: (...a) => Math.min(...a),
  max: (...a) => Math.max(...a),
};

interface Tok {
  kind: 'num' | 'id' | 'op' | 'end';
  text: string;
  pos: number;
}

function tokenize(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const ch = src[i];
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    const num = /^(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?/.exec(src.slice(i));
    if (num) {
      out.push({ kind: 'num', text: num[0], pos: i });
      i += num[0].length;
      continue;
    }
    const id = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i));
    if (id) {
      out.push({ kind: 'id', text: id[0], pos: i });
      i += id[0].length;
      continue;
    }
    const op = /^(&&|\|\||<=|>=|==|!=|[<>!+\-*/(),])/.exec(src.slice(i));
    if (op) {
      out.push({ kind: 'op', text: op[0], pos: i });
      i += op[0].length;
      continue;
    }
    throw new ConditionSyntaxError(`unexpected "${ch}"`, i + 1);
  }
  out.push({ kind: 'end', text: '', pos: src.length });
  return out;
}

const num = (v: Value): number => (typeof v === 'boolean' ? (v ? 1 : 0) : v);
const bool = (v: Value): boolean => (typeof v === 'boolean' ? v : v !== 0 && !Number.isNaN(v));

/** Compiles a condition over the variables named in `variables`. Throws ConditionSyntaxError. */
export function compileCondition(src: string, variables: readonly string[]): Condition {
  const toks = tokenize(src);
  let p = 0;
  const peek = () => toks[p];
  const eat = (text?: string): Tok => {
    const t = toks[p];
    if (text !== undefined && t.text !== text)
      throw new ConditionSyntaxError(`expected "${text}"${t.kind === 'end' ? ' before the end' : ` but found "${t.text}"`}`, t.pos + 1);
    p++;
    return t;
  };
  const binary = (next: () => Node, ops: string[], apply: (op: string, a: Value, b: Value) => Value) => (): Node => {
    let left = next();
    while (ops.includes(peek().text) && peek().kind === 'op') {
      const op = eat().text;
      const l = left;
      const r = next();
      left = (v) => apply(op, l(v), r(v));
    }
    return left;
  };
  const primary = (): Node => {
    const t = peek();
    if (t.kind === 'num') {
      eat();
      const n = Number(t.text);
      return () => n;
    }
    if (t.text === '(') {
      eat('(');
      const e = or();
      eat(')');
      return e;
    }
    if (t.text === '!') {
      eat();
      const e = primary();
      return (v) => !bool(e(v));
    }
    if (t.text === '-') {
      eat();
      const e = primary();
      return (v) => -num(e(v));
    }
    if (t.kind === 'id') {
      eat();
      if (peek().text === '(') {
        const f = FUNCS[t.text];
        if (!f) throw new ConditionSyntaxError(`unknown function "${t.text}" (known: ${Object.keys(FUNCS).join(', ')})`, t.pos + 1);
        eat('(');
        const args: Node[] = [];
        if (peek().text !== ')') {
          args.push(or());
          while (peek().text === ',') {
            eat(',');
            args.push(or());
          }
        }
        eat(')');
        return (v) => f(...args.map((a) => num(a(v))));
      }
      if (t.text === 'true' || t.text === 'false') {
        const b = t.text === 'true';
        return () => b;
      }
      if (!variables.includes(t.text)) throw new ConditionSyntaxError(`unknown variable "${t.text}" (known: ${variables.join(', ')})`, t.pos + 1);
      return (v) => v[t.text];
    }
    throw new ConditionSyntaxError(t.kind === 'end' ? 'unexpected end of condition' : `unexpected "${t.text}"`, t.pos + 1);
  };
  const mul = binary(primary, ['*', '/'], (op, a, b) => (op === '*' ? num(a) * num(b) : num(a) / num(b)));
  const add = binary(mul, ['+', '-'], (op, a, b) => (op === '+' ? num(a) + num(b) : num(a) - num(b)));
  const cmp = binary(add, ['<', '<=', '>', '>=', '==', '!='], (op, a, b) => {
    const x = num(a),
      y = num(b);
    switch (op) {
      case '<':
        return x < y;
      case '<=':
        return x <= y;
      case '>':
        return x > y;
      case '>=':
        return x >= y;
      case '==':
        return x === y;
      default:
        return x !== y;
    }
  });
  const and = binary(cmp, ['&&'], (_op, a, b) => bool(a) && bool(b));
  const or: () => Node = binary(and, ['||'], (_op, a, b) => bool(a) || bool(b));
  const tree = or();
  if (peek().kind !== 'end') throw new ConditionSyntaxError(`unexpected "${peek().text}"`, peek().pos + 1);
  return (vars) => bool(tree(vars));
}
