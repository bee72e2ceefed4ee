/**
 * `shipgate verify evidence list|show|check`, and the `--service/--version/--artifact` options
 * every verify command takes to record its result on the server as evidence for that revision.
 */
import type { Command } from 'commander';
import { parseFormat, type CliContext } from '../cli/context';
import { EXIT } from '../cli/exit-codes';
import type { EvidenceProblem, EvidenceRecord, VerificationKind } from './evidence';

const iso = (ms: number) => new Date(ms).toISOString();

/** The options that make a verify command record its result against a revision. */
export function withEvidenceOptions(c: Command): Command {
  return c
    .option('--service <name>', 'record the result on the server as evidence for this service… (needs --version)')
    .option('--version <version>', '…and version')
    .option('--artifact <ref>', '…and artifact reference, exactly as `shipgate release --artifact` gives it (default: none)');
}

export interface EvidenceOptions {
  service?: string;
  version?: string;
  artifact?: string;
}

/**
 * When `--service` and `--version` are given, sends the inputs to the server, which computes the
 * verdict again and records it; prints the evidence id to stderr (stdout stays the report).
 * Returns the server's record, or undefined when not asked to record.
 */
export async function recordEvidence(cli: CliContext, kind: VerificationKind, o: EvidenceOptions, input: unknown): Promise<EvidenceRecord | undefined> {
  if (o.service === undefined && o.version === undefined) return undefined;
  if (!o.service || !o.version) {
    cli.err('error: recording evidence needs both --service and --version');
    cli.fail(EXIT.USAGE);
    return undefined;
  }
  const rec = await cli
    .api()
    .post<EvidenceRecord>(`/api/v1/verifications/${kind}`, { service: o.service, version: o.version, artifact: o.artifact ?? '', input });
  cli.err(`recorded ${kind} evidence ${rec.id} for ${rec.service} ${rec.version}: ${rec.verdict} (${rec.summary})`);
  return rec;
}

export function evidenceCommands(verify: Command, cli: CliContext): void {
  const ev = verify.command('evidence').description('verification evidence recorded against revisions');
  ev.command('list')
    .description('evidence of a service, newest first')
    .requiredOption('--service <name>', 'service')
    .option('--version <version>', 'only this version')
    .option('--artifact <ref>', 'only this artifact reference')
    .option('--kind <kind>', 'migration | openapi | pact | canIDeploy | scan')
    .option('--limit <n>', 'at most this many (1-500)', '100')
    .option('-o, --output <format>', 'table | json | yaml', 'table')
    .action(async (o: { service: string; version?: string; artifact?: string; kind?: string; limit: string; output: string }) => {
      parseFormat(o.output, ['table', 'json', 'yaml']);
      const { items } = await cli.api().get<{ items: EvidenceRecord[] }>('/api/v1/verifications', {
        service: o.service,
        version: o.version,
        artifact: o.artifact,
        kind: o.kind,
        limit: o.limit,
      });
      cli.print(items, o.output, () => ({
        headers: ['ID', 'KIND', 'VERSION', 'ARTIFACT', 'VERDICT', 'RECORDED', 'BY', 'SUMMARY'],
        rows: items.map((e) => [
          e.id,
          e.kind,
          e.version,
          e.artifact || '-',
          e.verdict + (e.irreversible ? ' (irreversible)' : ''),
          iso(e.recordedAtMs),
          e.recordedBy,
          e.summary,
        ]),
      }));
    });
  ev.command('show <id>')
    .description('one evidence record with its whole result')
    .option('-o, --output <format>', 'json | yaml', 'json')
    .action(async (id: string, o: { output: string }) => {
      const f = parseFormat(o.output, ['json', 'yaml']);
      const rec = await cli.api().get<EvidenceRecord>(`/api/v1/verifications/${encodeURIComponent(id)}`);
      cli.print(rec, f, () => ({ headers: [], rows: [] }));
    });
  ev.command('check')
    .description('may this revision ship as far as verifications go? exit 0 yes, 1 no (names what is missing or failing)')
    .requiredOption('--service <name>', 'service')
    .requiredOption('--version <version>', 'version')
    .option('--artifact <ref>', 'artifact reference (default: none)', '')
    .requiredOption('--require <kinds>', 'comma-separated: migration,openapi,pact,canIDeploy,scan')
    .option('-o, --output <format>', 'table | json | yaml', 'table')
    .action(async (o: { service: string; version: string; artifact: string; require: string; output: string }) => {
      parseFormat(o.output, ['table', 'json', 'yaml']);
      const r = await cli.api().get<{ ok: boolean; required: string[]; problems: EvidenceProblem[] }>('/api/v1/verifications/check', {
        service: o.service,
        version: o.version,
        artifact: o.artifact,
        require: o.require,
      });
      cli.print(r, o.output, () => ({
        headers: ['KIND', 'STATUS', 'DETAIL'],
        rows: r.required.map((k) => {
          const p = r.problems.find((x) => x.kind === k);
          return [k, p ? p.problem : 'passed', p ? p.message : '-'];
        }),
      }));
      if (!r.ok) cli.fail(EXIT.NO);
    });
}
