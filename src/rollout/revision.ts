import { canonicalJson, sha256 } from '../core/ids';
import type { SecretMarker } from '../resources/secrets';

export type { Revision } from '../core/revision';
import type { Revision } from '../core/revision';

/** Digest of what makes a revision: equal inputs always give the same digest. */
export function revisionDigest(input: { version: string; artifact: string; config: Record<string, string> }): string {
  return sha256(canonicalJson({ version: input.version, artifact: input.artifact, config: input.config }));
}

/** SHA-256 of a revision's whole config (canonical JSON): what an approval's config hash covers. */
export function configHash(config: Record<string, string>): string {
  return sha256(canonicalJson(config));
}

/** What an approval of this revision covers: version, artifact reference, config hash. */
export function bindingOf(r: { version: string; artifact: string; config: Record<string, string> }): { version: string; artifact: string; configHash: string } {
  return { version: r.version, artifact: r.artifact, configHash: configHash(r.config) };
}

/** Builds a frozen revision. */
export function makeRevision(input: Omit<Revision, 'id' | 'digest' | 'secretKeys'> & { secretKeys?: string[] }): Revision {
  const rev: Revision = {
    ...input,
    config: Object.freeze({ ...input.config }) as Record<string, string>,
    secretKeys: Object.freeze([...new Set(input.secretKeys ?? [])].filter((k) => k in input.config).sort()) as string[],
    id: revisionId(input.service, input.environment, input.number),
    digest: revisionDigest(input),
  };
  return Object.freeze(rev);
}

export function revisionId(service: string, environment: string, number: number): string {
  return `${service}.${environment}.${number}`;
}

/**
 * Config of a new revision: the previous revision's config with `KEY=VALUE` settings applied
 * (an empty value removes the key).
 */
export function mergeConfig(previous: Record<string, string>, sets: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = { ...previous };
  for (const [k, v] of Object.entries(sets)) {
    if (v === '') delete out[k];
    else out[k] = v;
  }
  return out;
}

/** A config value as a release gives it: plain, or a secret stored as given but never shown to readers. */
export type ConfigSet = string | { secret: true; value: string };

/** Plain values of config changes (what instances get and the config hash covers) and the keys given as secrets. */
export function splitSets(sets: Record<string, ConfigSet>): { values: Record<string, string>; secret: string[] } {
  const values: Record<string, string> = {};
  const secret: string[] = [];
  for (const [k, v] of Object.entries(sets)) {
    if (typeof v === 'string') values[k] = v;
    else {
      values[k] = v.value;
      secret.push(k);
    }
  }
  return { values, secret };
}

/**
 * Secret keys of a new revision: the previous revision's, plus keys set as secrets, less keys set
 * plainly or removed.
 */
export function mergeSecretKeys(previous: readonly string[], sets: Record<string, ConfigSet>): string[] {
  const out = new Set(previous);
  for (const [k, v] of Object.entries(sets)) {
    if (typeof v !== 'string' && v.value !== '') out.add(k);
    else out.delete(k);
  }
  return [...out].sort();
}

/** The config a non-admin reader sees: secret values replaced by their markers. */
export function redactConfig(config: Record<string, string>, secretKeys: readonly string[], mark: SecretMarker): Record<string, string> {
  const out: Record<string, string> = { ...config };
  for (const k of secretKeys) if (k in out) out[k] = mark(out[k]);
  return out;
}
