import { z } from 'zod';

/** One finding of an INPUT_INVALID error: where (`body.files[0].content`, or a file and line) and what to do. */
export const issueSchema = z.looseObject({
  path: z.string(),
  message: z.string(),
  file: z.string().optional(),
  line: z.number().optional(),
  column: z.number().optional(),
});

/**
 * The body of every error response, as src/api/errors.ts and the not-found handler write it.
 * `details` varies with the code (docs/errors.md): `issues[]` for INPUT_INVALID, `rule` for
 * refusals, `retryAfterSeconds` for RATE_LIMITED, null when there is nothing more to say.
 */
export const errorSchema = z.object({
  code: z.string().describe('stable code, listed in docs/errors.md'),
  message: z.string().describe('for people: what went wrong and what to do next'),
  details: z.unknown().describe('per code: { issues[] } for INPUT_INVALID, { rule } for refusals, { retryAfterSeconds } for RATE_LIMITED, or null'),
});

/**
 * A measured figure that may be NaN or infinite (no data yet): JSON writes those as null, which
 * z.number() would refuse with a 500, so they are nulled first and documented as number or null.
 */
export const figure = z.preprocess((v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), z.number().nullable());

/** An error status a route may answer with. */
export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 413 | 415 | 429 | 500 | 503;

/** Statuses a request body can add: over BODY_LIMIT_BYTES (413), a content type with no parser (415). */
export const BODY_ERRORS = [413, 415] as const satisfies readonly ErrorStatus[];

/** What each error status means, as the document says it (docs/errors.md has every code). */
const ERROR_DESCRIPTIONS: Record<ErrorStatus, string> = {
  400: 'INPUT_INVALID: bad input, a NUL character anywhere included; details.issues names each field',
  401: 'UNAUTHENTICATED: no token, or a malformed, unknown or revoked one',
  403: "NOT_ALLOWED or a refusal code: the token's role may not, or a policy rule refuses (details.rule)",
  404: 'NOT_FOUND: what the path names does not exist',
  409: 'CONFLICT: the action does not fit the current state',
  413: 'PAYLOAD_TOO_LARGE: the body is over 16 MiB',
  415: 'UNSUPPORTED_MEDIA_TYPE: send application/json',
  429: 'RATE_LIMITED: too many failed token checks from this address; Retry-After says when to try again',
  500: 'INTERNAL: a bug; the message carries the request id to find in the server log',
  503: 'not ready',
};

function responses(codes: readonly ErrorStatus[]): Record<ErrorStatus, typeof errorSchema> {
  return Object.fromEntries(codes.map((c) => [c, errorSchema.describe(ERROR_DESCRIPTIONS[c])])) as Record<ErrorStatus, typeof errorSchema>;
}

/**
 * Error responses of a route behind a token, plus `extra` (404 when it names something, 409 when
 * state can refuse, BODY_ERRORS when it takes a body). Every such route may answer 400 (a NUL
 * character anywhere, a bad parameter), 401 (no or bad token), 403 (the role may not), 429 (too
 * many failed token checks from the address) and 500 (a bug, with the request id).
 */
export function errorResponses(...extra: ErrorStatus[]): Record<ErrorStatus, typeof errorSchema> {
  return responses([400, 401, 403, 429, 500, ...extra]);
}

/** Error responses of a public route (no token): 400 (a NUL character in the query) and 500, plus `extra`. */
export function publicErrorResponses(...extra: ErrorStatus[]): Record<ErrorStatus, typeof errorSchema> {
  return responses([400, 500, ...extra]);
}

/**
 * A response that is not JSON (text, NDJSON, YAML, HTML, an event stream), described by its media
 * type. Fastify serialises only JSON bodies, so `schema` documents the body and checks nothing.
 */
export function textResponse(mediaType: string, description: string, schema: z.ZodType = z.string(), ...otherMediaTypes: string[]) {
  return { description, content: Object.fromEntries([mediaType, ...otherMediaTypes].map((t) => [t, { schema }])) };
}
