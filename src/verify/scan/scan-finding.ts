/** A scanner finding in one shape, whatever report it came from. */

export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info', 'unknown'] as const;
export type Severity = (typeof SEVERITIES)[number];

/**
 * Order for thresholds. `unknown` (a new CVE with no score yet, a SARIF result with no level)
 * ranks with `high`: a gate should not wave through what nobody has rated.
 */
export const SEVERITY_RANK: Record<Severity, number> = { critical: 5, high: 4, unknown: 4, medium: 3, low: 2, info: 1 };

export type ReportFormat = 'sarif' | 'trivy' | 'npm-audit' | 'cyclonedx';

export interface ScanFinding {
  /** CVE, GHSA, or the scanner's rule id. */
  id: string;
  severity: Severity;
  /** Affected package, when the scanner names one (dependency scanners do; code scanners do not). */
  package?: string;
  installedVersion?: string;
  /** The first version without the vulnerability, when known. */
  fixedVersion?: string;
  /** True when the scanner says a fix exists (a fixed version, npm's fixAvailable). */
  fixAvailable: boolean;
  title?: string;
  /** The tool that found it (`Trivy`, `npm audit`, the SARIF driver's name). */
  tool: string;
  format: ReportFormat;
  /** The report file it was read from. */
  report: string;
  /** Where: a file URI, a scan target, a component reference. */
  location?: string;
}

/** What identifies a finding across reports and revisions: the id and the package (or location). */
export function findingKey(f: Pick<ScanFinding, 'id' | 'package' | 'location'>): string {
  return `${f.id}|${f.package ?? f.location ?? ''}`;
}

/** CVSS score → severity (CVSS v3 qualitative ratings). */
export function severityOfScore(score: number): Severity {
  if (!Number.isFinite(score)) return 'unknown';
  if (score >= 9) return 'critical';
  if (score >= 7) return 'high';
  if (score >= 4) return 'medium';
  if (score > 0) return 'low';
  return 'info';
}

/** A scanner's own word for a severity (CRITICAL, moderate, warning…) → ours. */
export function normaliseSeverity(word: unknown): Severity {
  const w = typeof word === 'string' ? word.toLowerCase() : '';
  if (w === 'critical') return 'critical';
  if (w === 'high' || w === 'error') return 'high';
  if (w === 'medium' || w === 'moderate' || w === 'warning') return 'medium';
  if (w === 'low' || w === 'note') return 'low';
  if (w === 'info' || w === 'none' || w === 'negligible') return 'info';
  return 'unknown';
}
