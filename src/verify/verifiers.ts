/**
 * The verifications this server computes from a pipeline's inputs, one per kind. Each runs the
 * same pure code as its CLI command, on the inputs the server received.
 */
import { z } from 'zod';
import { InputError } from '../core/errors';
import { resourceName } from '../core/kinds';
import { versionName } from '../core/revision';
import { sha256 } from '../core/ids';
import { buildReport } from './openapi/openapi-report';
import { diffRelease } from './openapi/openapi-diff';
import { readOpenapi } from './openapi/openapi-document';
import { parsePact } from './pact/pact-file';
import { buildResult } from './migration/migration-result';
import { staticFindings } from './migration/static-check';
import { loadSqlParser, parseMigration } from './migration/sql-statements';
import { applyGate } from './scan/scan-gate';
import { DEFAULT_SCAN_POLICY, SCAN_POLICY_KIND, scanPolicySpecSchema } from './scan/scan-policy';
import { readReport } from './scan/scan-reports';
import type { ScanFinding } from './scan/scan-finding';
import type { Verifier } from './verifier';
import { syntheticVerifier } from './synthetic/synthetic-verifier';
import { perfVerifier } from './perf/perf-verifier';

/** Inputs are text the server parses itself; 5 MiB each, as a request body can carry (src/api/app.ts). */
const text = z.string().max(5 * 1024 * 1024);
const fileName = z
  .string()
  .min(1)
  .max(255)
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what the pattern refuses
  .regex(/^[^\u0000-\u001f]+$/, 'expected a file name without control characters');
const namedText = z.strictObject({ name: fileName, text });

const openapiInput = z.strictObject({
  base: namedText,
  revision: namedText,
  failOn: z.enum(['ERR', 'WARN', 'INFO']).default('ERR'),
  failOnRollback: z.enum(['ERR', 'WARN', 'INFO']).nullable().default(null),
});

export const openapiVerifier: Verifier<z.infer<typeof openapiInput>> = {
  kind: 'openapi',
  input: openapiInput,
  texts: (i) => ({ [`base:${i.base.name}`]: i.base.text, [`revision:${i.revision.name}`]: i.revision.text }),
  run(i) {
    const report = buildReport(
      i.base.name,
      i.revision.name,
      diffRelease(readOpenapi(i.base.text, i.base.name), readOpenapi(i.revision.text, i.revision.name)),
      i.failOn,
      i.failOnRollback,
    );
    const s = report.summary;
    const blocking = report.findings.filter((f) => f.blocking);
    return {
      verdict: report.result,
      summary: blocking.length
        ? `${blocking.length} breaking (forward ${s.forward.ERR} ERR, rollback ${s.rollback.ERR} ERR): ${[...new Set(blocking.map((f) => f.id))].slice(0, 5).join(', ')}`
        : `no breaking change at ${i.failOn} or above${s.rollback.ERR ? `; rollback hazards: ${s.rollback.ERR} ERR (a rollback would break clients of this revision)` : ''}`,
      result: report,
    };
  },
};

const scanInput = z.strictObject({
  reports: z.array(namedText).min(1).max(50),
  baseline: z.array(namedText).max(50).default([]),
  /** A ScanPolicy stored on the server: a pipeline names the policy, never sends one. */
  policy: z.string().min(1).max(253).optional(),
});

export const scanVerifier: Verifier<z.infer<typeof scanInput>> = {
  kind: 'scan',
  input: scanInput,
  texts: (i) => Object.fromEntries([...i.reports.map((r) => [`report:${r.name}`, r.text]), ...i.baseline.map((r) => [`baseline:${r.name}`, r.text])]),
  async run(i, ctx) {
    let policy = DEFAULT_SCAN_POLICY;
    if (i.policy) {
      const stored = await ctx.resource(SCAN_POLICY_KIND, i.policy);
      if (!stored)
        throw new InputError(`no ScanPolicy "${i.policy}" is stored on the server; apply it first (shipgate apply -f policy.yaml)`, [
          { path: 'input.policy', message: 'no such ScanPolicy' },
        ]);
      policy = scanPolicySpecSchema.parse(stored.spec);
    }
    const findings = i.reports.flatMap((r) => readReport(r.text, r.name).findings);
    let baseline = i.baseline.length ? i.baseline.flatMap((r) => readReport(r.text, r.name).findings) : undefined;
    let baselineFrom: { evidenceId: string; version: string } | null = null;
    if (!baseline && policy.baseline === 'lastAccepted') {
      const prev = await ctx.previous('scan');
      const stored = (prev?.result as { findings?: unknown } | undefined)?.findings;
      if (prev && Array.isArray(stored)) {
        baseline = stored.filter((f): f is ScanFinding => typeof f === 'object' && f !== null && typeof (f as ScanFinding).id === 'string');
        baselineFrom = { evidenceId: prev.id, version: prev.version };
      }
    }
    const result = applyGate(findings, policy, ctx.today, baseline);
    const failing = result.findings.filter((f) => f.status === 'fail');
    return {
      verdict: result.result,
      summary:
        result.result === 'pass'
          ? `${findings.length} findings, none blocking under ${i.policy ? `ScanPolicy ${i.policy}` : 'the default policy'}${baselineFrom ? ` (${result.counts.baseline} already in ${baselineFrom.version}, ${baselineFrom.evidenceId})` : ''}`
          : `${failing.length} blocking${result.expiredIgnores.length ? `, ${result.expiredIgnores.length} expired ignore(s)` : ''}: ${failing
              .slice(0, 5)
              .map((f) => `${f.package ?? '?'} ${f.id}`)
              .join(', ')}`,
      result: { ...result, policyName: i.policy ?? null, baselineFrom },
    };
  },
};

