import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ROLES, type Principal, type Role } from '../auth/roles';
import { isDomainError } from '../core/errors';
import { assertMayApprove, assertMayImplement, assertMayRecordCompensatingReview, SOD_RULES, type SodSubject } from './change-sod';

const as = (user: string, role: Role): Principal => ({ tokenId: `t-${user}`, user, role });

function refusedWith(fn: () => void, rule: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(isDomainError(e));
    assert.equal(e.code, 'SOD_VIOLATION');
    assert.equal((e.details as { rule: string }).rule, rule);
    assert.ok(e.message.includes(rule), e.message);
    return true;
  });
}

const base: SodSubject = { author: 'alice', irreversible: false, approvers: [], compensatingReviewers: [] };

/** Every rule, and for each one a case it refuses and a nearby case it allows. */
const matrix: {
  rule: string;
  refused: [string, SodSubject, (a: Principal, c: SodSubject) => void];
  allowed: [string, SodSubject, (a: Principal, c: SodSubject) => void];
}[] = [
  {
    rule: SOD_RULES.authorApproves.id,
    refused: ['alice', base, assertMayApprove],
    allowed: ['bob', base, assertMayApprove],
  },
  {
    rule: SOD_RULES.approveTwice.id,
    refused: ['bob', { ...base, approvers: ['bob'] }, assertMayApprove],
    allowed: ['carol', { ...base, approvers: ['bob'] }, assertMayApprove],
  },
  {
    rule: SOD_RULES.approverImplements.id,
    refused: ['bob', { ...base, approvers: ['bob'] }, assertMayImplement],
    allowed: ['bob', { ...base, approvers: ['bob'], compensatingReviewers: ['carol'] }, assertMayImplement],
  },
  {
    // A compensating review by the author or by the implementer does not count.
    rule: SOD_RULES.approverImplements.id,
    refused: ['bob', { ...base, approvers: ['bob'], compensatingReviewers: ['alice', 'bob'] }, assertMayImplement],
    allowed: ['dave', { ...base, approvers: ['bob'] }, assertMayImplement],
  },
  {
    rule: SOD_RULES.compensatingReviewer.id,
    refused: ['alice', { ...base, approvers: ['bob'] }, assertMayRecordCompensatingReview],
    allowed: ['carol', { ...base, approvers: ['bob'] }, assertMayRecordCompensatingReview],
  },
  {
    rule: SOD_RULES.irreversibleTwoApprovers.id,
    refused: ['dave', { ...base, irreversible: true, approvers: ['bob'] }, assertMayImplement],
    allowed: ['dave', { ...base, irreversible: true, approvers: ['bob', 'carol'] }, assertMayImplement],
  },
  {
    // The author's own approval (had it slipped in) never counts as one of the two.
    rule: SOD_RULES.irreversibleTwoApprovers.id,
    refused: ['dave', { ...base, irreversible: true, approvers: ['alice', 'bob', 'bob'] }, assertMayImplement],
    allowed: ['alice', { ...base, irreversible: true, approvers: ['bob', 'carol'] }, assertMayImplement],
  },
];

describe('segregation of duties: every rule, every role', () => {
  for (const [i, row] of matrix.entries()) {
    for (const role of ROLES) {
      test(`${row.rule} #${i}: refused for ${role}`, () => {
        const [user, subject, check] = row.refused;
        refusedWith(() => check(as(user, role), subject), row.rule);
      });
      test(`${row.rule} #${i}: allowed nearby for ${role}`, () => {
        const [user, subject, check] = row.allowed;
        assert.doesNotThrow(() => check(as(user, role), subject));
      });
    }
  }

  test('a plain user name works as the actor too', () => {
    refusedWith(() => assertMayApprove('alice', base), SOD_RULES.authorApproves.id);
  });
});
