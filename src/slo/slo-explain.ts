/**
 * `shipgate slo explain NAME`: how an SLI is computed, from which data, over which window, with
 * which exclusions, how alerts and deploy grace work. Written for an auditor. Pure.
 */
import { alertWindowsFor } from './slo-evaluation';
import { parseDuration } from './duration';
import { humanDurationMs, shorthandDurationMs } from '../core/duration';
import { resolveWindow } from './time-window';
import type { ErrorBudgetPolicySpec } from './error-budget-policy';
import type { MetricQuery, SloModel } from './slo-model';

const UNIT_WORDS: Record<string, string> = { m: 'minute', h: 'hour', d: 'day', w: 'week', M: 'month', Q: 'quarter', Y: 'year', s: 'second' };

function durationWords(text: string): string {
  const d = parseDuration(text);
  return `${d.amount} ${UNIT_WORDS[d.unit]}${d.amount === 1 ? '' : 's'}`;
}

function pct(x: number): string {
  return `${+(x * 100).toFixed(6)}%`;
}

/** Where a query reads from, in words. */
export function describeQuery(q: MetricQuery): string {
  const from = q.dataSource ? ` (DataSource ${q.dataSource})` : '';
  if (q.type === 'shipgate') {
    const labels = Object.entries((q.spec.labels as Record<string, string>) ?? {})
      .map(([k, v]) => `${k}=${v}`)
      .join(', ');
    const extra = q.spec.le !== undefined ? `, answered within ${q.spec.le} ms` : q.spec.quantile !== undefined ? `, quantile ${q.spec.quantile} in ms` : '';
    const what = String(q.spec.series).startsWith('router.') ? 'Shipgate router series' : 'pushed series';
    return `${what} ${q.spec.series}{${labels}}${extra}, from Shipgate's builtin store${from}`;
  }
  if (q.type === 'prometheus') return `Prometheus query \`${String(q.spec.query ?? '').trim()}\`${from}`;
  return `${q.type} source${from}: ${JSON.stringify(q.spec)}`;
}

