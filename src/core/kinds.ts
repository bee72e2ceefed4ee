import { z } from 'zod';
import { formatPath, type Manifest, type PathSegment, type SourceDocument } from './manifest';
import { InputError, type Issue } from './errors';
import type { Principal, Role } from '../auth/roles';
import type { GateAction, GateSubject as Subject } from './hooks';

/** A gated change one manifest makes. */
export type GateSubject = Subject & { action: GateAction };
import type { EgressPurpose } from '../egress/egress-rules';

export const SHIPGATE_API_VERSION = 'shipgate.dev/v1';

/** A column of the human table `shipgate get KIND` prints. */
export interface Column<S> {
  header: string;
  value: (m: Manifest<S>) => string | number | undefined;
}

/** What later checks (cross-references) can read: the batch being applied and the stored resources. */
export interface ValidateContext {
  /** Finds a resource by kind (name in the registry) and name, in the batch first, then in the store. */
  find(kind: string, name: string): Promise<Manifest | undefined>;
  /**
   * Who is applying; undefined for `diff` and offline checks. For kinds where some fields need
   * more than `writeRoles` (a Rollout's process command needs an admin).
   */
  actor?: Principal;
  /** The stored version of a resource, ignoring the batch: what this apply would change. */
  stored?(kind: string, name: string): Promise<Manifest | undefined>;
}

/** One outbound URL in a manifest: the field it is in (`['spec','routes',0,'backends',1,'instances',0]`) and why it is called. */
export interface EgressUrl {
  at: PathSegment[];
  url: string;
  purpose: EgressPurpose;
}

/**
 * One kind of resource. Capabilities register theirs; `apply`, `get`, `delete` and `diff` work on
 * every registered kind without further code.
 */
export interface KindDefinition<S = any> {
  apiVersion: string;
  kind: string;
  /** Names the CLI accepts, lowercase: singular first, then plural and short forms. */
  names: string[];
  /** Schema of `spec` (for Shipgate kinds). Unknown fields should be refused (strict objects). */
  spec: z.ZodType<S>;
  /** Roles allowed to apply or delete this kind; admin always may. Default: deployer. */
  writeRoles?: Role[];
  columns?: Column<S>[];
  /** Checks beyond the schema, e.g. references to other resources. Paths are relative to the document. */
  validate?: (m: Manifest<S>, ctx: ValidateContext) => Issue[] | Promise<Issue[]>;
  /**
   * URLs in the manifest the server will connect to, with their field path and purpose: the apply
   * path checks each against the egress policy and refuses the batch (403 EGRESS_DENIED) on any.
   */
  egressUrls?: (m: Manifest<S>) => EgressUrl[];
  /**
   * Fields that hold secrets (a webhook URL with its token, connection details): dotted paths
   * (`spec.connectionDetails`) or segment lists (`['metadata','annotations','shipgate.dev/url']`),
   * `*` matching every array item or map entry and `**` any depth. Non-admin reads (get, list, diff, exports, the
   * console) and every audit before/after show `{redacted: "sha256:<12 hex>"}` instead
   * (src/resources/secrets.ts); the server itself reads the real values.
   */
  secretPaths?: (string | readonly PathSegment[])[];
  /** For non-Shipgate formats (OpenSLO): a schema of the whole document, replacing the default envelope. */
  document?: z.ZodType<Manifest<S>>;
  /** Short text for `shipgate help kinds`. */
  description?: string;
  /**
   * When applying this kind changes what users get (a route's weights, a flag on in production):
   * what the one authorisation path must check, per service and environment. Applying asks it
   * first and refuses the whole batch on any refusal; deleting asks with `next` undefined.
   */
  gate?: (next: Manifest<S> | undefined, prev: Manifest<S> | undefined, ctx: GateContext) => GateSubject[] | Promise<GateSubject[]>;
}

/** What a kind's `gate` can read: stored resources of other kinds. */
export interface GateContext {
  list(kind: string): Promise<Manifest[]>;
}

const nameRe = /^[a-z0-9]([-a-z0-9._]{0,251}[a-z0-9])?$/;
export const resourceName = z.string().regex(nameRe, 'expected a lowercase name of letters, digits, "-", "." or "_" (at most 253 characters)');

