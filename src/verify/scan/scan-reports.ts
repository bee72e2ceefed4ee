/**
 * Reads scanner reports: SARIF 2.1.0 (any scanner), Trivy JSON, `npm audit --json` (npm 7+) and
 * CycloneDX 1.4–1.6 with vulnerabilities. The format is told from the content, never the file
 * name. Pure: text in, findings out; a report that is none of these, or is malformed, is an
 * InputError naming the file and the field.
 */
import { InputError } from '../../core/errors';
import { parseYamlValue } from '../../core/manifest';
import { normaliseSeverity, severityOfScore, type ReportFormat, type ScanFinding, type Severity } from './scan-finding';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

export interface ParsedReport {
  format: ReportFormat;
  findings: ScanFinding[];
  /** Findings the report itself marks as suppressed or not affecting (SARIF suppressions, CycloneDX analysis). */
  suppressedAtSource: number;
}

/** Tells the format from the parsed content. */
export function detectFormat(v: unknown): ReportFormat | undefined {
  if (!isObj(v)) return undefined;
  if (Array.isArray(v.runs) && (v.version === '2.1.0' || String(v.$schema ?? '').includes('sarif'))) return 'sarif';
  if (v.bomFormat === 'CycloneDX') return 'cyclonedx';
  if (v.auditReportVersion !== undefined && isObj(v.vulnerabilities)) return 'npm-audit';
  if (v.SchemaVersion !== undefined && (Array.isArray(v.Results) || v.ArtifactName !== undefined)) return 'trivy';
  return undefined;
}

export function readReport(text: string, file: string): ParsedReport {
  const v = parseYamlValue(text, file);
  const bad = (path: string, message: string): never => {
    throw new InputError(`${file}: ${path ? `${path}: ` : ''}${message}`, [{ file, path, message }]);
  };
  if (isObj(v) && isObj(v.advisories) && v.auditReportVersion === undefined)
    bad('advisories', 'an npm 6 audit report; run npm 7 or later (`npm audit --json`), whose format (auditReportVersion 2) is read here');
  // What `npm audit --json` prints when it could not audit (registry unreachable, or one that
  // does not offer the audit endpoint): an error, not a clean report — never read it as "no findings".
  if (isObj(v) && v.auditReportVersion === undefined && typeof v.message === 'string' && (v.statusCode !== undefined || isObj(v.error))) {
    bad('message', `npm audit did not run: ${v.message}; this is npm's error output, not a report (the registry must offer the audit endpoint)`);
  }
  const format = detectFormat(v);
  if (!format) bad('', 'not a SARIF 2.1.0 log, Trivy JSON, npm audit (npm 7+) or CycloneDX report');
  const doc = v as Obj;
  switch (format!) {
    case 'sarif':
      return readSarif(doc, file, bad);
    case 'trivy':
      return readTrivy(doc, file, bad);
    case 'npm-audit':
      return readNpmAudit(doc, file, bad);
    default:
      return readCyclonedx(doc, file, bad);
  }
}

type Bad = (path: string, message: string) => never;

function readSarif(doc: Obj, file: string, bad: Bad): ParsedReport {
  if (doc.version !== '2.1.0') bad('version', `SARIF ${String(doc.version)} is not read; expected "2.1.0"`);
  const findings: ScanFinding[] = [];
  let suppressedAtSource = 0;
  (doc.runs as unknown[]).forEach((run, ri) => {
    if (!isObj(run) || !isObj(run.tool) || !isObj(run.tool.driver)) bad(`runs[${ri}].tool.driver`, 'required');
    const driver = (run as { tool: { driver: Obj } }).tool.driver;
    const tool = str(driver.name) ?? bad(`runs[${ri}].tool.driver.name`, 'required');
    const rules = Array.isArray(driver.rules) ? driver.rules.filter(isObj) : [];
    const ruleById = new Map(rules.map((r) => [String(r.id), r]));
    const results = (run as Obj).results;
    if (results === undefined || results === null) return;
    if (!Array.isArray(results)) bad(`runs[${ri}].results`, 'expected a list');
    (results as unknown[]).forEach((r, i) => {
      const at = `runs[${ri}].results[${i}]`;
      if (!isObj(r)) bad(at, 'expected a result object');
      const res = r as Obj;
      const rule =
        (typeof res.ruleIndex === 'number' ? rules[res.ruleIndex] : undefined) ?? ruleById.get(String(res.ruleId ?? (isObj(res.rule) ? res.rule.id : '')));
      const id =
        str(res.ruleId) ??
        (isObj(res.rule) ? str(res.rule.id) : undefined) ??
        (rule ? str(rule.id) : undefined) ??
        bad(`${at}.ruleId`, 'required: a result names its rule');
      // A check that passed or did not apply is not a finding.
      if (res.kind === 'pass' || res.kind === 'notApplicable') return;
      // Suppressed upstream (accepted or undecided) or no longer present in this scan.
      if ((Array.isArray(res.suppressions) && res.suppressions.some((s) => isObj(s) && s.status !== 'rejected')) || res.baselineState === 'absent') {
        suppressedAtSource++;
        return;
      }
      const message = isObj(res.message) ? (str(res.message.text) ?? '') : '';
      const ruleProps = rule && isObj(rule.properties) ? rule.properties : {};
      const props = isObj(res.properties) ? res.properties : {};
      const score = Number(props['security-severity'] ?? ruleProps['security-severity']);
      const level = str(res.level) ?? (rule && isObj(rule.defaultConfiguration) ? str(rule.defaultConfiguration.level) : undefined) ?? 'warning';
      let severity: Severity =
        Number.isFinite(score) && (props['security-severity'] ?? ruleProps['security-severity']) !== undefined
          ? severityOfScore(score)
          : normaliseSeverity(level);
      // Dependency scanners writing SARIF (Trivy, Grype) put the package in the message text.
      const field = (name: string) => new RegExp(`^${name}: *(.+)$`, 'mi').exec(message)?.[1]?.trim();
      const sev = field('Severity');
      if (sev && normaliseSeverity(sev) !== 'unknown' && (props['security-severity'] ?? ruleProps['security-severity']) === undefined)
        severity = normaliseSeverity(sev);
      const fixed = field('Fixed Version');
      const loc =
        Array.isArray(res.locations) &&
        isObj(res.locations[0]) &&
        isObj(res.locations[0].physicalLocation) &&
        isObj(res.locations[0].physicalLocation.artifactLocation)
          ? str(res.locations[0].physicalLocation.artifactLocation.uri)
          : undefined;
      const title = (rule && isObj(rule.shortDescription) ? str(rule.shortDescription.text) : undefined) ?? message.split('\n')[0];
      findings.push(
        clean({
          id,
          severity,
          package: field('Package'),
          installedVersion: field('Installed Version'),
          fixedVersion: fixed,
          fixAvailable: Boolean(fixed),
          title,
          tool,
          format: 'sarif',
          report: file,
          location: loc,
        }),
      );
    });
  });
  return { format: 'sarif', findings, suppressedAtSource };
}

