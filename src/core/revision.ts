import { z } from 'zod';

/**
 * The Revision value both sides of the DeployTarget port use: rollouts make revisions, targets
 * run them. Its behaviour (digest, binding, config merge) is in src/rollout/revision.ts.
 */
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
  /** Environment variables the instances get (real values, secret ones included). */
  config: Record<string, string>;
  /**
   * Keys of `config` given as secrets (`{secret: true, value}`): instances get the value, readers
   * other than admins see `secret:hmac:<12 hex>` (src/rollout/revision.ts redactConfig). Sorted.
   */
  secretKeys: string[];
  /** SHA-256 of version, artifact and config. */
  digest: string;
  /** ISO-8601 UTC. */
  createdAt: string;
}

/** A version as releases name it: letters, digits, "-", "." or "_", at most 50 (the rule `rollout release` applies). */
export const VERSION_RE = /^[A-Za-z0-9][-A-Za-z0-9._]{0,49}$/;
export const versionName = z.string().regex(VERSION_RE, 'expected letters, digits, "-", "." or "_" (at most 50)');
