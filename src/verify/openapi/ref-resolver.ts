/**
 * Local `$ref` resolution (`#/components/schemas/Pet`), lazily: a node is followed only when the
 * diff reaches it, so a recursive schema costs nothing until walked, and the walk itself stops on
 * pairs it has seen (schema-diff.ts). Pure.
 */

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The value a local JSON pointer (`#/a/b~1c`) names in `root`, or undefined. */
export function refTarget(root: unknown, ref: string): unknown {
  if (ref === '#') return root;
  if (!ref.startsWith('#/')) return undefined;
  let v: unknown = root;
  for (const raw of ref.slice(2).split('/')) {
    const key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(v)) {
      const i = Number(key);
      if (!Number.isInteger(i)) return undefined;
      v = v[i];
    } else if (isObj(v)) {
      if (!Object.prototype.hasOwnProperty.call(v, key)) return undefined;
      v = v[key];
    } else return undefined;
  }
  return v;
}

/** Follows `$ref` chains from a node to a non-reference value; a chain that loops ends in undefined. */
export class RefResolver {
  /** Targets by reference text: a component is named by many `$ref`s. */
  private readonly targets = new Map<string, unknown>();

  constructor(readonly root: unknown) {}

  /** What `ref` points at, cached. */
  target(ref: string): unknown {
    if (this.targets.has(ref)) return this.targets.get(ref);
    const t = refTarget(this.root, ref);
    this.targets.set(ref, t);
    return t;
  }

  /** The node itself, or what its `$ref` (chain) points at; undefined for a dangling or looping chain. */
  deref<T = Obj>(node: unknown): T | undefined {
    let v = node;
    let hops = 0;
    while (isObj(v) && typeof v.$ref === 'string') {
      // A chain longer than this is a loop (`A → B → A`): no real document nests references so deep.
      if (++hops > 64) return undefined;
      v = this.target(v.$ref);
    }
    return v as T | undefined;
  }
}
