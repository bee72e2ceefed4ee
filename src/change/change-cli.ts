import { parseSets } from '../cli/sets';
import type { Command } from 'commander';
import type { CliContext } from '../cli/context';
import { parseFormat } from '../cli/context';
import { CliError, EXIT } from '../cli/exit-codes';
import { renderTable } from '../cli/table';
import type { ChangeView } from './change-view';
import type { ChangeRequest } from './change-store';
import { CHANGE_OUTCOMES, CHANGE_TYPES } from './change-state-machine';
import { CHANGE_KINDS } from './risk-points';

const OUTPUT_HELP = 'table | json | yaml';
const iso = (ms: number | null | undefined) =>
  ms === null || ms === undefined
    ? '-'
    : new Date(ms)
        .toISOString()
        .replace(/:00\.000Z$/, 'Z')
        .replace(/\.000Z$/, 'Z');
const pct = (x: number | undefined) => (x === undefined ? '-' : `${(x * 100).toFixed(1)}%`);

/** Human text for one change request: summary lines, then each risk factor and its points. */
export function showText(v: ChangeView): string {
  const lines: string[] = [];
  lines.push(`${v.id}  ${v.title}`);
  lines.push(`state: ${v.state}   type: ${v.type}   kind: ${v.kind}${v.irreversible ? ' (irreversible)' : ''}`);
  lines.push(`service: ${v.service}   environment: ${v.environment} (${v.environmentKind})${v.version ? `   version: ${v.version}` : ''}`);
  lines.push(`author: ${v.author}   on-call: ${v.oncall ?? '-'}   implementer: ${v.implementer ?? '-'}`);
  lines.push(`rollback plan: ${v.rollbackPlan ?? '(none)'}`);
  lines.push(`scheduled: ${iso(v.scheduledStartMs)}${v.scheduledEndMs ? ` – ${iso(v.scheduledEndMs)}` : ''}`);
  if (v.risk) {
    const b = v.risk.blended;
    lines.push(
      `risk: ${v.risk.level} (${v.risk.points} points)` +
        (b
          ? `   failure probability ${pct(b.probability)} (points ${pct(b.pointsProbability)}${b.learnedProbability !== undefined ? `, learned ${pct(b.learnedProbability)} at weight ${b.learnedWeight.toFixed(2)}` : ''})`
          : ''),
    );
  }
  if (v.approvalStatus) {
    for (const r of v.approvalStatus.requirements) {
      lines.push(
        `approval (${r.stage}): ${r.count} from ${r.group ?? 'peers'} — ${r.met ? 'met' : 'open'} [${r.approvers.join(', ') || 'none yet'}] (${r.source})`,
      );
    }
  }
  for (const a of v.approvals)
    lines.push(`  ${a.decision === 'approve' ? 'approved' : 'rejected'} by ${a.user} at ${iso(a.atMs)}${a.comment ? `: ${a.comment}` : ''}`);
  const ver = v.verifications ?? { required: [], latest: [] };
  for (const k of ver.required)
    if (!ver.latest.some((e) => e.kind === k)) lines.push(`verification ${k}: required, none recorded for ${v.version ?? 'this revision'}`);
  for (const e of ver.latest) {
    lines.push(
      `verification ${e.kind}: ${e.verdict}${ver.required.includes(e.kind) ? ' (required)' : ''}${e.irreversible ? ', irreversible' : ''} — ${e.summary} (${e.evidenceId}, ${e.recordedBy} at ${iso(e.recordedAtMs)})`,
    );
  }
  for (const c of v.conflicts) lines.push(`conflict (${c.kind}${c.blocking ? ', blocking' : ''}): ${c.message}`);
  if (v.outcome) lines.push(`outcome: ${v.outcome} at ${iso(v.completedAtMs)}`);
  for (const r of v.reviewReasons) lines.push(`review required: ${r}`);
  if (v.reviewDueAtMs) lines.push(`retrospective review due: ${iso(v.reviewDueAtMs)}${v.reviewOverdue ? '  OVERDUE' : ''}`);
  for (const r of v.reviews) lines.push(`${r.kind} review by ${r.user} at ${iso(r.atMs)}${r.late ? ' (late)' : ''}: ${r.summary}`);
  let text = lines.join('\n') + '\n';
  if (v.risk)
    text +=
      '\n' +
      renderTable(
        ['factor', 'points', 'detail'],
        v.risk.factors.map((f) => [f.id, f.points, f.detail]),
      );
  return text;
}