const pactInput = z.strictObject({
  /** The Pact file as the verifier read it (its SHA-256 identifies the contract). */
  pact: text,
  /** The consumer's service name in Shipgate; default: the pact's consumer name, when it is one. */
  consumer: resourceName.optional(),
  /** The consumer version that wrote the pact: can-i-deploy matches it with the version serving. */
  consumerVersion: versionName,
  results: z
    .array(
      z.strictObject({
        description: z.string().max(1000),
        ok: z.boolean(),
        mismatches: z.array(z.strictObject({ path: z.string().max(2000), message: z.string().max(2000) })).max(100),
        error: z.string().max(2000).optional(),
      }),
    )
    .max(10_000),
});

/**
 * Pact verification replays requests against a running provider, which the server does not reach
 * (no network I/O to pipelines' hosts): the results are reported by `shipgate verify pact`, as a
 * Pact broker takes them. The server checks that they cover every interaction of the contract and
 * computes the verdict from them; the record says they were reported.
 */
export const pactVerifier: Verifier<z.infer<typeof pactInput>> = {
  kind: 'pact',
  input: pactInput,
  texts: (i) => ({ pact: i.pact }),
  run(i) {
    const pact = parsePact(i.pact, 'pact');
    const byDescription = new Map(i.results.map((r) => [r.description, r]));
    const missing = pact.interactions.filter((it) => !byDescription.has(it.description)).map((it) => it.description);
    if (missing.length || i.results.length !== pact.interactions.length) {
      throw new InputError(`the results do not cover the pact's ${pact.interactions.length} interactions one for one`, [
        {
          path: 'input.results',
          message: missing.length
            ? `no result for: ${missing.slice(0, 5).join('; ')}`
            : `${i.results.length} results for ${pact.interactions.length} interactions`,
        },
      ]);
    }
    const consumer = i.consumer ?? pact.consumer;
    if (!resourceName.safeParse(consumer).success)
      throw new InputError(`the pact's consumer "${pact.consumer}" is not a service name: name the consumer's service (--consumer SERVICE)`, [
        { path: 'input.consumer', message: 'required when the pact names its consumer otherwise' },
      ]);
    const failed = i.results.filter((r) => !r.ok);
    return {
      counterpart: { service: consumer, version: i.consumerVersion },
      verdict: failed.length ? 'fail' : 'pass',
      summary: `${consumer} ${i.consumerVersion} → ${pact.provider}: ${i.results.length - failed.length} of ${i.results.length} interactions pass${
        failed.length
          ? ` (failing: ${failed
              .slice(0, 3)
              .map((r) => r.description)
              .join('; ')})`
          : ''
      }`,
      result: {
        reported: true,
        consumer: pact.consumer,
        consumerService: consumer,
        consumerVersion: i.consumerVersion,
        pactSha256: sha256(i.pact),
        provider: pact.provider,
        specification: pact.specification,
        results: i.results,
      },
    };
  },
};

const migrationInput = z.strictObject({
  /** The migration's .sql files in the order they run. */
  files: z.array(namedText).min(1).max(500),
  /** SQL creating the schema the migration starts from (read by the rules, never checked). */
  schema: namedText.optional(),
  inTransaction: z.boolean().default(false),
  lockTimeoutMs: z.number().int().min(1).max(3_600_000).default(2000),
  /**
   * The trace the CLI ran on its database, as it reported it. It can only make the verdict
   * stricter: a blocking statement it found fails the evidence; a pass is never taken from it.
   */
  dynamic: z
    .looseObject({ findings: z.array(z.looseObject({ rule: z.string(), severity: z.string(), allowed: z.string().nullable().optional() })).max(10_000) })
    .nullable()
    .default(null),
});

/**
 * The static lock check, run here on the files received (the PostgreSQL parser as WASM, loaded
 * once). The dynamic trace needs a database next to the pipeline and is not run by the server.
 */
export const migrationVerifier: Verifier<z.infer<typeof migrationInput>> = {
  kind: 'migration',
  input: migrationInput,
  texts: (i) => Object.fromEntries([...i.files.map((f) => [`file:${f.name}`, f.text]), ...(i.schema ? [[`schema:${i.schema.name}`, i.schema.text]] : [])]),
  async run(i) {
    await loadSqlParser();
    const parsed = i.files.map((f) => ({ file: f.name, statements: parseMigration(f.text, f.name) }));
    const findings = staticFindings(
      i.schema ? parseMigration(i.schema.text, i.schema.name) : null,
      parsed.map((f) => f.statements),
      { inTransaction: i.inTransaction },
    );
    const result = buildResult(
      i.files.map((f, n) => ({ file: f.name, sha256: sha256(f.text), statements: parsed[n].statements.length })),
      findings,
      i.lockTimeoutMs,
      null,
    );
    const traced = (i.dynamic?.findings ?? []).filter((f) => f.severity === 'error' && !f.allowed);
    const failing = [...result.findings.filter((f) => f.severity === 'error' && !f.allowed), ...traced].map((f) => f.rule);
    const safe = result.verdict === 'safe' && traced.length === 0;
    return {
      verdict: safe ? 'pass' : 'fail',
      irreversible: result.irreversible,
      summary:
        (safe
          ? `safe: ${result.files.length} file(s), ${result.findings.length} finding(s) none blocking`
          : `unsafe: ${[...new Set(failing)].join(', ')}${traced.length ? ' (reported by the trace)' : ''}`) +
        (result.irreversible ? '; irreversible (a DROP): two approvers required' : ''),
      result: { ...result, dynamic: i.dynamic, dynamicReported: i.dynamic !== null },
    };
  },
};

export const VERIFIERS: Verifier[] = [migrationVerifier, openapiVerifier, scanVerifier, pactVerifier, syntheticVerifier, perfVerifier] as Verifier[];
