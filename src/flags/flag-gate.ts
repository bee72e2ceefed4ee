/**
 * A flag switched on (or retargeted) in a production environment changes what users get, so it
 * goes through the one authorisation path as a `flag.enable` of the service the flag belongs to
 * (`metadata.labels.service`). Turning a flag off, or any change outside production, is never
 * held back: taking exposure away must stay instant.
 */
import { canonicalJson, sha256 } from '../core/ids';
import { InputError } from '../core/errors';
import type { GateContext, GateSubject } from '../core/kinds';
import type { Manifest } from '../core/manifest';
import type { FeatureFlagSpec } from './flag-model';

/**
 * Environment kind by its Environment resource, never by its name. An environment without one
 * counts as production: nothing reaches users around the gate because an environment was not
 * declared (the change capability assesses it as production too).
 */
export async function isProduction(environment: string, ctx: GateContext): Promise<boolean> {
  const declared = (await ctx.list('Environment')).find((e) => e.metadata.name === environment)?.spec as { kind?: string } | undefined;
  return declared?.kind ? declared.kind === 'production' : true;
}

/** The service a flag belongs to, required once it is on in production. */
export function flagService(m: Manifest, environment: string): string {
  const service = m.metadata.labels?.service;
  if (!service) {
    throw new InputError(
      `flag ${m.metadata.name} is on in ${environment}, a production environment: name the service it belongs to (metadata.labels.service) so its error budget and change policy apply`,
      [{ path: 'metadata.labels.service', message: 'required for a flag on in production' }],
    );
  }
  return service;
}

export async function featureFlagGate(
  next: Manifest<FeatureFlagSpec> | undefined,
  prev: Manifest<FeatureFlagSpec> | undefined,
  ctx: GateContext,
): Promise<GateSubject[]> {
  const out: GateSubject[] = [];
  // Deleting a flag turns it off everywhere: taking exposure away is never held back.
  if (!next) return out;
  for (const [env, cfg] of Object.entries(next.spec.environments)) {
    if (!cfg.enabled) continue;
    const before = prev?.spec.environments[env];
    const same =
      before &&
      canonicalJson({ ...before, v: prev!.spec.variants, d: prev!.spec.defaultVariant }) ===
        canonicalJson({ ...cfg, v: next.spec.variants, d: next.spec.defaultVariant });
    if (same || !(await isProduction(env, ctx))) continue;
    out.push({
      action: 'flag.enable',
      service: flagService(next, env),
      environment: env,
      kind: 'config',
      title: `flag ${next.metadata.name} on in ${env}`,
      revision: {
        version: `flag/${next.metadata.name}`,
        artifact: '',
        configHash: sha256(canonicalJson({ env: cfg, variants: next.spec.variants ?? null, defaultVariant: next.spec.defaultVariant ?? null })),
      },
    });
  }
  return out;
}
