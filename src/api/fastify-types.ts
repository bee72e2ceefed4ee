import type { Access, Principal } from '../auth/roles';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who may call the route. Every non-GET route must declare it; GET defaults to READ_ROLES. */
    access?: Access;
  }
  interface FastifySchema {
    /**
     * A body the handler reads itself with parseInput (so its issues name the field without a
     * `body.` prefix, as they always have): in the OpenAPI document as the request body, not
     * validated by Fastify. openapi-transform.ts moves it.
     */
    handlerBody?: unknown;
  }
  interface FastifyRequest {
    /** Set by the auth hook on every non-public route. */
    principal?: Principal;
  }
}

export {};
