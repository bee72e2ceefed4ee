/** `shipgate analysis show|list|export|replay`. Replay works offline, without a server. */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { parseFormat, type CliContext } from '../cli/context';
import { CliError, EXIT } from '../cli/exit-codes';
import { InputError } from '../core/errors';
import { parseYamlValue } from '../core/manifest';
import type { IntervalRecord } from './analysis-run';
import { analysisTemplateSpecSchema, JUDGES, type AnalysisTemplateSpec, type JudgeName } from './analysis-template';
import { parseReplayLines, replayRun, type ReplayResult } from './replay';

const OUTPUT_HELP = 'table | json | yaml';

const fmt = (v: number | null | undefined): string => {
  if (v === null || v === undefined || Number.isNaN(v)) return '-';
  if (!Number.isFinite(v)) return v > 0 ? '∞' : '-∞';
  if (v !== 0 && (Math.abs(v) >= 1e5 || Math.abs(v) < 1e-3)) return v.toExponential(2);
  return String(Math.round(v * 1000) / 1000);
};

/** One line per interval: inputs, the key statistic and the verdict. */
export function intervalRows(records: IntervalRecord[]): { headers: string[]; rows: unknown[][] } {
  return {
    headers: ['#', 'VERDICT', 'CANARY REQ/ERR', 'BASELINE REQ/ERR', 'STATISTICS', 'REASON'],
    rows: records.map((r) => [
      r.index,
      r.verdict,
      `${r.inputs.canary.requests}/${r.inputs.canary.errors}`,
      `${r.inputs.baseline.requests}/${r.inputs.baseline.errors}`,
      statistics(r),
      r.reason.length > 120 ? `${r.reason.slice(0, 117)}…` : r.reason,
    ]),
  };
}

function statistics(r: IntervalRecord): string {
  if (r.sequential) {
    return r.sequential.tests
      .map(
        (t) =>
          `${t.metric}: fail e ${fmt(t.failEValue)}/${fmt(t.failThreshold)}, pass e ${fmt(t.passEValue)}/${fmt(t.passThreshold)}, OR ${fmt(t.oddsRatio.estimate)} [${fmt(t.oddsRatio.lower)}, ${fmt(t.oddsRatio.upper)}]`,
      )
      .join('; ');
  }
  if (r.kayenta) return `score ${r.kayenta.score}: ${r.kayenta.metrics.map((m) => `${m.name} ${m.classification}`).join(', ')}`;
  if (r.threshold) return r.threshold.map((m) => `${m.metric}=${fmt(m.result)} (baseline ${fmt(m.baseline)}) ${m.phase}`).join('; ');
  return '-';
}

/** Reads an AnalysisTemplate manifest (YAML or JSON) or a bare spec. */
export function readTemplateFile(text: string, file: string): AnalysisTemplateSpec {
  // Bounded like every manifest: an alias bomb or 64-deep nesting is an InputError naming the file.
  const doc = parseYamlValue(text, file);
  const isManifest = typeof doc === 'object' && doc !== null && 'spec' in doc;
  const spec = isManifest ? (doc as { spec: unknown }).spec : (doc ?? {});
  const r = analysisTemplateSpecSchema.safeParse(spec);
  if (!r.success) {
    throw new InputError(
      `${file}: invalid AnalysisTemplate`,
      r.error.issues.map((i) => ({ path: [...(isManifest ? ['spec'] : []), ...i.path.map(String)].join('.'), message: i.message, file })),
    );
  }
  return r.data;
}

const EXIT_OF = { pass: EXIT.OK, fail: EXIT.NO, inconclusive: EXIT.UNDECIDED } as const;

