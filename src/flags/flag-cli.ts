import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { stringify } from 'yaml';
import type { CliContext } from '../cli/context';
import { parseFormat } from '../cli/context';
import { CliError, EXIT } from '../cli/exit-codes';
import { importUnleash } from './unleash-import';
import type { FlagSummary } from './flag-service';
import type { FlagSchedule } from './flag-state-store';
import type { StaleEntry } from './stale-report';
import { parseSteps, type FlagRolloutRun } from './flag-rollout-plan';

const OUTPUT_HELP = 'table | json | yaml';
const iso = (ms: number | null | undefined) => (ms ? new Date(ms).toISOString() : '');

function summaryRow(f: FlagSummary): unknown[] {
  return [f.name, f.key, f.type, f.killed ? 'KILLED' : f.enabled ? 'on' : 'off', f.percentage ?? '', f.rules, f.evaluations];
}
const SUMMARY_HEADERS = ['name', 'key', 'type', 'state', 'percentage', 'rules', 'evaluations'];

/** `shipgate flag …` and `shipgate import unleash`. */
export function flagCommands(program: Command, cli: CliContext): void {
  const flag = program.command('flag').description('feature flags: list, show, kill switch, enable/disable, scheduled changes, stale report');
  const enc = encodeURIComponent;

  flag
    .command('list')
    .description('flags and their state in an environment')
    .requiredOption('--env <environment>', 'environment')
    .option('-o, --output <format>', OUTPUT_HELP, 'table')
    .action(async (o: { env: string; output: string }) => {
      const r = await cli.api().get<{ items: FlagSummary[] }>('/api/v1/flags', { env: o.env });
      cli.print(r.items, o.output, () => ({ headers: SUMMARY_HEADERS, rows: r.items.map(summaryRow) }));
    });

  flag
    .command('show')
    .description('one flag: state, schedules and evaluation counts in an environment')
    .argument('<flag>', 'flag name or key')
    .requiredOption('--env <environment>', 'environment')
    .option('-o, --output <format>', OUTPUT_HELP, 'table')
    .action(async (ref: string, o: { env: string; output: string }) => {
      const r = await cli
        .api()
        .get<FlagSummary & { schedules: FlagSchedule[]; evaluations: Array<{ variant: string; count: number }> }>(`/api/v1/flags/${enc(ref)}`, { env: o.env });
      cli.print(r, o.output, () => ({
        headers: ['field', 'value'],
        rows: [
          ...SUMMARY_HEADERS.map((h, i) => [h, summaryRow(r)[i]]),
          ['killed at', iso(r.killedAtMs)],
          ...r.schedules.map((s) => [`schedule ${s.id}`, `${iso(s.atMs)} ${s.action}${s.percentage !== null ? ` ${s.percentage}%` : ''} (${s.status})`]),
          ...r.evaluations.map((e) => [`evaluations ${e.variant}`, e.count]),
        ],
      }));
    });

  const stateCommand = (action: 'kill' | 'enable' | 'disable', description: string) =>
    flag
      .command(action)
      .description(description)
      .argument('<flag>', 'flag name or key')
      .requiredOption('--env <environment>', 'environment')
      .option('--reason <text>', 'why (kept in the audit log)')
      .option('-o, --output <format>', OUTPUT_HELP, 'table')
      .action(async (ref: string, o: { env: string; reason?: string; output: string }) => {
        const r = await cli.api().post<{ flag: string; environment: string; enabled: boolean }>(`/api/v1/flags/${enc(ref)}/${action}`, {
          env: o.env,
          ...(o.reason ? { reason: o.reason } : {}),
        });
        if (parseFormat(o.output, ['table', 'json', 'yaml']) === 'table') {
          cli.out(
            `${r.flag} in ${r.environment}: ${action === 'kill' ? 'killed (every evaluation serves the default variant)' : r.enabled ? 'enabled' : 'disabled'}`,
          );
        } else cli.print(r, o.output, () => ({ headers: [], rows: [] }));
      });
  stateCommand('kill', 'kill switch: disable the flag in the environment at once (on-call and deployers; always audited)');
  stateCommand('enable', 'enable the flag in the environment (clears a kill)');
  stateCommand('disable', 'disable the flag in the environment');

  flag
    .command('schedule')
    .description('schedule a change: enable, disable or set the rollout percentage at a time')
    .argument('<flag>', 'flag name or key')
    .requiredOption('--env <environment>', 'environment')
    .requiredOption('--at <time>', 'ISO-8601 time, e.g. 2026-12-01T09:00:00Z')
    .option('--enable', 'enable the flag at that time')
    .option('--disable', 'disable the flag at that time')
    .option('--percentage <n>', 'set the rollout percentage (0-100) at that time')
    .option('-o, --output <format>', OUTPUT_HELP, 'table')
    .action(async (ref: string, o: { env: string; at: string; enable?: boolean; disable?: boolean; percentage?: string; output: string }) => {
      const chosen = [o.enable && 'enable', o.disable && 'disable', o.percentage !== undefined && 'percentage'].filter(Boolean) as string[];
      if (chosen.length !== 1) throw new CliError(EXIT.USAGE, 'give exactly one of --enable, --disable, --percentage N');
      const percentage = o.percentage !== undefined ? Number(o.percentage) : undefined;
      if (percentage !== undefined && !(percentage >= 0 && percentage <= 100)) throw new CliError(EXIT.USAGE, '--percentage must be a number from 0 to 100');
      const s = await cli.api().post<FlagSchedule>(`/api/v1/flags/${enc(ref)}/schedules`, {
        env: o.env,
        at: o.at,
        action: chosen[0],
        ...(percentage !== undefined ? { percentage } : {}),
      });
      cli.print(s, o.output, () => ({
        headers: ['id', 'flag', 'environment', 'at', 'action', 'percentage'],
        rows: [[s.id, s.flag, s.environment, iso(s.atMs), s.action, s.percentage ?? '']],
      }));
    });

  flag
    .command('stale')
    .description("flags past their type's expected lifetime, fully rolled out and unchanged, or never evaluated")
    .requiredOption('--env <environment>', 'environment')
    .option('--unchanged-days <n>', 'fully rolled out and unchanged for this many days (default 14)')
    .option('--grace-days <n>', 'do not report flags younger than this as never evaluated (default 7)')
    .option('-o, --output <format>', OUTPUT_HELP, 'table')
    .action(async (o: { env: string; unchangedDays?: string; graceDays?: string; output: string }) => {
      const r = await cli
        .api()
        .get<{ items: StaleEntry[] }>('/api/v1/flag-reports/stale', { env: o.env, unchangedDays: o.unchangedDays, graceDays: o.graceDays });
      cli.print(r.items, o.output, () => ({
        headers: ['name', 'key', 'type', 'age (days)', 'reasons'],
        rows: r.items.map((s) => [s.name, s.key, s.type, s.ageDays, s.reasons.join(', ')]),
      }));
    });

  flag
    .command('rollout')
    .description('guarded rollout: raise the percentage step by step while the analysis judges treatment vs control users; kills the flag on a regression')
    .argument('<flag>', 'flag name or key')
    .requiredOption('--env <environment>', 'environment')
    .requiredOption('--steps <list>', 'rising percentages, e.g. 1,5,25,50,100')
    .requiredOption('--interval <duration>', 'how long each step lasts, e.g. 5m')
    .requiredOption(
      '--analysis <template>',
      'AnalysisTemplate that judges each interval (sequential settings; error rate from the flag_requests / flag_errors series)',
    )
    .option('-o, --output <format>', OUTPUT_HELP, 'table')
    .action(async (ref: string, o: { env: string; steps: string; interval: string; analysis: string; output: string }) => {
      const steps = parseSteps(o.steps);
      if (typeof steps === 'string') throw new CliError(EXIT.USAGE, `--steps: ${steps}`);
      const r = await cli.api().post<FlagRolloutRun>(`/api/v1/flags/${enc(ref)}/rollouts`, { env: o.env, steps, interval: o.interval, analysis: o.analysis });
      cli.print(r, o.output, () => ({
        headers: ['id', 'flag', 'environment', 'steps', 'status'],
        rows: [[r.id, r.flag, r.environment, r.steps.join(','), r.status]],
      }));
    });

  flag
    .command('rollouts')
    .description('guarded rollouts of a flag in an environment')
    .argument('<flag>', 'flag name or key')
    .requiredOption('--env <environment>', 'environment')
    .option('-o, --output <format>', OUTPUT_HELP, 'table')
    .action(async (ref: string, o: { env: string; output: string }) => {
      const r = await cli.api().get<{ items: FlagRolloutRun[] }>(`/api/v1/flags/${enc(ref)}/rollouts`, { env: o.env });
      cli.print(r.items, o.output, () => ({
        headers: ['id', 'status', 'step', 'percentage', 'reason'],
        rows: r.items.map((x) => [x.id, x.status, `${x.stepIndex + 1}/${x.steps.length}`, x.steps[x.stepIndex], x.reason]),
      }));
    });

  const existingImport = program.commands.find((c) => c.name() === 'import');
  const imp = existingImport ?? program.command('import').description('import resources from other tools');
  imp
    .command('unleash')
    .description('convert an Unleash client API feature export (GET /api/client/features) into FeatureFlag and Segment resources and apply them')
    .argument('<file>', 'JSON file (a client-specification file\'s "state" is accepted too)')
    .requiredOption('--env <environment>', 'Shipgate environment the Unleash export describes')
    .option('--service <service>', 'catalog service the flags belong to (metadata.labels.service; required for flags on in production)')
    .option('--dry-run', 'print the manifests as YAML instead of applying them (no server needed)')
    .option('-o, --output <format>', 'table | json', 'table')
    .action(async (file: string, o: { env: string; service?: string; dryRun?: boolean; output: string }) => {
      let doc: unknown;
      try {
        doc = JSON.parse(readFileSync(cli.path(file), 'utf8'));
      } catch (e) {
        throw new CliError(EXIT.USAGE, `cannot read ${file}: ${(e as Error).message}`);
      }
      const state = doc && typeof doc === 'object' && 'state' in doc && !('features' in doc) ? (doc as { state: unknown }).state : doc;
      const out = importUnleash(state, o.env);
      if (o.service) for (const f of out.flags) f.metadata.labels = { ...f.metadata.labels, service: o.service };
      for (const w of out.warnings) cli.err(`warning: ${w}`);
      const yaml = [...out.segments, ...out.flags].map((m) => stringify(m)).join('---\n');
      if (o.dryRun) {
        cli.out(yaml.trimEnd());
        return;
      }
      const { results } = await cli
        .api()
        .post<{ results: Array<{ kind: string; name: string; action: string }> }>('/api/v1/apply', { files: [{ name: file, content: yaml }] });
      cli.print(results, o.output, () => ({ headers: ['kind', 'name', 'result'], rows: results.map((r) => [r.kind, r.name, r.action]) }));
    });
}
