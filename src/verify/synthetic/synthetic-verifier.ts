/**
 * `synthetic` evidence: a SyntheticCheck run against a running revision. The server does not
 * reach the pipeline's target, so the result is reported (as pact results are); the server reads
 * the check itself, checks the result has one step result per step, in order, with the outcomes
 * consistent (nothing passes after a failure), and computes the verdict from it.
 */
import { z } from 'zod';
import { InputError } from '../../core/errors';
import { parseDocuments } from '../../core/manifest';
import type { Verifier } from '../verifier';
import { failureLine, SYNTHETIC_RESULT_KIND, type SyntheticResult } from './synthetic-run';
import { SYNTHETIC_CHECK_KIND, syntheticSpecSchema } from './synthetic-spec';

const stepResult = z.looseObject({
  name: z.string().max(100),
  method: z.string().max(10),
  path: z.string().max(4000),
  status: z.number().int().nullable(),
  latencyMs: z.number().min(0),
  outcome: z.enum(['pass', 'fail', 'error', 'skipped']),
  error: z.string().max(4000).optional(),
  assertions: z
    .array(z.strictObject({ assertion: z.string().max(500), ok: z.boolean(), expected: z.string().max(4000), actual: z.string().max(4000) }))
    .max(100),
  excerpt: z.string().max(2000).optional(),
  version: z.string().max(100).optional(),
});
const input = z.strictObject({
  /** The SyntheticCheck manifest the CLI ran. */
  check: z.string().max(256 * 1024),
  result: z.looseObject({
    kind: z.literal(SYNTHETIC_RESULT_KIND),
    check: z.string().max(253),
    target: z.string().max(2048),
    ok: z.boolean(),
    startedAt: z.string().max(40),
    durationMs: z.number().min(0),
    version: z.string().max(100).nullable(),
    steps: z.array(stepResult).max(50),
  }),
});

export const syntheticVerifier: Verifier<z.infer<typeof input>> = {
  kind: 'synthetic',
  input,
  texts: (i) => ({ check: i.check }),
  run(i) {
    const docs = parseDocuments(i.check, 'check');
    const doc = docs[0]?.value as { kind?: unknown; metadata?: { name?: unknown }; spec?: unknown } | undefined;
    if (docs.length !== 1 || doc?.kind !== SYNTHETIC_CHECK_KIND)
      throw new InputError('input.check: expected one SyntheticCheck manifest', [{ path: 'input.check', message: 'one SyntheticCheck document' }]);
    const spec = syntheticSpecSchema.safeParse(doc.spec);
    if (!spec.success)
      throw new InputError(
        'input.check: invalid SyntheticCheck',
        spec.error.issues.map((x) => ({ path: ['input', 'check', 'spec', ...x.path.map(String)].join('.'), message: x.message })),
      );
    const r = i.result as unknown as SyntheticResult;
    const names = spec.data.steps.map((s) => s.name);
    const problem =
      r.steps.length !== names.length || r.steps.some((s, n) => s.name !== names[n])
        ? `the result's steps (${r.steps.map((s) => s.name).join(', ')}) are not the check's (${names.join(', ')})`
        : r.steps.some((s, n) => s.outcome === 'pass' && r.steps.slice(0, n).some((p) => p.outcome !== 'pass'))
          ? 'a step passes after a failing one: the runner stops at the first failure'
          : r.ok !== r.steps.every((s) => s.outcome === 'pass')
            ? 'result.ok disagrees with the step outcomes'
            : undefined;
    if (problem) throw new InputError(`the synthetic result does not match the check: ${problem}`, [{ path: 'input.result.steps', message: problem }]);
    const passed = r.steps.filter((s) => s.outcome === 'pass').length;
    return {
      verdict: r.ok ? 'pass' : 'fail',
      summary: r.ok
        ? `${doc.metadata?.name ?? 'check'}: ${passed} of ${names.length} steps pass against ${r.target}${r.version ? ` (version ${r.version})` : ''}`
        : `${doc.metadata?.name ?? 'check'}: ${failureLine(r)}`,
      result: { reported: true, ...r },
    };
  },
};
