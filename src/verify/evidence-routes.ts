import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
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
const recordBody = z.strictObject({ ...subject, input: z.unknown() });
const kindParams = z.strictObject({ kind: verificationKind });
const listQuery = z.strictObject({ service: resourceName, version: versionName.optional(), artifact: z.string().max(10_000).optional(), kind: verificationKind.optional(), limit: z.coerce.number().int().min(1).max(500).default(100) });
const idParams = z.strictObject({ id: z.string().regex(/^vev_[0-9a-f]{20}$/, 'expected an evidence id such as vev_0190a1b2c3d4e5f6a7b8') });
const checkQuery = z.strictObject({ ...subject, require: z.string().max(200).transform((s, c) => {
  const kinds = s.split(',').map((x) => x.trim()).filter(Boolean);
  for (const k of kinds) if (!verificationKind.safeParse(k).success) c.addIssue({ code: 'custom', message: `unknown verification "${k}" (expected ${verificationKind.options.join(', ')})` });
  return kinds as z.infer<typeof verificationKind>[];
}) });

/**
 * Evidence routes. Recording is for pipelines (deployer) and on-call; the server computes the
 * verdict from the inputs it is sent, so a caller can choose what to verify but not what it
 * concluded. Reading is for every person's role.
 */
export function evidenceRoutes(app: FastifyInstance, _ctx: ServerContext, svc: EvidenceService): void {
  const tags = ['verify'];
  app.post('/api/v1/verifications/:kind', { schema: { params: kindParams, body: recordBody, tags }, config: { access: { roles: ['deployer', 'oncall'] } } }, async (req, reply) => {
    const { kind } = req.params as z.infer<typeof kindParams>;
    const b = req.body as z.infer<typeof recordBody>;
    const rec = await svc.record(kind, { service: b.service, version: b.version, artifact: b.artifact }, b.input, req.principal!);
    return reply.code(201).send(rec);
  });
  app.get('/api/v1/verifications', { schema: { querystring: listQuery, tags }, config: { access: { roles: READ_ROLES } } }, async (req) => {
    const q = req.query as z.infer<typeof listQuery>;
    return { items: await svc.store.list(q) };
  });
  app.get('/api/v1/verifications/check', { schema: { querystring: checkQuery, tags }, config: { access: { roles: READ_ROLES } } }, async (req) => {
    const q = req.query as z.infer<typeof checkQuery>;
    const problems = await svc.problems({ service: q.service, version: q.version, artifact: q.artifact }, q.require);
    return { ok: problems.length === 0, required: q.require, problems };
  });
  app.get('/api/v1/verifications/:id', { schema: { params: idParams, tags }, config: { access: { roles: READ_ROLES } } }, async (req) => {
    const { id } = req.params as z.infer<typeof idParams>;
    const r = await svc.store.get(id);
    if (!r) throw new NotFoundError(`no verification evidence ${id}`);
    return r;
  });
}
