import type { Command } from 'commander';
import type { CliContext } from '../cli/context';
import { CliError, EXIT } from '../cli/exit-codes';
import { renderTable } from '../cli/table';
import { formatDurationMs, parseDurationMs } from '../core/duration';
import { parseSets } from '../cli/sets';
import type { RunView, StatusView } from './rollout-status';
import type { Deployment } from '../core/hooks';

const collect = (v: string, prev: string[]) => [...prev, v];
const pct = (v: number | null) => (v === null ? '-' : `${(v * 100).toFixed(2)}%`);

/** A person's view of a status: the run, its steps, the versions' live figures. */
export function formatStatus(s: StatusView): string {
  const lines: string[] = [];
  const r = s.run;
  if (r) {
    const arrow = r.fromVersion ? `${r.fromVersion} → ${r.toVersion}` : `${r.toVersion} (first release)`;
    lines.push(`${r.service} in ${r.environment}: ${r.strategy} ${arrow}   run ${r.id}`);
    let phase =
      r.phase +
      (r.pausedBy ? ` (${r.pausedBy === 'step' ? 'waiting for promote' : r.pausedBy === 'user' ? 'paused by a person' : 'analysis inconclusive'})` : '');
    if (r.rollback) phase += ` — ${r.rollback.reason}: ${r.rollback.message}`;
    lines.push(`phase: ${phase}`);
    if (r.lastError) lines.push(`last error: ${r.lastError}`);
    lines.push(
      renderTable(
        ['#', 'STEP', 'STATUS', 'VERDICTS', 'DETAIL'],
        r.steps.map((x) => [
          x.index + 1,
          x.label,
          x.status + (r.step?.index === x.index && r.phase !== 'completed' ? ' ◀' : ''),
          x.verdicts.join(',') || '',
          x.message ?? '',
        ]),
      ).trimEnd(),
    );
  } else lines.push('no release yet');
  if (s.versions.length) {
    lines.push(
      renderTable(
        ['VERSION', 'REVISION', 'ROLE', 'WEIGHT', 'READY', 'RESTARTS', 'REQ/S', 'ERRORS', 'P99'],
        s.versions.map((v) => [
          v.version,
          v.revision,
          v.role,
          v.weightPercent === null ? '-' : `${v.weightPercent}%`,
          `${v.instances.ready}/${v.instances.desired}`,
          v.instances.restarts,
          v.requestsPerSecond ?? '-',
          pct(v.errorRate),
          v.p99Ms === null ? '-' : `${Math.round(v.p99Ms)}ms`,
        ]),
      ).trimEnd(),
    );
  }
  return lines.join('\n');
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Follows a run until it ends; prints each step change; sets the exit code (0 completed, 1 rolled back, 4 timed out). */
async function waitForRun(cli: CliContext, service: string, environment: string, runId: string, timeoutMs: number, json: boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    const s = await cli.api().get<StatusView>(`/api/v1/rollouts/${service}/status`, { environment });
    const r = s.run;
    if (!r || r.id !== runId) throw new CliError(EXIT.UNREACHABLE, `run ${runId} is no longer the latest of ${service} in ${environment}`);
    const line = progressLine(r);
    if (line !== last && !json) cli.out(line);
    last = line;
    if (r.phase === 'completed' || r.phase === 'rolledBack') {
      if (json) cli.out(JSON.stringify(s, null, 2));
      else
        cli.out(
          r.phase === 'completed'
            ? `released ${service} ${r.toVersion} to ${environment}`
            : `rolled back ${service} ${r.toVersion} in ${environment} (${r.rollback?.reason}: ${r.rollback?.message})`,
        );
      if (r.phase === 'rolledBack') cli.fail(EXIT.NO);
      return;
    }
    if (Date.now() > deadline) {
      cli.err(`still ${r.phase} after ${formatDurationMs(timeoutMs)}; follow it with \`shipgate rollout status ${service} --env ${environment} --watch\``);
      cli.fail(EXIT.UNDECIDED);
      return;
    }
    await sleep(300);
  }
}

function progressLine(r: RunView): string {
  const step = r.step ? `step ${r.step.index + 1}/${r.steps.length} ${r.step.label}: ${r.step.status}${r.step.message ? ` — ${r.step.message}` : ''}` : '';
  if (r.phase === 'rollingBack') return `rolling back (${r.rollback?.reason}): ${r.rollback?.stage}`;
  if (r.phase === 'paused') return `paused (${r.pausedBy}) at ${step}`;
  return r.phase === 'progressing' ? step + (r.lastError ? ` (retrying after: ${r.lastError})` : '') : r.phase;
}

function parseTimeout(v: string): number {
  const ms = parseDurationMs(v);
  if (Number.isNaN(ms)) throw new CliError(EXIT.USAGE, `--timeout: expected a duration such as 90s or 10m, got "${v}"`);
  return ms;
}