function listRows(items: (ChangeRequest & { reviewOverdue?: boolean })[]) {
  return {
    headers: ['id', 'state', 'type', 'service', 'env', 'risk', 'scheduled', 'author', 'title'],
    rows: items.map((c) => [
      c.id,
      c.state + (c.reviewOverdue ? ' (review overdue)' : ''),
      c.type,
      c.service,
      c.environment,
      c.risk ? `${c.risk.level}/${c.risk.points}` : '-',
      iso(c.scheduledStartMs),
      c.author,
      c.title,
    ]),
  };
}

/** `shipgate change …`: change requests through their life. */
export function changeCommands(program: Command, cli: CliContext): void {
  const change = program
    .command('change')
    .description('change requests: create, submit, approve, schedule, implement, complete, review (types standard, normal, emergency)');
  const p = (id: string) => `/api/v1/changes/${encodeURIComponent(id)}`;

  const printView = (v: ChangeView, output: string | undefined) => {
    const f = parseFormat(output, ['table', 'json', 'yaml']);
    if (f === 'table') cli.out(showText(v));
    else cli.print(v, f, () => ({ headers: [], rows: [] }));
  };
  const act = (name: string, description: string, build: (c: Command) => Command, body: (o: Record<string, unknown>) => unknown) => {
    build(change.command(name).description(description).argument('<id>', 'change request id, e.g. CHG-000001'))
      .option('-o, --output <format>', OUTPUT_HELP, 'table')
      .action(async (id: string, o: Record<string, unknown>) => {
        const v = await cli.api().post<ChangeView>(`${p(id)}/${name}`, body(o));
        printView(v, o.output as string);
      });
  };

  change
    .command('create')
    .description('create a change request; its risk is assessed at once')
    .requiredOption('--service <service>', 'service name (from the catalog)')
    .requiredOption('--env <environment>', 'environment name')
    .requiredOption('--type <type>', CHANGE_TYPES.join(' | '))
    .requiredOption('--title <text>', 'what the change does')
    .option('--kind <kind>', CHANGE_KINDS.join(' | '), 'code')
    .option('--description <text>', 'longer description')
    .option('--rollback-plan <text>', 'how to undo it (required to approve high and critical changes)')
    .option('--oncall <user>', 'on-call engineer for the change (required to approve high and critical changes)')
    .option('--irreversible', 'cannot be rolled back (e.g. a destructive data migration): needs two approvers')
    .option('--lines <n>', 'lines changed')
    .option('--version <revision>', 'version the change ships: the approval covers exactly this version, artifact and config')
    .option('--artifact <ref>', "artifact reference the release will name (default: the target's own)")
    .option('--set <KEY=VALUE...>', 'config changes the release will make (the approval covers the resulting config)')
    .option('--template <name>', 'StandardChangeTemplate a standard change comes from (required with --type standard)')
    .option('--reason <text>', 'why an emergency change cannot wait (required with --type emergency; on-call only)')
    .option('--scheduled-for <time>', 'planned start: ISO-8601 with a zone, a date, or +2h')
    .option('--scheduled-until <time>', 'planned end (default: one hour after the start)')
    .option('-o, --output <format>', OUTPUT_HELP, 'table')
    .action(async (o: Record<string, string | boolean | undefined>) => {
      if (!CHANGE_TYPES.includes(o.type as never)) throw new CliError(EXIT.USAGE, `--type must be one of ${CHANGE_TYPES.join(', ')}`);
      let lines: number | undefined;
      if (o.lines !== undefined) {
        lines = Number(o.lines);
        if (!Number.isInteger(lines) || lines < 0) throw new CliError(EXIT.USAGE, '--lines must be a whole number');
      }
      const v = await cli.api().post<ChangeView>('/api/v1/changes', {
        service: o.service,
        environment: o.env,
        type: o.type,
        title: o.title,
        kind: o.kind,
        description: o.description,
        rollbackPlan: o.rollbackPlan,
        oncall: o.oncall,
        irreversible: o.irreversible === true ? true : undefined,
        linesChanged: lines,
        version: o.version,
        artifact: o.artifact,
        set: setsOf(o.set as unknown as string[] | undefined),
        template: o.template,
        emergencyReason: o.reason,
        scheduledStart: o.scheduledFor,
        scheduledEnd: o.scheduledUntil,
      });
      printView(v, o.output as string);
    });

  change
    .command('list')
    .description('change requests, newest first')
    .option('--service <service>', 'only this service')
    .option('--env <environment>', 'only this environment')
    .option('--state <state>', 'only this state (new, assess, authorize, scheduled, implement, review, closed, canceled)')
    .option('--limit <n>', 'at most this many', '100')
    .option('-o, --output <format>', OUTPUT_HELP, 'table')
    .action(async (o: { service?: string; env?: string; state?: string; limit: string; output: string }) => {
      const r = await cli.api().get<{ items: (ChangeRequest & { reviewOverdue: boolean })[] }>('/api/v1/changes', {
        service: o.service,
        environment: o.env,
        state: o.state,
        limit: o.limit,
      });
      cli.print(r.items, o.output, () => listRows(r.items));
    });

  change
    .command('show')
    .description('one change request: state, approvals, conflicts, reviews, and each risk factor with its points')
    .argument('<id>', 'change request id')
    .option('-o, --output <format>', OUTPUT_HELP, 'table')
    .action(async (id: string, o: { output: string }) => printView(await cli.api().get<ChangeView>(p(id)), o.output));

  act(
    'submit',
    'submit for assessment (standard changes go straight to scheduled)',
    (c) => c,
    () => undefined,
  );
  act(
    'approve',
    'approve (the author cannot; an irreversible change needs two approvers)',
    (c) => c.option('--comment <text>', 'why'),
    (o) => ({ comment: o.comment }),
  );
  act(
    'reject',
    'reject: the change goes back to new and its approvals are cleared',
    (c) => c.option('--comment <text>', 'why'),
    (o) => ({ comment: o.comment }),
  );
  act(
    'schedule',
    'plan the change slot; conflicts with freezes, maintenance windows, other changes and on-call are reported',
    (c) =>
      c
        .requiredOption('--start <time>', 'planned start: ISO-8601 with a zone, a date, or +2h')
        .option('--end <time>', 'planned end (default: one hour after the start)'),
    (o) => ({ start: o.start, end: o.end }),
  );
  act(
    'implement',
    'start implementing (refused inside a freeze unless emergency; an approver needs a compensating review)',
    (c) => c,
    () => undefined,
  );
  act(
    'complete',
    'end implementation with an outcome; failed, rolled back, emergency or >20% error budget spent require a review',
    (c) =>
      c
        .requiredOption('--outcome <outcome>', CHANGE_OUTCOMES.join(' | '))
        .option('--budget-consumed <fraction>', 'share of the error budget the change consumed (0..1), when known'),
    (o) => {
      if (!CHANGE_OUTCOMES.includes(o.outcome as never)) throw new CliError(EXIT.USAGE, `--outcome must be one of ${CHANGE_OUTCOMES.join(', ')}`);
      const consumed = o.budgetConsumed === undefined ? undefined : Number(o.budgetConsumed);
      if (consumed !== undefined && !Number.isFinite(consumed)) throw new CliError(EXIT.USAGE, '--budget-consumed must be a number such as 0.25');
      return { outcome: o.outcome, budgetConsumedFraction: consumed };
    },
  );
  act(
    'review',
    'record the post-implementation review (closes the change), or with --compensating a review by a third person that lets an approver implement',
    (c) => c.requiredOption('--summary <text>', 'what was learned or checked').option('--compensating', 'a compensating review before implementation'),
    (o) => ({ summary: o.summary, compensating: o.compensating === true ? true : undefined }),
  );
  act(
    'cancel',
    'cancel a change request not yet implemented',
    (c) => c.option('--reason <text>', 'why'),
    (o) => ({ reason: o.reason }),
  );
}

/** `--set KEY=VALUE` pairs as a map; a malformed pair is a usage error naming it. */
function setsOf(args: string[] | undefined): Record<string, string> | undefined {
  if (!args?.length) return undefined;
  const r = parseSets(args);
  if ('bad' in r) throw new CliError(EXIT.USAGE, `--set expects KEY=VALUE with KEY an environment variable name; got "${r.bad}"`);
  return r.sets;
}
