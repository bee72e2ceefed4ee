/**
 * The JSONPath subset a synthetic assertion or extraction reads: `$`, `.name`, `['name']` and
 * `[index]` (negative from the end), e.g. `$.items[0].id`. Pure. Written here rather than taken
 * from a JSONPath library: filters and script expressions are what those libraries add, and what a
 * check written by a deployer and run on the server must not have (jsonpath-plus evaluated
 * scripts until 2024); a definite path is all an assertion needs.
 */

export type PathPart = string | number;

/** Parses a path; throws an Error saying what is wrong at which character. */
export function parseJsonPath(path: string): PathPart[] {
  if (!path.startsWith('$')) throw new Error(`JSON path "${path}" must start with $`);
  const parts: PathPart[] = [];
  let i = 1;
  while (i < path.length) {
    const c = path[i];
    if (c === '.') {
      const m = /^[A-Za-z_$][A-Za-z0-9_$-]*/.exec(path.slice(i + 1));
      if (!m) throw new Error(`JSON path "${path}": expected a name after "." at character ${i + 2}`);
      parts.push(m[0]);
      i += 1 + m[0].length;
    } else if (c === '[') {
      const rest = path.slice(i);
      const idx = /^\[(-?\d{1,9})\]/.exec(rest);
      const quoted = /^\[(['"])((?:\\.|(?!\1).)*)\1\]/.exec(rest);
      if (idx) {
        parts.push(Number(idx[1]));
        i += idx[0].length;
      } else if (quoted) {
        parts.push(quoted[2].replace(/\\(.)/g, '$1'));
        i += quoted[0].length;
      } else throw new Error(`JSON path "${path}": expected [index] or ['name'] at character ${i + 1} (filters and wildcards are not supported)`);
    } else throw new Error(`JSON path "${path}": unexpected "${c}" at character ${i + 1}`);
  }
  return parts;
}

/** The value at `path` in `doc`, or `{found: false}`. */
export function readJsonPath(doc: unknown, path: string): { found: true; value: unknown } | { found: false } {
  let v: unknown = doc;
  for (const p of parseJsonPath(path)) {
    if (typeof p === 'number') {
      if (!Array.isArray(v)) return { found: false };
      const k = p < 0 ? v.length + p : p;
      if (k < 0 || k >= v.length) return { found: false };
      v = v[k];
    } else {
      if (v === null || typeof v !== 'object' || Array.isArray(v) || !Object.hasOwn(v, p)) return { found: false };
      v = (v as Record<string, unknown>)[p];
    }
  }
  return { found: true, value: v };
}