export function analysisCommands(program: Command, cli: CliContext): void {
  const analysis = program.command('analysis').description('canary analysis runs: show, export, and replay recorded runs offline');

  analysis
    .command('list')
    .description('recent analysis runs')
    .option('--service <service>', 'only this service')
    .option('-o, --output <format>', OUTPUT_HELP, 'table')
    .action(async (o: { service?: string; output: string }) => {
      const r = await cli
        .api()
        .get<{ runs: { id: string; template: string; service: string; judge: string; verdict: string | null; intervals: number; reason: string }[] }>(
          '/api/v1/analysis/runs',
          { service: o.service },
        );
      cli.print(r, o.output, () => ({
        headers: ['RUN', 'TEMPLATE', 'SERVICE', 'JUDGE', 'INTERVALS', 'VERDICT', 'REASON'],
        rows: r.runs.map((x) => [x.id, x.template, x.service, x.judge, x.intervals, x.verdict ?? 'running', x.reason]),
      }));
    });

  analysis
    .command('show')
    .description('an analysis run, interval by interval, from raw numbers to verdict')
    .argument('<run>', 'analysis run id (rollout run id + "." + step index)')
    .option('-o, --output <format>', OUTPUT_HELP, 'table')
    .action(async (id: string, o: { output: string }) => {
      const r = await cli.api().get<{
        run: {
          id: string;
          template: string;
          judge: string;
          service: string;
          environment: string;
          baselineVersion: string;
          canaryVersion: string;
          verdict: string | null;
          reason: string;
        };
        intervals: IntervalRecord[];
      }>(`/api/v1/analysis/runs/${encodeURIComponent(id)}`);
      if (parseFormat(o.output, ['table', 'json', 'yaml']) === 'table') {
        const run = r.run;
        cli.out(
          `analysis run ${run.id}: template ${run.template}, judge ${run.judge}, ${run.service} in ${run.environment}, canary ${run.canaryVersion} vs baseline ${run.baselineVersion}`,
        );
        cli.out(`verdict: ${run.verdict ?? 'running'} (${run.reason})`);
      }
      cli.print(r, o.output, () => intervalRows(r.intervals));
    });

  analysis
    .command('export')
    .description('a stored run in the replay format (JSON Lines), to stdout')
    .argument('<run>', 'analysis run id')
    .action(async (id: string) => {
      const r = await cli.api().get<unknown>(`/api/v1/analysis/runs/${encodeURIComponent(id)}/export`);
      // A one-line export parses as JSON in the client; print it back as one line.
      cli.out(typeof r === 'string' ? r : JSON.stringify(r));
    });

  analysis
    .command('replay')
    .description('re-judge a recorded or synthetic run offline; exit 0 pass, 1 fail, 4 inconclusive, 2 bad input')
    .argument('<file>', 'JSON Lines: {"t": s, "baseline": {"requests", "errors", "latencyMs": []}, "canary": {…}} per interval')
    .option('--judge <judge>', JUDGES.join(' | '))
    .option('--template <file>', 'AnalysisTemplate (YAML or JSON) with the judge settings, interval and durations')
    .option('-o, --output <format>', OUTPUT_HELP, 'table')
    .action((file: string, o: { judge?: string; template?: string; output: string }) => {
      if (o.judge !== undefined && !(JUDGES as readonly string[]).includes(o.judge))
        throw new CliError(EXIT.USAGE, `--judge must be one of ${JUDGES.join(', ')}`);
      const read = (p: string) => {
        try {
          return readFileSync(cli.path(p), 'utf8');
        } catch (e) {
          throw new CliError(EXIT.USAGE, `cannot read ${p}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
        }
      };
      let spec = o.template ? readTemplateFile(read(o.template), o.template) : analysisTemplateSpecSchema.parse({});
      if (o.judge) spec = { ...spec, judge: o.judge as JudgeName };
      const result: ReplayResult = replayRun(spec, parseReplayLines(read(file), file));
      if (parseFormat(o.output, ['table', 'json', 'yaml']) === 'table') {
        cli.print(result, o.output, () => intervalRows(result.intervals));
        cli.out(`verdict: ${result.verdict}${result.decidedAt === null ? '' : ` at interval ${result.decidedAt}`} (${result.judge}): ${result.reason}`);
      } else cli.print(result, o.output, () => ({ headers: [], rows: [] }));
      cli.fail(EXIT_OF[result.verdict]);
    });
}