function readTrivy(doc: Obj, file: string, bad: Bad): ParsedReport {
  const findings: ScanFinding[] = [];
  const results = doc.Results ?? [];
  if (!Array.isArray(results)) bad('Results', 'expected a list');
  (results as unknown[]).forEach((r, ri) => {
    if (!isObj(r)) bad(`Results[${ri}]`, 'expected an object');
    const res = r as Obj;
    const target = str(res.Target);
    const list = (key: string): Obj[] => {
      const v = res[key];
      if (v === undefined || v === null) return [];
      if (!Array.isArray(v)) bad(`Results[${ri}].${key}`, 'expected a list');
      return (v as unknown[]).map((x, i) => (isObj(x) ? x : bad(`Results[${ri}].${key}[${i}]`, 'expected an object')));
    };
    list('Vulnerabilities').forEach((v, i) => {
      const id = str(v.VulnerabilityID) ?? bad(`Results[${ri}].Vulnerabilities[${i}].VulnerabilityID`, 'required');
      const fixed = str(v.FixedVersion);
      findings.push(
        clean({
          id,
          severity: normaliseSeverity(v.Severity),
          package: str(v.PkgName),
          installedVersion: str(v.InstalledVersion),
          fixedVersion: fixed,
          fixAvailable: Boolean(fixed) || v.Status === 'fixed',
          title: str(v.Title),
          tool: 'Trivy',
          format: 'trivy',
          report: file,
          location: target,
        }),
      );
    });
    list('Misconfigurations').forEach((m, i) => {
      if (m.Status === 'PASS') return;
      const id = str(m.AVDID) ?? str(m.ID) ?? bad(`Results[${ri}].Misconfigurations[${i}].ID`, 'required');
      findings.push(
        clean({
          id,
          severity: normaliseSeverity(m.Severity),
          fixAvailable: Boolean(str(m.Resolution)),
          title: str(m.Title),
          tool: 'Trivy',
          format: 'trivy',
          report: file,
          location: target,
        }),
      );
    });
    list('Secrets').forEach((s, i) => {
      const id = str(s.RuleID) ?? bad(`Results[${ri}].Secrets[${i}].RuleID`, 'required');
      findings.push(
        clean({
          id,
          severity: normaliseSeverity(s.Severity),
          fixAvailable: true,
          title: str(s.Title),
          tool: 'Trivy',
          format: 'trivy',
          report: file,
          location: target,
        }),
      );
    });
  });
  return { format: 'trivy', findings, suppressedAtSource: 0 };
}

