/** The report of `shipgate verify openapi` in its four shapes: table, JSON, JUnit XML, Markdown. Pure. */
import { junitXml } from '../../cli/junit';
import { renderTable } from '../../cli/table';
import { LEVEL_RANK, type Direction, type Finding, type Level } from './checks';

export interface OpenapiReport {
  base: string;
  revision: string;
  /** Forward findings at or above this level fail the verification. */
  failOn: Level;
  /**
   * Rollback findings (what would break clients of the revision if it were rolled back) at or
   * above this level fail it too; null: reported, not gating. Nearly every release that adds an
   * endpoint or a field has some, so they gate only when a team asks.
   */
  failOnRollback: Level | null;
  result: 'pass' | 'fail';
  summary: Record<Direction, Record<Level, number>>;
  findings: (Finding & { blocking: boolean })[];
}

export function buildReport(base: string, revision: string, findings: Finding[], failOn: Level, failOnRollback: Level | null = null): OpenapiReport {
  const summary: OpenapiReport['summary'] = { forward: { ERR: 0, WARN: 0, INFO: 0 }, rollback: { ERR: 0, WARN: 0, INFO: 0 } };
  const list = findings.map((f) => {
    summary[f.direction][f.level]++;
    const threshold = f.direction === 'forward' ? failOn : failOnRollback;
    return { ...f, blocking: threshold !== null && LEVEL_RANK[f.level] >= LEVEL_RANK[threshold] };
  });
  return { base, revision, failOn, failOnRollback, result: list.some((f) => f.blocking) ? 'fail' : 'pass', summary, findings: list };
}

const operation = (f: Finding) => (f.method ? `${f.method} ${f.path}` : 'components');
const DIRECTION_TEXT: Record<Direction, string> = {
  forward: 'forward (breaks consumers of the revision)',
  rollback: 'rollback (breaks clients of the revision if rolled back)',
};

const gating = (r: OpenapiReport) => `fail on ${r.failOn}${r.failOnRollback ? `, rollback ${r.failOnRollback}` : '; rollback findings reported, not gating'}`;

function summaryLine(r: OpenapiReport): string {
  const s = (d: Direction) => `${d}: ${r.summary[d].ERR} error, ${r.summary[d].WARN} warning, ${r.summary[d].INFO} info`;
  return `${r.result === 'fail' ? 'FAIL' : 'PASS'} (${gating(r)}): ${s('forward')}; ${s('rollback')}`;
}

export function renderTableReport(r: OpenapiReport): string {
  const head = `${r.base} → ${r.revision}\n`;
  if (r.findings.length === 0) return `${head}no changes found\n${summaryLine(r)}\n`;
  const rows = r.findings.map((f) => [f.direction, f.level, f.id, operation(f), f.text]);
  return head + renderTable(['direction', 'level', 'id', 'operation', 'change'], rows) + summaryLine(r) + '\n';
}

export function renderMarkdown(r: OpenapiReport): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  const out = [`## API contract: ${esc(r.base)} → ${esc(r.revision)}`, '', `**${r.result === 'fail' ? 'FAIL' : 'PASS'}** (${gating(r)})`, ''];
  for (const d of ['forward', 'rollback'] as Direction[]) {
    const list = r.findings.filter((f) => f.direction === d);
    out.push(`### ${DIRECTION_TEXT[d]}`, '');
    if (!list.length) {
      out.push('No changes.', '');
      continue;
    }
    out.push('| level | id | operation | change |', '| --- | --- | --- | --- |');
    for (const f of list) out.push(`| ${f.level} | \`${f.id}\` | ${esc(operation(f))} | ${esc(f.text)} |`);
    out.push('');
  }
  return out.join('\n');
}

/** One test suite per direction, one test case per finding; blocking findings are failures. */
export function renderJunit(r: OpenapiReport): string {
  const suites = (['forward', 'rollback'] as Direction[]).map((d) => ({
    name: `openapi ${d}`,
    cases: r.findings
      .filter((f) => f.direction === d)
      .map((f) => ({
        classname: `openapi.${d}.${f.id}`,
        name: `${operation(f)} ${f.text}`,
        ...(f.blocking ? { failure: { type: f.id, message: `${f.level} ${f.id}`, body: `${f.level} ${f.id} at ${f.location}: ${f.text}` } } : {}),
      })),
  }));
  return junitXml('shipgate verify openapi', suites) + '\n';
}
