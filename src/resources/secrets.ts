/**
 * Secret fields of manifests (a kind's `secretPaths`): webhook URLs that carry a token, DataSource
 * connection details. Stored and used by the server as given; every read a non-admin makes, and
 * every audit before/after state, shows a stable marker instead, `secret:hmac:<12 hex>`, the
 * same for the same value, so a reader can tell that a secret changed without seeing it. The
 * marker is keyed with a secret of the server (derived from its audit key, shared by every server
 * on one store), so a reader cannot test guesses of a weak secret against it offline. A field
 * that holds a map or a list is redacted leaf by leaf (its keys stay visible, its values do not).
 *
 * Applying a manifest read back with its markers keeps the stored values: a marker equal to the
 * stored value's marker is replaced by that value; any other marker is refused (400), never stored.
 */
import { createHmac } from 'node:crypto';
import { canonicalJson, sha256 } from '../core/ids';
import { formatPath, type Manifest, type PathSegment } from '../core/manifest';
import type { KindDefinition, KindRegistry } from '../core/kinds';
import type { Issue } from '../core/errors';
import type { Principal } from '../auth/roles';

export const SECRET_MARKER_PREFIX = 'secret:hmac:';

/** Turns a secret value into its marker (ctx.secretMarker of a running server). */
export type SecretMarker = (value: unknown) => string;

/**
 * The marker function of a server: `secret:hmac:` and the first 12 hex of HMAC-SHA256(key,
 * canonical JSON of the value). Without a key (the audit benchmark's unkeyed mode) a plain SHA-256.
 */
export function secretMarkerWith(key: Buffer | undefined): SecretMarker {
  return (value) => {
    const text = canonicalJson(value ?? null);
    const digest = key ? createHmac('sha256', key).update(text).digest('hex') : sha256(text);
    return `${SECRET_MARKER_PREFIX}${digest.slice(0, 12)}`;
  };
}

/** The marker key a server derives from its audit MAC key (one key file, one purpose each). */
export function markerKeyFrom(auditKey: Buffer | undefined): Buffer | undefined {
  return auditKey ? createHmac('sha256', auditKey).update('shipgate secret marker v1').digest() : undefined;
}

export function isSecretMarker(v: unknown): v is string {
  return typeof v === 'string' && /^secret:hmac:[0-9a-f]{12}$/.test(v);
}

/**
 * `spec.connectionDetails` or `['metadata','annotations','shipgate.dev/url']`; `*` matches every
 * array item or map entry, `**` any number of levels (inline documents nested anywhere).
 */
export type SecretPath = string | readonly PathSegment[];

function segments(p: SecretPath): PathSegment[] {
  return typeof p === 'string' ? p.split('.').filter(Boolean) : [...p];
}

/** Every primitive value under `v` (v itself when it is one), with its path. */
function leaves(v: unknown, at: PathSegment[], out: { path: PathSegment[]; value: unknown }[]): void {
  if (Array.isArray(v)) v.forEach((x, i) => leaves(x, [...at, i], out));
  else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) leaves(x, [...at, k], out);
  else if (v !== undefined) out.push({ path: at, value: v });
}

/** Concrete paths of the values `pattern` selects under `v`. */
function expand(v: unknown, pattern: PathSegment[], at: PathSegment[], out: PathSegment[][]): void {
  if (pattern.length === 0) {
    if (v !== undefined) out.push(at);
    return;
  }
  const [head, ...rest] = pattern;
  const children: [PathSegment, unknown][] = Array.isArray(v) ? v.map((x, i) => [i, x]) : v !== null && typeof v === 'object' ? Object.entries(v) : [];
  if (head === '**') {
    expand(v, rest, at, out);
    for (const [k, x] of children) expand(x, pattern, [...at, k], out);
    return;
  }
  if (head === '*') {
    for (const [k, x] of children) expand(x, rest, [...at, k], out);
    return;
  }
  const hit = children.find(([k]) => String(k) === String(head));
  if (hit) expand(hit[1], rest, [...at, hit[0]], out);
}