export function explainSlo(m: SloModel, policies: (ErrorBudgetPolicySpec & { name: string })[] = [], atMs = Date.now()): string {
  const L: string[] = [];
  const win = resolveWindow(m.window, atMs);
  L.push(
    `SLO ${m.name}${m.displayName ? ` ("${m.displayName}")` : ''} of service ${m.service}${m.environment ? ` in ${m.environment}` : ''}; layer: ${m.layer}.`,
  );
  if (m.description) L.push(`Purpose: ${m.description}`);
  L.push('');
  L.push(`Indicator ${m.indicatorName}${m.indicatorDescription ? `: ${m.indicatorDescription}` : ''}`);
  const ind = m.indicator;
  if (ind.kind === 'ratio') {
    if (ind.good) L.push(`- good events: ${describeQuery(ind.good)}`);
    if (ind.bad) L.push(`- bad events: ${describeQuery(ind.bad)}; good = total − bad`);
    L.push(`- all events: ${describeQuery(ind.total)}`);
    L.push(`- SLI = good / total${ind.counter ? ' (sources are cumulative counters, read as increments per minute)' : ' (sources are counts per minute)'}.`);
  } else if (ind.kind === 'raw') {
    L.push(`- a ratio read directly, per minute: ${describeQuery(ind.raw)} (it is the ${ind.rawType === 'success' ? 'good' : 'bad'} fraction).`);
  } else {
    L.push(`- a value per minute: ${describeQuery(ind.metric)}; a minute is good when the value meets the objective's threshold.`);
  }
  L.push(`- Methodology: ${m.methodology ?? 'none declared (annotation shipgate.dev/methodology).'}`);
  L.push(`- Components covered: ${m.components.length ? m.components.join(', ') : 'none declared (annotation shipgate.dev/components).'}`);
  L.push(
    `- Exclusions: ${m.exclusions ?? 'none declared (annotation shipgate.dev/exclusions); every event the source reports counts.'} Minutes without data count neither as good nor as bad.`,
  );
  L.push('');
  if (m.window.isRolling) L.push(`Window: rolling, the last ${durationWords(m.window.duration)} before the moment of evaluation.`);
  else {
    const c = m.window.calendar!;
    L.push(
      `Window: calendar-aligned periods of ${durationWords(m.window.duration)}, starting ${c.startTime} in ${c.timeZone} and repeating in local time (daylight saving included); the current period runs ${new Date(win.fromMs).toISOString()} → ${new Date(win.endMs).toISOString()}.`,
    );
  }
  L.push(`Budgeting method: ${m.budgetingMethod}.`);
  for (const o of m.objectives) {
    const parts = [`Objective "${o.name}": target ${pct(o.target)}`];
    if (ind.kind === 'threshold' && o.op) parts.push(`a minute is good when the value is ${{ lt: '<', lte: '≤', gt: '>', gte: '≥' }[o.op]} ${o.value}`);
    if (m.budgetingMethod === 'Occurrences') parts.push(`every event weighs the same; the error budget is ${pct(1 - o.target)} of the events in the window`);
    if (m.budgetingMethod === 'Timeslices') {
      parts.push(
        `a ${shorthandDurationMs(o.timeSliceWindowMs ?? 60_000)} slice is good when at least ${pct(o.timeSliceTarget ?? 1)} of its events are good; the error budget is ${pct(1 - o.target)} of the window's slices (${humanDurationMs((1 - o.target) * win.periodMs)} of bad time)`,
      );
    }
    if (m.budgetingMethod === 'RatioTimeslices')
      parts.push(
        `the SLI is the mean of the ${shorthandDurationMs(o.timeSliceWindowMs ?? 60_000)} slices' good ratios; each slice spends (1 − its ratio) of a budget of ${pct(1 - o.target)} of the slices with data`,
      );
    L.push(`- ${parts.join('; ')}.`);
  }
  L.push("Burn rate over a window = its error rate / (1 − target): 1 spends exactly the budget over the window; time to exhaustion uses the last hour's burn.");
  L.push('');
  const alerts = alertWindowsFor(m, win.periodMs);
  L.push(
    `Alerts (${m.alertWindows ? "from the SLO's AlertConditions" : 'multi-window, multi-burn-rate defaults of the SRE Workbook, factors as Sloth computes them'}):`,
  );
  for (const a of alerts) {
    L.push(
      `- ${a.severity} "${a.name}": burn rate ${a.op ?? 'gt'} ${+a.burnRate.toFixed(4)} over both ${shorthandDurationMs(a.longWindowMs)} and ${shorthandDurationMs(a.shortWindowMs)}${a.forMs ? `, held for ${shorthandDurationMs(a.forMs)}` : ''}.`,
    );
  }
  if (m.alertsDisabled.length) L.push(`- disabled: ${m.alertsDisabled.join(', ')} alerts.`);
  if (m.notificationTargets.length)
    L.push(`Notifications: ${m.notificationTargets.map((t) => `${t.name} (${t.target}${t.url ? '' : ', no URL: not delivered'})`).join(', ')}.`);
  if (m.deployGrace) {
    L.push(
      `Deploy grace: for ${shorthandDurationMs(m.deployGrace.durationMs)} after a deploy marker of ${m.service}, page alerts wait unless both burn rates reach ${m.deployGrace.overrideFactor}× the page threshold. The error budget still counts every event of that period; only paging is delayed.`,
    );
  } else L.push('Deploy grace: none; page alerts fire right after deploys.');
  L.push('');
  if (policies.length) {
    L.push('Error budget policy:');
    for (const p of policies)
      for (const r of p.rules)
        L.push(
          `- ${p.name}/${r.name}: ${r.action} when ${JSON.stringify(r.when)}; a freeze lets ${p.freezeExemptChangeTypes.join(' and ')} changes through; a release or incident spending more than ${pct(p.postmortemBudgetShare)} of the budget requires a postmortem.`,
        );
  } else {
    L.push(
      'Error budget policy: the default (freeze while the budget is spent, approval while a page alert fires; emergency and security changes pass a freeze; postmortem above 20% of the budget).',
    );
  }
  return L.join('\n');
}
