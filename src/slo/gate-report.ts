/**
 * The gate's answer and its renderings: table, JSON, JUnit XML (CI test reports), Markdown
 * (pull-request comments). Pure.
 */
import { junitXml, type JunitCase } from '../cli/junit';
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
  const rows = r.slos.map((s) => [
    s.slo,
    s.service,
    s.relation,
    s.objective,
    pct(s.sli),
    pct(s.target),
    pct(s.budgetRemaining),
    num(s.burn1h),
    s.error ? `error: ${s.error}` : s.firing.join(',') || '-',
  ]);
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
    ...r.slos.map(
      (s) =>
        `| ${esc(s.slo)} | ${esc(s.service)} | ${s.relation} | ${esc(s.objective)} | ${pct(s.sli)} | ${pct(s.target)} | ${pct(s.budgetRemaining)} | ${num(s.burn1h)} | ${esc(s.error ? `error: ${s.error}` : s.firing.join(', ') || '—')} |`,
    ),
    '',
    `<sub>evaluated at ${new Date(r.atMs).toISOString()}${r.changeType ? `, change type ${r.changeType}` : ''}</sub>`,
  ];
  return L.join('\n');
}

function esc(s: string): string {
  return s.replace(/\|/g, '\\|');
}

/** One test case per SLO objective: failed when a blocking rule matched it, error when it could not be evaluated. */
export function gateJunit(r: GateResult): string {
  const cls = `shipgate.gate.${r.service}`;
  const cases: JunitCase[] = r.slos.map((s) => {
    const blocking = s.matched.filter((m) => !m.endsWith(':allow'));
    const c: JunitCase = { classname: cls, name: `${s.slo}/${s.objective}` };
    if (s.error) c.error = { message: s.error };
    else if (blocking.length)
      c.failure = {
        message: blocking.join(', '),
        body: `budget remaining ${pct(s.budgetRemaining)}, burn 1h ${num(s.burn1h)}, alerts ${s.firing.join(',') || 'none'}`,
      };
    return c;
  });
  return junitXml('shipgate gate', [
    {
      name: `gate ${r.service}${r.environment ? ` ${r.environment}` : ''}: ${r.decision}`,
      cases,
      timestamp: new Date(r.atMs),
      properties: { decision: r.decision, reason: r.reason },
    },
  ]);
}
