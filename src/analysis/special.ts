/**
 * Special functions and small numeric routines for the judges, one family per file (gamma.ts,
 * beta.ts, normal.ts, log-sum-exp.ts, ranks.ts, brent-root.ts, descriptive-stats.ts); re-exported
 * here so the judges' imports stay as they are. Pure, no I/O.
 */
export { logChoose, logGamma } from './gamma';
export { logBeta } from './beta';
export { normalCdf, normalQuantile, normalSf } from './normal';
export { logSumExp } from './log-sum-exp';
export { averageRanks, tieGroupSizes } from './ranks';
export { brentRoot } from './brent-root';
export { meanOf, percentile } from './descriptive-stats';
