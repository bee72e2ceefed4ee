import type { Tx } from '../db';

/**
 * The transaction fake stores hand to the code under test: it stands for "inside the caller's
 * transaction" and is never a database. Reaching for a query method on it throws, so a unit test
 * fails loudly when the service talks to a real table behind its port.
 */
export const FAKE_TX: Tx = new Proxy(
  {},
  {
    get(_target, prop) {
      // Promise resolution and inspection look for these; they are not queries.
      if (typeof prop === 'symbol' || prop === 'then' || prop === 'toJSON') return undefined;
      // lockKey asks for the dialect: not PostgreSQL, so it takes no lock, as on SQLite (one writer; fakes run in one process).
      if (prop === 'getExecutor') return () => ({ adapter: {} });
      throw new Error(`fake transaction: .${prop} was called, but code under test with fake stores must not query the database`);
    },
  },
) as Tx;

/**
 * Runs `fn` against in-memory state with a transaction's all-or-nothing effect: `snapshot` is
 * taken first and handed to `restore` when `fn` throws.
 */
export async function atomically<S, T>(snapshot: () => S, restore: (s: S) => void, fn: (trx: Tx) => Promise<T>): Promise<T> {
  const saved = snapshot();
  try {
    return await fn(FAKE_TX);
  } catch (e) {
    restore(saved);
    throw e;
  }
}
