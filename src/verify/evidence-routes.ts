import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { BODY_ERRORS, errorResponses } from '../api/route-schemas';
import { READ_ROLES } from '../auth/roles';
import type { ServerContext } from '../core/capability';
import { resourceName } from '../core/kinds';
import { NotFoundError } from '../core/errors';
import { versionName } from '../core/revision';
import { verificationKind } from './evidence';
import type { EvidenceService } from './evidence-service';

const subject = {
  service: resourceName,
  version: versionName,
  /** The release's artifact reference exactly as `shipgate release --artifact` gives it; '' for the target's default. */
  artifact: z.string().max(10_000).default(''),
};
const recordBody = z.strictObject({ ...subject, input: z.unknown().describe("the verification's inputs (files as text); see src/verify/verifiers.ts") });
const kindParams = z.strictObject({ kind: verificationKind });
const listQuery = z.strictObject({
  service: resourceName,
  version: versionName.optional(),
  artifact: z.string().max(10_000).optional(),
  kind: verificationKind.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
const idParams = z.strictObject({ id: z.string().regex(/^vev_[0-9a-f]{20}$/, 'expected an evidence id such as vev_0190a1b2c3d4e5f6a7b8') });
const checkQuery = z.strictObject({
  ...subject,
  /** The environment a release would go to: `canIDeploy` is judged for one. */
  environment: resourceName.optional(),
  require: z
    .string()
    .max(200)
    .transform((s, c) => {
      const kinds = s
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean);
      for (const k of kinds)
        if (!verificationKind.safeParse(k).success)
          c.addIssue({ code: 'custom', message: `unknown verification "${k}" (expected ${verificationKind.options.join(', ')})` });
      return kinds as z.infer<typeof verificationKind>[];
    }),
});

const evidenceView = z.object({
  id: z.string(),
  service: z.string(),
  version: z.string(),
  artifact: z.string(),
  kind: verificationKind,
  verdict: z.enum(['pass', 'fail']),
  summary: z.string(),
  inputs: z.record(z.string(), z.string()).describe('SHA-256 of each input the verdict was computed from, by name'),
  result: z.unknown().describe('the whole result of the check, as its CLI prints it with -o json'),
  irreversible: z.boolean(),
  counterpart: z
    .object({ service: z.string(), version: z.string() })
    .nullable()
    .describe("a contract verification's other party: for pact, the consumer and its version"),
  recordedAtMs: z.number(),
  recordedBy: z.string(),
});
const matrixView = z.object({
  service: z.string(),
  version: z.string(),
  artifact: z.string(),
  environment: z.string(),
  verdict: z.enum(['pass', 'fail']),
  summary: z.string(),
  rows: z.array(
    z.object({
      role: z.enum(['consumer', 'provider']).describe('consumer: the other service consumes this revision; provider: this revision consumes it'),
      service: z.string(),
      deployedVersion: z.string().nullable(),
      status: z.enum(['verified', 'failing', 'unverified', 'not-deployed', 'no-contract']),
      blocking: z.boolean(),
      evidenceId: z.string().nullable(),
      message: z.string(),
    }),
  ),
});
const problemView = z.object({ kind: verificationKind, problem: z.enum(['missing', 'failing']), message: z.string(), evidenceId: z.string().optional() });

/**
 * Evidence routes. Recording is for pipelines (deployer) and on-call; the server computes the
 * verdict from the inputs it is sent, so a caller can choose what to verify but not what it
 * concluded. Reading is for every person's role.
 */
export function evidenceRoutes(base: FastifyInstance, _ctx: ServerContext, svc: EvidenceService): void {
  const app = base.withTypeProvider<ZodTypeProvider>();
  const tags = ['verify'];
  app.post(
    '/api/v1/verifications/:kind',
    {
      schema: { params: kindParams, body: recordBody, tags, response: { 201: evidenceView, ...errorResponses(404, ...BODY_ERRORS) } },
      config: { access: { roles: ['deployer', 'oncall'] } },
    },
    async (req, reply) => {
      const b = req.body;
      const rec = await svc.record(req.params.kind, { service: b.service, version: b.version, artifact: b.artifact }, b.input, req.principal!);
      return reply.code(201).send(rec);
    },
  );
  app.get(
    '/api/v1/verifications',
    {
      schema: { querystring: listQuery, tags, response: { 200: z.object({ items: z.array(evidenceView) }), ...errorResponses() } },
      config: { access: { roles: READ_ROLES } },
    },
    async (req) => {
      return { items: await svc.store.list(req.query) };
    },
  );
  app.get(
    '/api/v1/verifications/check',
    {
      schema: {
        querystring: checkQuery,
        tags,
        response: { 200: z.object({ ok: z.boolean(), required: z.array(verificationKind), problems: z.array(problemView) }), ...errorResponses() },
      },
      config: { access: { roles: READ_ROLES } },
    },
    async (req) => {
      const q = req.query;
      const problems = await svc.problems({ service: q.service, version: q.version, artifact: q.artifact }, q.require, q.environment);
      return { ok: problems.length === 0, required: q.require, problems };
    },
  );
  app.get(
    '/api/v1/contracts/can-i-deploy',
    {
      schema: {
        querystring: z.strictObject({ ...subject, environment: resourceName }),
        tags,
        description:
          'The contract matrix: every consumer serving in the environment against pact verifications of this revision, and its own pacts against every provider serving there.',
        response: { 200: matrixView, ...errorResponses() },
      },
      config: { access: { roles: READ_ROLES } },
    },
    async (req) => {
      const q = req.query;
      return svc.canIDeploy({ service: q.service, version: q.version, artifact: q.artifact }, q.environment);
    },
  );
  app.get(
    '/api/v1/verifications/:id',
    { schema: { params: idParams, tags, response: { 200: evidenceView, ...errorResponses(404) } }, config: { access: { roles: READ_ROLES } } },
    async (req) => {
      const r = await svc.store.get(req.params.id);
      if (!r) throw new NotFoundError(`no verification evidence ${req.params.id}`);
      return r;
    },
  );
}