export function rolloutCommands(program: Command, cli: CliContext): void {
  program
    .command('release')
    .description('release a new revision of a service through its Rollout (exit 0 completed, 1 rolled back with --wait)')
    .argument('<service>')
    .requiredOption('--version <version>', 'version to release (SHIPGATE_VERSION of the instances)')
    .option('--env <environment>', 'environment', 'production')
    .option('--set <KEY=VALUE>', 'config change for the new revision (repeatable; KEY= removes)', collect, [])
    .option('--secret <KEY=VALUE>', 'like --set, but the value is a secret: instances get it, only admins read it back (repeatable)', collect, [])
    .option('--artifact <ref>', "reference for the target command's {artifact} (image, build, file), or approved URLs of a static target")
    .option(
      '--change <id>',
      'change request that authorises this exact revision (default: an open one with the same version, artifact and config, else a new one)',
    )
    .option('--emergency <reason>', 'declare an emergency change (role oncall): passes a budget freeze or a freeze window, pages, and a review is due at once')
    .option('--wait', 'follow the release until it completes or rolls back')
    .option('--timeout <duration>', 'with --wait: give up waiting after this long', '30m')
    .option('-o, --output <format>', 'table | json')
    .action(
      async (
        service: string,
        o: {
          version: string;
          env: string;
          set: string[];
          secret: string[];
          artifact?: string;
          change?: string;
          emergency?: string;
          wait?: boolean;
          timeout: string;
          output?: string;
        },
      ) => {
        const sets = parseSets(o.set);
        if ('bad' in sets) throw new CliError(EXIT.USAGE, `--set "${sets.bad}": expected KEY=VALUE with KEY a variable name`);
        const secrets = parseSets(o.secret);
        if ('bad' in secrets) throw new CliError(EXIT.USAGE, `--secret "${secrets.bad}": expected KEY=VALUE with KEY a variable name`);
        const all: Record<string, string | { secret: true; value: string }> = { ...sets.sets };
        for (const [k, value] of Object.entries(secrets.sets)) all[k] = { secret: true, value };
        const timeoutMs = parseTimeout(o.timeout);
        const res = await cli.api().post<{ run: RunView }>('/api/v1/releases', {
          service,
          environment: o.env,
          version: o.version,
          set: all,
          artifact: o.artifact,
          changeId: o.change,
          emergency: o.emergency,
        });
        const json = o.output === 'json';
        if (!o.wait) {
          if (json) cli.out(JSON.stringify(res, null, 2));
          else
            cli.out(
              `release of ${service} ${o.version} to ${o.env} started: run ${res.run.id}, ${res.run.steps.length} steps (${res.run.strategy}${res.run.fromVersion ? ` from ${res.run.fromVersion}` : ', first release'})`,
            );
          return;
        }
        if (!json) cli.out(`release of ${service} ${o.version} to ${o.env}: run ${res.run.id}`);
        await waitForRun(cli, service, o.env, res.run.id, timeoutMs, json);
      },
    );

  const ro = program.command('rollout').description('follow and steer releases: status, promote, pause, resume, abort, retry, history, undo, deployed');

  ro.command('status')
    .description('the current or last release: step, weights, per-version request rate, errors, p99, verdicts')
    .argument('<service>')
    .option('--env <environment>', 'environment', 'production')
    .option('--watch', 'refresh until the release ends')
    .option('-o, --output <format>', 'table | json | yaml')
    .action(async (service: string, o: { env: string; watch?: boolean; output?: string }) => {
      for (;;) {
        const s = await cli.api().get<StatusView>(`/api/v1/rollouts/${service}/status`, { environment: o.env });
        if ((o.output ?? 'table') === 'table') cli.out(formatStatus(s));
        else cli.print(s, o.output, () => ({ headers: [], rows: [] }));
        if (!o.watch || !s.run || s.run.phase === 'completed' || s.run.phase === 'rolledBack') {
          if (s.run?.phase === 'rolledBack' && o.watch) cli.fail(EXIT.NO);
          return;
        }
        await sleep(1000);
        if (cli.io.isTTY) cli.out('\x1b[2J\x1b[H');
      }
    });

  const simple: [string, string, string][] = [
    ['pause', 'pause the release where it is', 'paused'],
    ['resume', 'resume a paused release (a pause step needs promote)', 'resumed'],
    ['abort', 'roll back now: all traffic to stable, then tear the new revision down', 'aborted'],
  ];
  for (const [cmd, description, done] of simple) {
    ro.command(cmd)
      .description(description)
      .argument('<service>')
      .option('--env <environment>', 'environment', 'production')
      .action(async (service: string, o: { env: string }) => {
        const r = await cli.api().post<{ run: RunView }>(`/api/v1/rollouts/${service}/${cmd}`, { environment: o.env });
        cli.out(`${service} in ${o.env}: ${done} (run ${r.run.id}, phase ${r.run.phase})`);
      });
  }

  ro.command('promote')
    .description('end the current pause or analysis step; --full skips to all traffic on the new revision')
    .argument('<service>')
    .option('--env <environment>', 'environment', 'production')
    .option('--full', 'skip the remaining steps')
    .action(async (service: string, o: { env: string; full?: boolean }) => {
      const r = await cli.api().post<{ run: RunView }>(`/api/v1/rollouts/${service}/promote`, { environment: o.env, full: Boolean(o.full) });
      cli.out(`${service} in ${o.env}: promoted${o.full ? ' fully' : ''} (now at ${r.run.step ? r.run.step.label : r.run.phase})`);
    });

  for (const [cmd, description] of [
    ['retry', 'release the last rolled-back revision again'],
    ['undo', 'release an earlier revision again, whole (version, artifact, config)'],
  ] as const) {
    const c = ro
      .command(cmd)
      .description(description)
      .argument('<service>')
      .option('--env <environment>', 'environment', 'production')
      .option('--wait', 'follow it until it completes or rolls back')
      .option('--timeout <duration>', 'with --wait: give up waiting after this long', '30m');
    if (cmd === 'undo') c.option('--to-revision <n>', 'revision number to go back to, one that served (default: the one before the serving revision)');
    if (cmd === 'undo' || cmd === 'retry') {
      c.option('--change <id>', 'change request that authorises it (default: an open one for that revision, else a new one)');
      c.option('--emergency <reason>', 'declare an emergency change (role oncall): passes a budget freeze or a freeze window');
    }
    c.action(async (service: string, o: { env: string; wait?: boolean; timeout: string; toRevision?: string; change?: string; emergency?: string }) => {
      let toRevision: number | undefined;
      if (o.toRevision !== undefined) {
        toRevision = Number(o.toRevision);
        if (!Number.isInteger(toRevision) || toRevision < 1) throw new CliError(EXIT.USAGE, `--to-revision: expected a revision number, got "${o.toRevision}"`);
      }
      const timeoutMs = parseTimeout(o.timeout);
      const r = await cli.api().post<{ run: RunView }>(`/api/v1/rollouts/${service}/${cmd}`, {
        environment: o.env,
        ...(toRevision ? { toRevision } : {}),
        ...(o.change ? { changeId: o.change } : {}),
        ...(o.emergency ? { emergency: o.emergency } : {}),
      });
      cli.out(`${cmd} of ${service} in ${o.env}: run ${r.run.id} → ${r.run.toVersion} (${r.run.toRevision})`);
      if (o.wait) await waitForRun(cli, service, o.env, r.run.id, timeoutMs, false);
    });
  }

  ro.command('runbook')
    .description('the manual runbook for when automated rollback fails: the exact commands to restore the serving revision by hand, and whom to page')
    .argument('<service>')
    .option('--env <environment>', 'environment', 'production')
    .option('-o, --output <format>', 'markdown | json | yaml', 'markdown')
    .action(async (service: string, o: { env: string; output: string }) => {
      const b = await cli.api().get<{ markdown: string }>(`/api/v1/rollouts/${encodeURIComponent(service)}/runbook`, { environment: o.env });
      if (o.output === 'markdown') cli.out(b.markdown.trimEnd());
      else cli.print(b, o.output, () => ({ headers: [], rows: [] }));
    });

  ro.command('history')
    .description('releases and revisions of a service in an environment')
    .argument('<service>')
    .option('--env <environment>', 'environment', 'production')
    .option('-o, --output <format>', 'table | json | yaml')
    .action(async (service: string, o: { env: string; output?: string }) => {
      const h = await cli.api().get<{
        stableRevision: string | null;
        runs: RunView[];
        revisions: { id: string; number: number; version: string; digest: string; createdAt: string }[];
      }>(`/api/v1/rollouts/${service}/history`, { environment: o.env });
      cli.print(h, o.output, () => ({
        headers: ['RUN', 'FROM', 'TO', 'STRATEGY', 'OUTCOME', 'REASON', 'STARTED', 'TOOK'],
        rows: h.runs.map((r) => [
          r.id,
          r.fromRevision ?? '-',
          `${r.toRevision} (${r.toVersion})`,
          r.strategy,
          r.phase + (r.toRevision === h.stableRevision && r.phase === 'completed' ? ' (serving)' : ''),
          r.rollback ? `${r.rollback.reason}: ${r.rollback.message}` : '',
          new Date(r.createdAtMs).toISOString(),
          r.finishedAtMs ? formatDurationMs(r.finishedAtMs - r.createdAtMs) : '-',
        ]),
      }));
    });

  ro.command('deployed')
    .description("what serves in each environment: the revision of each service's latest completed release or undo")
    .option('--env <environment>', 'one environment (default: all)')
    .option('-o, --output <format>', 'table | json | yaml')
    .action(async (o: { env?: string; output?: string }) => {
      const r = await cli.api().get<{ deployments: Deployment[] }>('/api/v1/deployments', o.env ? { environment: o.env } : {});
      cli.print(r, o.output, () => ({
        headers: ['ENVIRONMENT', 'SERVICE', 'VERSION', 'ARTIFACT', 'REVISION', 'SINCE'],
        rows: r.deployments.map((d) => [d.environment, d.service, d.version, d.artifact || '-', d.revision, new Date(d.sinceMs).toISOString()]),
      }));
    });
}
