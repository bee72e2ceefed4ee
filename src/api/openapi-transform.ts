import { z } from 'zod';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';

type TransformInput = Parameters<typeof jsonSchemaTransform>[0];

function isMediaResponse(r: unknown): r is { description?: string; content: Record<string, { schema: z.ZodType }> } {
  return typeof r === 'object' && r !== null && !(r instanceof z.ZodType) && 'content' in r;
}

/** A route's `handlerBody` (fastify-types.ts) documented as its body, which Fastify never saw. */
function withHandlerBody(input: TransformInput): TransformInput {
  const schema = input.schema as (Record<string, unknown> & { handlerBody?: unknown }) | undefined;
  if (!schema?.handlerBody) return input;
  const { handlerBody, ...rest } = schema;
  return { ...input, schema: { ...rest, body: handlerBody } } as TransformInput;
}

/**
 * jsonSchemaTransform, plus responses described by media type (textResponse in route-schemas.ts:
 * `/metrics`, NDJSON and YAML exports, event streams, the console page), which the zod transform
 * refuses because it expects a zod schema per status code.
 */
export function openApiTransform(given: TransformInput): ReturnType<typeof jsonSchemaTransform> {
  const input = withHandlerBody(given);
  const response = input.schema?.response as Record<string, unknown> | undefined;
  if (!response || !Object.values(response).some(isMediaResponse)) return jsonSchemaTransform(input);
  const json: Record<string, unknown> = {};
  const media: Record<string, unknown> = {};
  for (const [code, r] of Object.entries(response)) {
    if (!isMediaResponse(r)) {
      json[code] = r;
      continue;
    }
    const content = Object.fromEntries(
      Object.entries(r.content).map(([type, c]) => {
        const { $schema: _, ...schema } = z.toJSONSchema(c.schema, { target: 'draft-2020-12', io: 'output', unrepresentable: 'any' });
        return [type, { schema }];
      }),
    );
    media[code] = { description: r.description, content };
  }
  const out = jsonSchemaTransform({ ...input, schema: { ...input.schema, response: json } } as TransformInput);
  const schema = out.schema as { response?: Record<string, unknown> };
  schema.response = { ...schema.response, ...media };
  return out;
}
