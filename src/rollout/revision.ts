import { canonicalJson, sha256 } from '../core/ids';

/**
 * One immutable release unit of a service in an environment: the version, what runs (command,
 * image or URL), the configuration it runs with, and a digest of all three. Rolling back restores a
 * whole revision, configuration included.
 */
export interface Revision {
  /** `<service>.<environment>.<number>`. */
  id: string;
  service: string;
  environment: string;
  /** 1, 2, 3… per service and environment. */
  number: number;
  version: string;
  /** Command line, image reference or URL, depending on the target type. */
  artifact: string;
  /** Environment variables the instances get. */
  config: Record<string, string>;
  /** SHA-256 of version, artifact and config. */
  digest: string;
  /** ISO-8601 UTC. */
  createdAt: string;
}

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
export function makeRevision(input: Omit<Revision, 'id' | 'digest'>): Revision {
  const rev: Revision = {
    ...input,
    config: Object.freeze({ ...input.config }) as Record<string, string>,
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

/** Parses `--set KEY=VALUE` arguments; returns the pairs or the first bad argument. */
export function parseSets(args: string[]): { sets: Record<string, string> } | { bad: string } {
  const sets: Record<string, string> = {};
  for (const a of args) {
    const eq = a.indexOf('=');
    if (eq <= 0 || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(a.slice(0, eq))) return { bad: a };
    sets[a.slice(0, eq)] = a.slice(eq + 1);
  }
  return { sets };
}
