import type { KindDefinition } from '../../core/kinds';
import { scanPolicyKind } from './scan-policy';

/** Kinds of the scan gate (ScanPolicy). */
export const scanKinds: KindDefinition[] = [scanPolicyKind];
