/**
 * The one HTTP exchange of a synthetic step, for the CLI and the server alike: through the egress
 * policy (checked names and addresses, one deadline), a 1 MiB response bound, and a redirect
 * returned as the step's answer, never followed.
 */
import type { EgressPolicy } from '../../egress/egress-policy';
import { egressRequest } from '../../egress/egress-request';
import { SYNTHETIC_LIMITS } from './synthetic-spec';
import type { Send } from './synthetic-run';

export function egressSend(policy: EgressPolicy): Send {
  return (url, r) =>
    egressRequest(policy, 'synthetic', url, {
      method: r.method,
      headers: r.headers,
      ...(r.body !== undefined ? { body: r.body } : {}),
      timeoutMs: r.timeoutMs,
      maxBytes: SYNTHETIC_LIMITS.bodyBytes,
      redirects: 'return',
    });
}
