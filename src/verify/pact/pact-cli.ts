import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { parseFormat, type CliContext } from '../../cli/context';
import { CliError, EXIT } from '../../cli/exit-codes';
import { junitXml } from '../../cli/junit';
import { renderTable } from '../../cli/table';
import { parseDurationMs } from '../../core/duration';
import { recordEvidence, withEvidenceOptions, type EvidenceOptions } from '../evidence-cli';
import { parsePact } from './pact-file';
import { verifyPact, type PactVerification } from './pact-replay';

const FORMATS = ['table', 'json', 'junit'] as const;

function rows(v: PactVerification): unknown[][] {
  return v.results.map((r) => [
    r.description,
    r.states.join(', ') || '-',
    r.ok ? 'ok' : 'FAILED',
    r.error ?? (r.mismatches.map((m) => `${m.path}: ${m.message}`).join('; ') || '-'),
  ]);
}

export function pactJunit(file: string, v: PactVerification): string {
  return junitXml('shipgate verify pact', [
    {
      name: `${v.consumer} → ${v.provider} (${file})`,
      properties: { consumer: v.consumer, provider: v.provider, providerUrl: v.providerUrl, pactSpecification: v.specification },
      cases: v.results.map((r) => ({
        classname: `shipgate.pact.${v.provider}`,
        name: r.description,
        timeSeconds: r.durationMs / 1000,
        ...(r.error
          ? { error: { message: r.error } }
          : r.ok
            ? {}
            : {
                failure: {
                  message: `${r.mismatches.length} mismatch${r.mismatches.length === 1 ? '' : 'es'}`,
                  body: r.mismatches.map((m) => `${m.path}: ${m.message}`).join('\n'),
                },
              }),
      })),
    },
  ]);
}

/** `shipgate verify pact PACT.json --provider URL [--state-setup URL]`. */
export function pactCommands(verify: Command, cli: CliContext): void {
  withEvidenceOptions(
    verify
      .command('pact')
      .description(
        'verify a Pact file (v2 or v3) against a running provider: replays each interaction and matches the response; exit 0 all pass, 1 a mismatch, 2 bad input',
      )
      .argument('<pact>', 'Pact JSON file written by the consumer')
      .requiredOption('--provider <url>', 'base URL of the running provider revision, e.g. http://127.0.0.1:8081')
      .option(
        '--state-setup <url>',
        'URL that sets up provider states: POSTed {consumer, state, states, params, action: setup|teardown} around each interaction',
      )
      .option('--timeout <duration>', 'per request', '10s')
      .option('--consumer <service>', "with --service: the consumer's service name (default: the pact's consumer name)")
      .option('--consumer-version <version>', 'with --service: the consumer version that wrote the pact (can-i-deploy matches it with the version serving)')
      .option('-o, --output <format>', FORMATS.join(' | '), 'table'),
  ).action(
    async (
      file: string,
      o: { provider: string; stateSetup?: string; timeout: string; output: string; consumer?: string; consumerVersion?: string } & EvidenceOptions,
    ) => {
      const format = parseFormat(o.output, FORMATS);
      if (o.service !== undefined && !o.consumerVersion)
        throw new CliError(EXIT.USAGE, 'recording pact evidence needs --consumer-version: the consumer version that wrote this pact');
      const timeoutMs = parseDurationMs(o.timeout);
      if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new CliError(EXIT.USAGE, `--timeout: expected a duration such as 10s, got "${o.timeout}"`);
      for (const [flag, u] of [
        ['--provider', o.provider],
        ['--state-setup', o.stateSetup],
      ] as const) {
        if (u !== undefined && !/^https?:\/\/[^/]/.test(u)) throw new CliError(EXIT.USAGE, `${flag}: expected an http(s) URL, got "${u}"`);
      }
      let text: string;
      try {
        text = readFileSync(cli.path(file), 'utf8');
      } catch (e) {
        throw new CliError(EXIT.USAGE, `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
      const pact = parsePact(text, file);
      const progress = cli.io.isTTY && format === 'table';
      const v = await verifyPact(pact, {
        providerUrl: o.provider,
        stateSetupUrl: o.stateSetup,
        timeoutMs,
        onResult: progress ? (r, i, n) => cli.err(`[${i + 1}/${n}] ${r.ok ? 'ok    ' : 'FAILED'} ${r.description}`) : undefined,
      });
      if (format === 'json') cli.out(JSON.stringify({ file, ...v }, null, 2));
      else if (format === 'junit') cli.out(pactJunit(file, v));
      else {
        cli.out(
          `${v.consumer} → ${v.provider} at ${v.providerUrl} (Pact ${v.specification}): ${v.results.filter((r) => r.ok).length} of ${v.results.length} interactions pass`,
        );
        cli.out(renderTable(['INTERACTION', 'PROVIDER STATES', 'RESULT', 'MISMATCHES'], rows(v) as string[][]));
      }
      await recordEvidence(cli, 'pact', o, {
        pact: text,
        ...(o.consumer ? { consumer: o.consumer } : {}),
        consumerVersion: o.consumerVersion,
        results: v.results.map((r) => ({
          description: r.description,
          ok: r.ok,
          mismatches: r.mismatches.map((m) => ({ path: m.path, message: m.message })),
          ...(r.error ? { error: r.error } : {}),
        })),
      });
      if (!v.ok) cli.fail(EXIT.NO);
    },
  );
}