/** Every secret leaf of a manifest, by concrete path (no duplicates, outermost first). */
export function secretLeaves(def: Pick<KindDefinition, 'secretPaths'> | undefined, m: unknown): { path: PathSegment[]; value: unknown }[] {
  const paths = def?.secretPaths;
  if (!paths || paths.length === 0) return [];
  const roots: PathSegment[][] = [];
  for (const p of paths) expand(m, segments(p), [], roots);
  const out: { path: PathSegment[]; value: unknown }[] = [];
  const seen = new Set<string>();
  for (const r of roots) {
    const found: { path: PathSegment[]; value: unknown }[] = [];
    leaves(valueAt(m, r), r, found);
    for (const f of found) {
      const key = JSON.stringify(f.path);
      if (!seen.has(key)) out.push(f), seen.add(key);
    }
  }
  return out;
}

export function valueAt(root: unknown, path: PathSegment[]): unknown {
  let v = root;
  for (const p of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string | number, unknown>)[p];
  }
  return v;
}

/** A copy of `root` with the value at `path` replaced (containers along the path are copied). */
function setAt(root: unknown, path: PathSegment[], value: unknown): unknown {
  if (path.length === 0) return value;
  const [head, ...rest] = path;
  if (Array.isArray(root)) {
    const out = root.slice();
    out[Number(head)] = setAt(root[Number(head)], rest, value);
    return out;
  }
  const o = (root ?? {}) as Record<string, unknown>;
  return { ...o, [String(head)]: setAt(o[String(head)], rest, value) };
}

/** The manifest with every secret leaf of its kind replaced by its marker (a copy; the input is untouched). */
export function redactManifest<M extends Manifest>(def: Pick<KindDefinition, 'secretPaths'> | undefined, m: M, mark: SecretMarker): M {
  let out: unknown = m;
  for (const l of secretLeaves(def, m)) if (!isSecretMarker(l.value)) out = setAt(out, l.path, mark(l.value));
  return out as M;
}

/** Redacts by the manifest's own kind, looked up in the registry (unknown kinds are returned as they are). */
export function redactByKind<M extends Manifest>(kinds: KindRegistry, m: M, mark: SecretMarker): M {
  return redactManifest(kinds.resolve(m.apiVersion, m.kind), m, mark);
}

/** Only admins (and the server itself, which never goes through this) read secret values. */
export function seesSecrets(p: Principal | undefined): boolean {
  return p?.role === 'admin';
}

/** What `principal` may see of a manifest. */
export function manifestFor<M extends Manifest>(kinds: KindRegistry, principal: Principal | undefined, m: M, mark: SecretMarker): M {
  return seesSecrets(principal) ? m : redactByKind(kinds, m, mark);
}

/**
 * Puts the stored values back where `next` holds their markers (a manifest read back redacted and
 * applied again). Markers that match no stored value at the same path are issues: nothing is applied.
 */
export function restoreSecrets<M extends Manifest>(
  def: Pick<KindDefinition, 'secretPaths'> | undefined,
  next: M,
  stored: Manifest | undefined,
  mark: SecretMarker,
): { manifest: M; issues: (Issue & { at: PathSegment[] })[] } {
  let out: unknown = next;
  const issues: (Issue & { at: PathSegment[] })[] = [];
  for (const l of secretLeaves(def, next)) {
    if (!isSecretMarker(l.value)) continue;
    const prev = stored === undefined ? undefined : valueAt(stored, l.path);
    if (prev !== undefined && !isSecretMarker(prev) && mark(prev) === l.value) out = setAt(out, l.path, prev);
    else
      issues.push({
        at: l.path,
        path: formatPath(l.path),
        message: `holds the redacted marker ${l.value}, which matches no stored value here: give the real value`,
      });
  }
  return { manifest: out as M, issues };
}
