/**
 * The beta function in log space. Pure, no I/O.
 */
import { logGamma } from './gamma';

/** ln B(a, b). */
export function logBeta(a: number, b: number): number {
  return logGamma(a) + logGamma(b) - logGamma(a + b);
}
