import type { OutboxStatus } from './outbox-store';

/** The outbox table as outbox-store.ts's migration creates it (bigint read as numbers, payload JSON text). */
export interface OutboxTables {
  outbox: {
    id: string;
    kind: string;
    url: string;
    payload: string;
    /** pending → sent | dead */
    status: OutboxStatus;
    attempts: number;
    created_ms: number;
    next_attempt_ms: number;
    last_attempt_ms: number | null;
    sent_ms: number | null;
    last_status: number | null;
    last_error: string | null;
  };
}
