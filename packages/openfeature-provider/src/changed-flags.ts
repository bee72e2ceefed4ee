/** Which flag keys differ between two configurations: the engine's pure function, re-exported. */
export { changedFlagKeys } from '../../../src/flags/changed-flags';
