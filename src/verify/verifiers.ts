/** The verifications this server computes from a pipeline's inputs, one per kind. */
import type { Verifier } from './verifier';

export const VERIFIERS: Verifier[] = [];