export const metadataSchema = z.looseObject({
  name: resourceName,
  labels: z.record(z.string(), z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
});

/** Builds the full-document schema for a Shipgate kind from its spec schema. */
export function envelope<S>(def: KindDefinition<S>): z.ZodType<Manifest<S>> {
  return z.strictObject({
    apiVersion: z.literal(def.apiVersion),
    kind: z.literal(def.kind),
    metadata: metadataSchema,
    spec: def.spec,
  }) as unknown as z.ZodType<Manifest<S>>;
}

/** The one registry of kinds; capabilities add theirs at start-up. */
export class KindRegistry {
  private readonly byKey = new Map<string, KindDefinition>();
  private readonly byName = new Map<string, KindDefinition>();
  /** Document schemas built once per kind (building one costs far more than using it). */
  private readonly schemas = new Map<KindDefinition, z.ZodType>();

  register(def: KindDefinition): void {
    const key = kindKey(def.apiVersion, def.kind);
    if (this.byKey.has(key)) throw new Error(`kind ${key} registered twice`);
    this.byKey.set(key, def);
    for (const n of def.names) {
      if (this.byName.has(n) && this.byName.get(n) !== def) throw new Error(`kind name "${n}" registered twice`);
      this.byName.set(n, def);
    }
    // The kind itself, lowercased, is a name too unless another kind already claims it
    // (OpenSLO's Service and Shipgate's Service: `service` stays Shipgate's).
    if (!this.byName.has(def.kind.toLowerCase())) this.byName.set(def.kind.toLowerCase(), def);
  }

  /** Finds a kind by a CLI name (`service`, `svc`, `slo`…), case-insensitive. */
  lookup(name: string): KindDefinition {
    const def = this.byName.get(name.toLowerCase());
    if (!def) {
      throw new InputError(
        `unknown kind "${name}"; known kinds: ${this.list()
          .map((d) => d.names[0])
          .join(', ')}`,
      );
    }
    return def;
  }

  resolve(apiVersion: string, kind: string): KindDefinition | undefined {
    return this.byKey.get(kindKey(apiVersion, kind));
  }

  list(): KindDefinition[] {
    return [...this.byKey.values()];
  }

  /**
   * Validates one parsed document: envelope, kind, schema. Returns the typed manifest or the issues,
   * each located in the source file.
   */
  check(doc: SourceDocument): { manifest?: Manifest; def?: KindDefinition; issues: Issue[] } {
    const at = (path: PathSegment[], message: string): Issue => ({
      file: doc.file,
      ...doc.locate(path),
      path: formatPath(path),
      message,
    });
    const v = doc.value as Record<string, unknown>;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) {
      return { issues: [at([], 'expected a mapping with apiVersion, kind, metadata and spec')] };
    }
    if (typeof v.apiVersion !== 'string') return { issues: [at(['apiVersion'], 'required, e.g. "shipgate.dev/v1"')] };
    if (typeof v.kind !== 'string') return { issues: [at(['kind'], 'required, e.g. "Service"')] };
    const def = this.resolve(v.apiVersion, v.kind);
    if (!def) {
      const known = this.list()
        .map((d) => `${d.apiVersion} ${d.kind}`)
        .join(', ');
      return { issues: [at(['kind'], `unknown kind "${v.kind}" for apiVersion "${v.apiVersion}"; known: ${known}`)] };
    }
    let schema = this.schemas.get(def);
    if (!schema) this.schemas.set(def, (schema = def.document ?? envelope(def)));
    const r = schema.safeParse(v);
    if (!r.success) return { def, issues: zodIssues(r.error, at, v) };
    return { def, manifest: r.data as Manifest, issues: [] };
  }
}

export function kindKey(apiVersion: string, kind: string): string {
  return `${apiVersion}/${kind}`;
}

/** Turns zod issues into located, human-worded issues. */
export function zodIssues(err: z.ZodError, at: (path: PathSegment[], message: string) => Issue, input?: unknown): Issue[] {
  return err.issues
    .flatMap((i) => bestBranch(i, []))
    .map((i) => {
      const path = i.path.filter((p): p is string | number => typeof p !== 'symbol');
      return at(path, describeZodIssue(i, valueAt(input, path)));
    });
}

/**
 * A union none of whose options matched says only "Invalid input" at the union. When one option
 * got further into the value than every other (its issues lie deeper: `{loadTest: {thresholds}}`
 * matched the loadTest step but not its thresholds, while every other step type refused the key
 * `loadTest` itself), its issues are the ones the author needs, with paths from the root.
 */
function bestBranch(i: z.core.$ZodIssue, base: PropertyKey[]): z.core.$ZodIssue[] {
  const path = [...base, ...i.path];
  if (i.code === 'invalid_union' && i.errors.length > 0) {
    const depth = (b: z.core.$ZodIssue[]) => (b.length ? Math.min(...b.map((x) => x.path.length)) : -1);
    const scores = i.errors.map(depth);
    const top = Math.max(...scores);
    if (top > 0 && scores.filter((d) => d === top).length === 1) return i.errors[scores.indexOf(top)]!.flatMap((x) => bestBranch(x, path));
  }
  return [{ ...i, path } as z.core.$ZodIssue];
}

function valueAt(root: unknown, path: PathSegment[]): unknown {
  let v = root;
  for (const p of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string | number, unknown>)[p];
  }
  return v;
}

function describeZodIssue(i: z.core.$ZodIssue, got: unknown): string {
  switch (i.code) {
    case 'invalid_value':
      return `expected ${i.values.map((x) => JSON.stringify(x)).join(' | ')}`;
    case 'invalid_type': {
      return got === undefined ? `required (${i.expected})` : `expected ${i.expected}, got ${typeOf(got)}`;
    }
    case 'unrecognized_keys':
      return `unknown field${i.keys.length > 1 ? 's' : ''} ${i.keys.map((k) => `"${k}"`).join(', ')}`;
    case 'too_small':
      return `must be ${i.inclusive === false ? '>' : '>='} ${String(i.minimum)}${i.origin === 'string' ? ' characters' : i.origin === 'array' ? ' items' : ''}`;
    case 'too_big':
      return `must be ${i.inclusive === false ? '<' : '<='} ${String(i.maximum)}${i.origin === 'string' ? ' characters' : i.origin === 'array' ? ' items' : ''}`;
    default:
      return i.message;
  }
}

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

/** Validates a plain value against a schema, throwing an InputError with field paths (no file positions). */
export function parseInput<T>(schema: z.ZodType<T>, value: unknown, what = 'request body'): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issues = zodIssues(r.error, (path, message) => ({ path: formatPath(path), message }), value);
  throw new InputError(`invalid ${what}: ${issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ')}`, issues);
}
