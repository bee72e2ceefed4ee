import { resolve } from 'node:path';

/** The shared third-party fixtures, next to the repository (../shared/fixtures). */
export const FIXTURES = resolve(import.meta.dirname, '../../../../shared/fixtures');
