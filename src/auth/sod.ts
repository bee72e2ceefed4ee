import { RefusedError } from '../core/errors';
import type { Principal } from './roles';

/**
 * Segregation of duties: "actor X may not do Y to a record whose author is X".
 * Applies to every role, admin included; the refusal (SOD_VIOLATION, 403) names the rule in
 * `details.rule`. People are users: `Principal.user` is the name of the user the token belongs to,
 * so two tokens of one user are one person.
 */
export function assertNotSamePerson(actor: Principal | string, other: string | undefined, rule: { id: string; action: string; otherRole: string }): void {
  const who = typeof actor === 'string' ? actor : actor.user;
  if (other !== undefined && who === other) {
    throw new RefusedError('SOD_VIOLATION', `segregation of duties (${rule.id}): ${who} may not ${rule.action} because ${who} is the ${rule.otherRole}`, {
      rule: rule.id,
      actor: who,
    });
  }
}

/** Checks that `actors` are pairwise different people, e.g. two approvers of an irreversible change. */
export function distinctPeople(actors: string[]): boolean {
  return new Set(actors).size === actors.length;
}
