import type { Access, Principal } from '../auth/roles';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who may call the route. Every non-GET route must declare it; GET defaults to READ_ROLES. */
    access?: Access;
  }
  interface FastifyRequest {
    /** Set by the auth hook on every non-public route. */
    principal?: Principal;
  }
}

export {};
