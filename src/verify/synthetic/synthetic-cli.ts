/**
 * `shipgate verify synthetic CHECK.yaml --target URL`: runs a SyntheticCheck once (in CI, before
 * deployment); `shipgate verify synthetic-runs NAME`: the server's scheduled runs of a stored one.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { parseFormat, type CliContext } from '../../cli/context';
import { CliError, EXIT } from '../../cli/exit-codes';
import { junitXml } from '../../cli/junit';
import { renderTable } from '../../cli/table';
import { EgressPolicy } from '../../egress/egress-policy';
import { recordEvidence, withEvidenceOptions, type EvidenceOptions } from '../evidence-cli';
import { readKindFile } from '../read-manifest';
import { SYNTHETIC_CHECK_KIND, type SyntheticSpec } from './synthetic-spec';
import { failureLine, runSynthetic, type SyntheticResult } from './synthetic-run';
import { egressSend } from './synthetic-send';

const FORMATS = ['table', 'json', 'junit'] as const;

export function syntheticTable(r: SyntheticResult): string {
  const lines = [
    `${r.ok ? 'PASS' : 'FAIL'} ${r.check} against ${r.target}${r.version ? ` (version ${r.version})` : ''} in ${Math.round(r.durationMs)}ms`,
    renderTable(
      ['STEP', 'REQUEST', 'STATUS', 'LATENCY', 'RESULT', 'DETAIL'],
      r.steps.map((s) => {
        const bad = s.assertions.filter((a) => !a.ok);
        return [
          s.name,
          `${s.method} ${s.path}`,
          s.status ?? '-',
          s.outcome === 'skipped' ? '-' : `${Math.round(s.latencyMs)}ms`,
          s.outcome,
          [...bad.map((a) => `${a.assertion}: expected ${a.expected}, got ${a.actual}`), ...(s.error ? [s.error] : [])].join('; ') || '-',
        ];
      }),
    ),
  ];
  const failed = r.steps.find((s) => s.excerpt !== undefined);
  if (failed) lines.push(`response of "${failed.name}" (first 500 characters):`, failed.excerpt!);
  return lines.join('\n');
}

export function syntheticJunit(r: SyntheticResult): string {
  return junitXml('shipgate verify synthetic', [
    {
      name: `${r.check} (${r.target})`,
      timestamp: new Date(r.startedAt),
      properties: { target: r.target, ...(r.version ? { version: r.version } : {}) },
      cases: r.steps.map((s) => ({
        classname: `shipgate.synthetic.${r.check}`,
        name: s.name,
        timeSeconds: s.latencyMs / 1000,
        ...(s.outcome === 'error'
          ? { error: { message: s.error ?? 'no answer' } }
          : s.outcome === 'fail'
            ? {
                failure: {
                  message: failureLine({ ...r, steps: [s] }) ?? 'failed',
                  body: [...s.assertions.filter((a) => !a.ok).map((a) => `${a.assertion}: expected ${a.expected}, got ${a.actual}`), s.excerpt ?? ''].join(
                    '\n',
                  ),
                },
              }
            : s.outcome === 'skipped'
              ? { error: { message: 'skipped: an earlier step failed' } }
              : {}),
      })),
    },
  ]);
}

export function syntheticCommands(verify: Command, cli: CliContext): void {
  withEvidenceOptions(
    verify
      .command('synthetic')
      .description(
        'run a SyntheticCheck once against a target: each step with its assertions, variables passed on; exit 0 every step passes, 1 a step fails, 2 bad input',
      )
      .argument('<check>', 'a SyntheticCheck manifest (YAML or JSON)')
      .requiredOption('--target <url>', 'base URL the steps are relative to, e.g. http://127.0.0.1:8080 or the router')
      .option('-o, --output <format>', FORMATS.join(' | '), 'table'),
  ).action(async (file: string, o: { target: string; output: string } & EvidenceOptions) => {
    const format = parseFormat(o.output, FORMATS);
    if (!/^https?:\/\/[^/]/.test(o.target)) throw new CliError(EXIT.USAGE, `--target: expected an http(s) URL, got "${o.target}"`);
    let text: string;
    try {
      text = readFileSync(cli.path(file), 'utf8');
    } catch (e) {
      throw new CliError(EXIT.USAGE, `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    const check = readKindFile<SyntheticSpec>(cli, text, file, SYNTHETIC_CHECK_KIND);
    const secrets: Record<string, string> = {};
    for (const [name, ref] of Object.entries(check.spec.secrets)) {
      if ('value' in ref) secrets[name] = ref.value;
      else {
        const v = cli.io.env[ref.env];
        if (v === undefined || v === '')
          throw new CliError(EXIT.USAGE, `${file}: spec.secrets.${name} reads the environment variable ${ref.env}, which is not set`);
        secrets[name] = v;
      }
    }
    // From CI the CLI may reach loopback and private addresses; cloud metadata stays refused.
    const policy = EgressPolicy.fromOptions({ allowLoopback: ['synthetic'] });
    const r = await runSynthetic(check.name, check.spec, o.target, { send: egressSend(policy), secrets });
    if (format === 'json') cli.out(JSON.stringify(r, null, 2));
    else if (format === 'junit') cli.out(syntheticJunit(r));
    else cli.out(syntheticTable(r));
    await recordEvidence(cli, 'synthetic', o, { check: text, result: r });
    if (!r.ok) cli.fail(EXIT.NO);
  });

  verify
    .command('synthetic-runs')
    .description("the server's scheduled runs of a stored SyntheticCheck, newest first")
    .argument('<name>')
    .option('--limit <n>', 'at most this many (1-200)', '20')
    .option('-o, --output <format>', 'table | json | yaml', 'table')
    .action(async (name: string, o: { limit: string; output: string }) => {
      const r = await cli.api().get<{ runs: (SyntheticResult & { environment: string })[] }>(`/api/v1/synthetic-checks/${encodeURIComponent(name)}/runs`, {
        limit: o.limit,
      });
      cli.print(r, o.output, () => ({
        headers: ['STARTED', 'ENVIRONMENT', 'VERSION', 'RESULT', 'TOOK', 'FAILURE'],
        rows: r.runs.map((x) => [x.startedAt, x.environment, x.version ?? '-', x.ok ? 'pass' : 'FAIL', `${Math.round(x.durationMs)}ms`, failureLine(x) ?? '-']),
      }));
    });
}
