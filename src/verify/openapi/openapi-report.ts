/** The report of `shipgate verify openapi` in its four shapes: table, JSON, JUnit XML, Markdown. Pure. */
import { renderTable } from '../../cli/table';
import { LEVEL_RANK, type Direction, type Finding, type Level } from './checks';

export interface OpenapiReport {
  base: string;
  revision: string;
  /** Findings at or above this level fail the verification. */
  failOn: Level;
  result: 'pass' | 'fail';
  summary: Record<Direction, Record<Level, number>>;
  findings: (Finding & { blocking: boolean })[];
}

export function buildReport(base: string, revision: string, findings: Finding[], failOn: Level): OpenapiReport {
  const summary: OpenapiReport['summary'] = { forward: { ERR: 0, WARN: 0, INFO: 0 }, rollback: { ERR: 0, WARN: 0, INFO: 0 } };
  const list = findings.map((f) => {
    summary[f.direction][f.level]++;
    return { ...f, blocking: LEVEL_RANK[f.level] >= LEVEL_RANK[failOn] };
  });
  return { base, revision, failOn, result: list.some((f) => f.blocking) ? 'fail' : 'pass', summary, findings: list };
}

const operation = (f: Finding) => (f.method ? `${f.method} ${f.path}` : 'components');
const DIRECTION_TEXT: Record<Direction, string> = { forward: 'forward (breaks consumers of the revision)', rollback: 'rollback (breaks clients of the revision if rolled back)' };

function summaryLine(r: OpenapiReport): string {
  const s = (d: Direction) => `${d}: ${r.summary[d].ERR} error, ${r.summary[d].WARN} warning, ${r.summary[d].INFO} info`;
  return `${r.result === 'fail' ? 'FAIL' : 'PASS'} (fail on ${r.failOn}): ${s('forward')}; ${s('rollback')}`;
}

export function renderTableReport(r: OpenapiReport): string {
  const head = `${r.base} → ${r.revision}\n`;
  if (r.findings.length === 0) return `${head}no changes found\n${summaryLine(r)}\n`;
  const rows = r.findings.map((f) => [f.direction, f.level, f.id, operation(f), f.text]);
  return head + renderTable(['direction', 'level', 'id', 'operation', 'change'], rows) + summaryLine(r) + '\n';
}

export function renderMarkdown(r: OpenapiReport): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  const out = [`## API contract: ${esc(r.base)} → ${esc(r.revision)}`, '', `**${r.result === 'fail' ? 'FAIL' : 'PASS'}** (fail on ${r.failOn})`, ''];
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

const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** One test suite per direction, one test case per finding; blocking findings are failures. */
export function renderJunit(r: OpenapiReport): string {
  const suites = (['forward', 'rollback'] as Direction[]).map((d) => {
    const list = r.findings.filter((f) => f.direction === d);
    const failures = list.filter((f) => f.blocking).length;
    const cases = list.map((f) => {
      const name = xml(`${operation(f)} ${f.text}`);
      const body = f.blocking ? `<failure type="${f.id}" message="${xml(`${f.level} ${f.id}`)}">${xml(`${f.level} ${f.id} at ${f.location}: ${f.text}`)}</failure>` : '';
      return `    <testcase classname="${xml(`openapi.${d}.${f.id}`)}" name="${name}">${body}</testcase>`;
    });
    return [`  <testsuite name="openapi ${d}" tests="${list.length}" failures="${failures}">`, ...cases, '  </testsuite>'].join('\n');
  });
  const total = r.findings.length;
  const failed = r.findings.filter((f) => f.blocking).length;
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="shipgate verify openapi" tests="${total}" failures="${failed}">\n${suites.join('\n')}\n</testsuites>\n`;
}
