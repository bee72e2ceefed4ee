import type { KindDefinition } from '../../core/kinds';

/** Kinds of the scan gate (ScanPolicy). */
export const scanKinds: KindDefinition[] = [];
