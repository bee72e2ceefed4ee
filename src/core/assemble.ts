import type { Migration } from 'kysely';
import { KindRegistry } from './kinds';
import type { Capability } from './capability';

/** Collects the kinds and migrations of every capability; duplicate migration names are a bug. */
export function assemble(capabilities: Capability[]): { kinds: KindRegistry; migrations: Record<string, Migration> } {
  const kinds = new KindRegistry();
  const migrations: Record<string, Migration> = {};
  for (const c of capabilities) {
    for (const k of c.kinds ?? []) kinds.register(k);
    for (const [name, m] of Object.entries(c.migrations ?? {})) {
      if (migrations[name]) throw new Error(`migration ${name} defined twice`);
      migrations[name] = m;
    }
  }
  return { kinds, migrations };
}
