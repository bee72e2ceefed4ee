import type { Role } from './roles';

/** Tokens and users as token-store.ts's and users.ts's migrations create them (ISO-8601 text times). */
export interface TokenTables {
  tokens: {
    id: string;
    salt: string;
    secret_hash: string;
    role: Role;
    /** The free-text owner of tokens before users existed; kept equal to the user's name. */
    user_name: string;
    environment: string | null;
    description: string | null;
    created_at: string;
    created_by: string;
    revoked_at: string | null;
    /** 202612031610_auth_users; null only on rows older than it, until migrateTokenUsers links them. */
    user_id: string | null;
  };
  users: {
    id: string;
    name: string;
    display_name: string | null;
    created_at: string;
    created_by: string;
    disabled_at: string | null;
  };
}
