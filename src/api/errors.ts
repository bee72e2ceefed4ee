import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { isDomainError, REFUSAL_CODES, type Issue } from '../core/errors';

/** HTTP status per domain error code; the one place this mapping lives. */
export const STATUS_BY_CODE: Record<string, number> = {
  INPUT_INVALID: 400,
  UNAUTHENTICATED: 401,
  NOT_ALLOWED: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  ...Object.fromEntries(REFUSAL_CODES.map((c) => [c, 403])),
};

/** Maps every error to `{code, message, details}`; 5xx never reveal internals. */
export function errorHandler(err: FastifyError, req: FastifyRequest, reply: FastifyReply): void {
  if (isDomainError(err)) {
    const status = STATUS_BY_CODE[err.code] ?? 400;
    const retryAfter = (err.details as { retryAfterSeconds?: unknown } | undefined)?.retryAfterSeconds;
    if (status === 429 && typeof retryAfter === 'number') reply.header('retry-after', String(Math.max(1, Math.ceil(retryAfter))));
    reply.status(status).send({ code: err.code, message: err.message, details: err.details ?? null });
    return;
  }
  if (hasZodFastifySchemaValidationErrors(err)) {
    const issues: Issue[] = err.validation.map((v) => ({
      path: [err.validationContext, ...v.instancePath.split('/').filter(Boolean)].filter(Boolean).join('.'),
      message: v.message ?? 'invalid',
    }));
    reply.status(400).send({
      code: 'INPUT_INVALID',
      message: `invalid request: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
      details: { issues },
    });
    return;
  }
  const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
  if (status < 500) {
    const code =
      err.code === 'FST_ERR_CTP_BODY_TOO_LARGE'
        ? 'PAYLOAD_TOO_LARGE'
        : err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE'
          ? 'UNSUPPORTED_MEDIA_TYPE'
          : err.code === 'FST_ERR_NOT_FOUND'
            ? 'NOT_FOUND'
            : 'INPUT_INVALID';
    reply.status(status).send({ code, message: err.message, details: null });
    return;
  }
  req.log.error({ err }, 'unhandled error');
  reply.status(500).send({ code: 'INTERNAL', message: `internal error (request id ${req.id}); see the server log`, details: null });
}
