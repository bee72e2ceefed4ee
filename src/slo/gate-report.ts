/**
 * The gate's answer and its renderings: table, JSON, JUnit XML (CI test reports), Markdown
 * (pull-request comments). Pure.
 */
import { renderTable } from '../cli/table';

export interface GateSloRow {
  slo: string;
  service: string;
  /** `own`: an SLO of the service; `dependent`: a user-facing SLO of a service that depends on it. */
  relation: 'own' | 'dependent';
  layer: string;
  objective: string;
  sli: number | null;
  target: number;
  budgetRemaining: number;
  burn1h: number | null;
  firing: string[];
  /** Rules that matched this SLO, as `policy/rule:action`. */
  matched: string[];
  error?: string;
}

export interface GateResult {
  service: string;
  environment: string;
  atMs: number;
  changeType?: string;
  decision: 'allow' | 'requireApproval' | 'freeze' | 'error';
  reason: string;
  decidedBy?: { slo?: string; policy?: string; rule?: string };
  exempted?: boolean;
  slos: GateSloRow[];
}

const ICON: Record<GateResult['decision'], string> = { allow: '✅', requireApproval: '⚠️', freeze: '⛔', error: '❓' };

const pct = (x: number | null) => (x === null || Number.isNaN(x) ? 'n/a' : Number.isFinite(x) ? `${(x * 100).toFixed(2)}%` : x > 0 ? '∞' : '-∞');
const num = (x: number | null) => (x === null ? 'n/a' : x.toFixed(2));

export function gateTable(r: GateResult): string {
  const head = `gate ${r.service}${r.environment ? ` (${r.environment})` : ''}: ${r.decision}: ${r.reason}`;
  const rows = r.slos.map((s) => [s.slo, s.service, s.relation, s.objective, pct(s.sli), pct(s.target), pct(s.budgetRemaining), num(s.burn1h), s.error ? `error: ${s.error}` : s.firing.join(',') || '-']);
  return `${head}\n${renderTable(['slo', 'service', 'relation', 'objective', 'sli', 'target', 'budget left', 'burn 1h', 'alerts'], rows)}`;
}

export function gateMarkdown(r: GateResult): string {
  const L = [
    `### ${ICON[r.decision]} Shipgate gate: \`${r.service}\`${r.environment ? ` in \`${r.environment}\`` : ''}: **${r.decision}**`,
    '',
    r.decidedBy?.rule ? `Decided by SLO \`${r.decidedBy.slo}\`, rule \`${r.decidedBy.policy}/${r.decidedBy.rule}\`: ${r.reason}` : r.reason,
    '',
    '| SLO | service | relation | objective | SLI | target | budget left | burn 1h | alerts |',
    '|---|---|---|---|---:|---:|---:|---:|---|',
    ...r.slos.map((s) => `| ${esc(s.slo)} | ${esc(s.service)} | ${s.relation} | ${esc(s.objective)} | ${pct(s.sli)} | ${pct(s.target)} | ${pct(s.budgetRemaining)} | ${num(s.burn1h)} | ${esc(s.error ? `error: ${s.error}` : s.firing.join(', ') || '—')} |`),
    '',
    `<sub>evaluated at ${new Date(r.atMs).toISOString()}${r.changeType ? `, change type ${r.changeType}` : ''}</sub>`,
  ];
  return L.join('\n');
}

function esc(s: string): string {
  return s.replace(/\|/g, '\\|');
}

function xml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** One test case per SLO objective: failed when a blocking rule matched it, error when it could not be evaluated. */
export function gateJunit(r: GateResult): string {
  const cases = r.slos.map((s) => {
    const blocking = s.matched.filter((m) => !m.endsWith(':allow'));
    const name = xml(`${s.slo}/${s.objective}`);
    const cls = xml(`shipgate.gate.${r.service}`);
    if (s.error) return `    <testcase classname="${cls}" name="${name}"><error message="${xml(s.error)}"/></testcase>`;
    if (blocking.length) {
      return `    <testcase classname="${cls}" name="${name}"><failure message="${xml(blocking.join(', '))}">${xml(`budget remaining ${pct(s.budgetRemaining)}, burn 1h ${num(s.burn1h)}, alerts ${s.firing.join(',') || 'none'}`)}</failure></testcase>`;
    }
    return `    <testcase classname="${cls}" name="${name}"/>`;
  });
  const failures = r.slos.filter((s) => !s.error && s.matched.some((m) => !m.endsWith(':allow'))).length;
  const errors = r.slos.filter((s) => s.error).length;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="shipgate gate" tests="${r.slos.length}" failures="${failures}" errors="${errors}">`,
    `  <testsuite name="${xml(`gate ${r.service}${r.environment ? ` ${r.environment}` : ''}: ${r.decision}`)}" tests="${r.slos.length}" failures="${failures}" errors="${errors}" timestamp="${new Date(r.atMs).toISOString()}">`,
    `    <properties><property name="decision" value="${r.decision}"/><property name="reason" value="${xml(r.reason)}"/></properties>`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
  ].join('\n');
}
