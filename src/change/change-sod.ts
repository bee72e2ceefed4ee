/**
 * Segregation-of-duties rules for change requests. They look at people, never at roles: no
 * role, admin included, bypasses them. Each refusal is SOD_VIOLATION (403) naming its rule in
 * `details.rule`. A person is a user, whichever of their tokens they call with.
 */
import { RefusedError } from '../core/errors';
import { assertNotSamePerson, distinctPeople } from '../auth/sod';
import type { Principal } from '../auth/roles';

/** The rules, by id, with the sentence `shipgate help` and refusals use. */
export const SOD_RULES = {
  authorApproves: { id: 'sod.author-approves', text: 'the author of a change request cannot approve it' },
  approveTwice: { id: 'sod.approve-twice', text: 'a person approves a change request once' },
  approverImplements: {
    id: 'sod.approver-implements',
    text: 'an approver cannot implement the change request unless a third person recorded a compensating review',
  },
  compensatingReviewer: {
    id: 'sod.compensating-reviewer',
    text: 'a compensating review is recorded by a third person: neither the author nor the implementer',
  },
  irreversibleTwoApprovers: { id: 'sod.irreversible-two-approvers', text: 'an irreversible change needs two approvers, neither of them the author' },
} as const;

/** What the rules look at. */
export interface SodSubject {
  author: string;
  irreversible: boolean;
  /** Users who approved, in order. */
  approvers: string[];
  /** Users who recorded a compensating review. */
  compensatingReviewers: string[];
}

function who(actor: Principal | string): string {
  return typeof actor === 'string' ? actor : actor.user;
}

/** May `actor` approve? Throws SOD_VIOLATION naming the rule otherwise. */
export function assertMayApprove(actor: Principal | string, c: SodSubject): void {
  assertNotSamePerson(actor, c.author, { id: SOD_RULES.authorApproves.id, action: 'approve this change request', otherRole: 'author' });
  if (c.approvers.includes(who(actor))) {
    throw new RefusedError('SOD_VIOLATION', `segregation of duties (${SOD_RULES.approveTwice.id}): ${who(actor)} already approved this change request`, {
      rule: SOD_RULES.approveTwice.id,
      actor: who(actor),
    });
  }
}

/** May `actor` record a compensating review (before implementation)? */
export function assertMayRecordCompensatingReview(actor: Principal | string, c: SodSubject): void {
  assertNotSamePerson(actor, c.author, { id: SOD_RULES.compensatingReviewer.id, action: 'record the compensating review', otherRole: 'author' });
}

/** May `actor` implement? Checks the approver rule and, for irreversible changes, the two approvers. */
export function assertMayImplement(actor: Principal | string, c: SodSubject): void {
  const user = who(actor);
  if (c.irreversible) assertIrreversibleApprovals(c);
  if (c.approvers.includes(user)) {
    const third = c.compensatingReviewers.filter((r) => r !== user && r !== c.author);
    if (third.length === 0) {
      throw new RefusedError(
        'SOD_VIOLATION',
        `segregation of duties (${SOD_RULES.approverImplements.id}): ${user} approved this change request and may not implement it ` +
          'unless a third person (neither the author nor the implementer) records a compensating review (shipgate change review ID --compensating)',
        { rule: SOD_RULES.approverImplements.id, actor: user },
      );
    }
  }
}

/** Throws unless two different people other than the author approved. */
export function assertIrreversibleApprovals(c: SodSubject): void {
  if (!irreversibleApprovalsMet(c)) {
    const got = [...new Set(c.approvers.filter((a) => a !== c.author))];
    throw new RefusedError(
      'SOD_VIOLATION',
      `segregation of duties (${SOD_RULES.irreversibleTwoApprovers.id}): an irreversible change needs two approvers other than the author; it has ${got.length}${got.length ? ` (${got.join(', ')})` : ''}`,
      { rule: SOD_RULES.irreversibleTwoApprovers.id },
    );
  }
}

export function irreversibleApprovalsMet(c: SodSubject): boolean {
  const others = c.approvers.filter((a) => a !== c.author);
  const unique = [...new Set(others)];
  return unique.length >= 2 && distinctPeople(unique);
}