function readNpmAudit(doc: Obj, file: string, bad: Bad): ParsedReport {
  if (doc.auditReportVersion !== 2) bad('auditReportVersion', `version ${String(doc.auditReportVersion)} is not read; expected 2 (npm 7 or later)`);
  const findings: ScanFinding[] = [];
  for (const [name, entry] of Object.entries(doc.vulnerabilities as Obj)) {
    const at = `vulnerabilities.${name}`;
    if (!isObj(entry)) bad(at, 'expected an object');
    const e = entry as Obj;
    if (!Array.isArray(e.via)) bad(`${at}.via`, 'required: a list');
    const fix = e.fixAvailable;
    const fixedVersion = isObj(fix) && fix.name === name ? str(fix.version) : undefined;
    // A `via` string means "vulnerable through that dependency": its advisories are under its own entry.
    (e.via as unknown[]).forEach((via, i) => {
      if (typeof via === 'string') return;
      if (!isObj(via)) bad(`${at}.via[${i}]`, 'expected an advisory or a package name');
      const adv = via as Obj;
      const url = str(adv.url);
      const ghsa = url ? /GHSA(-[23456789cfghjmpqrvwx]{4}){3}/.exec(url)?.[0] : undefined;
      const id = ghsa ?? (adv.source !== undefined ? `npm-${String(adv.source)}` : bad(`${at}.via[${i}].source`, 'required: the advisory id'));
      findings.push(
        clean({
          id,
          severity: normaliseSeverity(adv.severity ?? e.severity),
          package: str(adv.dependency) ?? str(adv.name) ?? name,
          fixedVersion,
          fixAvailable: fix === true || isObj(fix),
          title: str(adv.title),
          tool: 'npm audit',
          format: 'npm-audit',
          report: file,
          location: Array.isArray(e.nodes) ? str(e.nodes[0]) : undefined,
        }),
      );
    });
  }
  return { format: 'npm-audit', findings, suppressedAtSource: 0 };
}

function readCyclonedx(doc: Obj, file: string, bad: Bad): ParsedReport {
  const spec = String(doc.specVersion ?? '');
  if (!['1.4', '1.5', '1.6'].includes(spec)) bad('specVersion', `CycloneDX ${spec || '(missing)'} is not read; expected 1.5 (1.4 and 1.6 are read too)`);
  const components = new Map<string, Obj>();
  const walk = (list: unknown) => {
    if (Array.isArray(list))
      for (const c of list)
        if (isObj(c)) {
          if (typeof c['bom-ref'] === 'string') components.set(c['bom-ref'], c);
          walk(c.components);
        }
  };
  walk(doc.components);
  if (isObj(doc.metadata) && isObj(doc.metadata.component) && typeof doc.metadata.component['bom-ref'] === 'string')
    components.set(doc.metadata.component['bom-ref'], doc.metadata.component);
  const tools = isObj(doc.metadata) ? doc.metadata.tools : undefined;
  const toolName =
    (Array.isArray(tools) ? tools : isObj(tools) && Array.isArray(tools.components) ? tools.components : [])
      .filter(isObj)
      .map((t) => str(t.name))
      .find(Boolean) ?? 'CycloneDX';
  const vulns = doc.vulnerabilities ?? [];
  if (!Array.isArray(vulns)) bad('vulnerabilities', 'expected a list');
  const findings: ScanFinding[] = [];
  let suppressedAtSource = 0;
  (vulns as unknown[]).forEach((v, i) => {
    const at = `vulnerabilities[${i}]`;
    if (!isObj(v)) bad(at, 'expected an object');
    const vuln = v as Obj;
    const id = str(vuln.id) ?? bad(`${at}.id`, 'required');
    const state = isObj(vuln.analysis) ? vuln.analysis.state : undefined;
    if (state === 'resolved' || state === 'false_positive' || state === 'not_affected') {
      suppressedAtSource++;
      return;
    }
    const ratings = Array.isArray(vuln.ratings) ? vuln.ratings.filter(isObj) : [];
    const severity =
      ratings
        .map((r) => (r.severity !== undefined ? normaliseSeverity(r.severity) : typeof r.score === 'number' ? severityOfScore(r.score) : 'unknown'))
        .sort((a, b) => rank(b) - rank(a))[0] ?? 'unknown';
    const tool = isObj(vuln.source) ? (str(vuln.source.name) ? `${toolName} (${str(vuln.source.name)})` : toolName) : toolName;
    const affects = Array.isArray(vuln.affects) ? vuln.affects.filter(isObj) : [];
    const targets = affects.length ? affects : [{}];
    for (const a of targets) {
      const ref = str(a.ref);
      const comp = ref ? components.get(ref) : undefined;
      const versions = Array.isArray(a.versions) ? a.versions.filter(isObj) : [];
      const fixed = versions.find((x) => x.status === 'unaffected' && str(x.version));
      findings.push(
        clean({
          id,
          severity,
          package: comp ? str(comp.name) : ref,
          installedVersion: comp ? str(comp.version) : undefined,
          fixedVersion: fixed ? str(fixed.version) : undefined,
          fixAvailable: Boolean(fixed) || Boolean(str(vuln.recommendation)),
          title: str(vuln.description)?.split('\n')[0],
          tool,
          format: 'cyclonedx',
          report: file,
          location: ref,
        }),
      );
    }
  });
  return { format: 'cyclonedx', findings, suppressedAtSource };
}

const rank = (s: Severity) => ({ critical: 5, high: 4, medium: 3, low: 2, info: 1, unknown: 0 })[s];

/** Drops undefined fields, so JSON output and deep-equality tests see only what is known. */
function clean(f: ScanFinding): ScanFinding {
  for (const k of Object.keys(f) as (keyof ScanFinding)[]) if (f[k] === undefined) delete f[k];
  return f;
}
