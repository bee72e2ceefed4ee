import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertNotSamePerson, distinctPeople } from './sod';
import { RefusedError } from '../core/errors';
import type { Principal } from './roles';

const admin: Principal = { tokenId: 't1', role: 'admin', user: 'alice' };
const rule = { id: 'author-approves', action: 'approve change CHG-1', otherRole: 'author' };

test('the same person is refused whatever the role, naming the rule', () => {
  assert.throws(
    () => assertNotSamePerson(admin, 'alice', rule),
    (e: unknown) =>
      e instanceof RefusedError &&
      e.code === 'SOD_VIOLATION' &&
      /segregation of duties \(author-approves\): alice may not approve change CHG-1 because alice is the author/.test(e.message),
  );
  assert.throws(() => assertNotSamePerson('bob', 'bob', rule), RefusedError);
});

test('different people and unknown authors pass', () => {
  assert.doesNotThrow(() => assertNotSamePerson(admin, 'bob', rule));
  assert.doesNotThrow(() => assertNotSamePerson(admin, undefined, rule));
});

test('distinctPeople', () => {
  const cases: [string[], boolean][] = [
    [[], true],
    [['a'], true],
    [['a', 'b'], true],
    [['a', 'b', 'a'], false],
  ];
  for (const [people, want] of cases) assert.equal(distinctPeople(people), want, people.join(','));
});
