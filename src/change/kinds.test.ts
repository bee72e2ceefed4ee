import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { approvalPolicyKind, changeWindowKind } from './kinds';
import { approvalPolicySpecSchema } from './approval-policy';
import type { Manifest } from '../core/manifest';

const policy = (spec: unknown) =>
  ({ apiVersion: 'shipgate.dev/v1', kind: 'ApprovalPolicy', metadata: { name: 'p' }, spec: approvalPolicySpecSchema.parse(spec) }) as Manifest<
    ReturnType<typeof approvalPolicySpecSchema.parse>
  >;
const noFind = { find: async () => undefined };

describe('change kinds', () => {
  test('policies may only be written by admins; windows by approvers', () => {
    assert.deepEqual(approvalPolicyKind.writeRoles, ['admin']);
    assert.deepEqual(changeWindowKind.writeRoles, ['approver']);
  });

  const cases: [string, unknown, string[]][] = [
    ['a known group', { groups: { cab: ['carol'] }, rules: [{ name: 'r', require: [{ group: 'cab' }] }] }, []],
    ['an unknown group', { rules: [{ name: 'r', require: [{ count: 1 }, { group: 'cab' }] }] }, ['spec.rules[0].require[1].group']],
    ['a rule twice', { rules: [{ name: 'r' }, { name: 'r' }] }, ['spec.rules[1].name']],
  ];
  for (const [name, spec, paths] of cases) {
    test(`policy validation: ${name}`, async () => {
      const issues = await approvalPolicyKind.validate!(policy(spec), noFind);
      assert.deepEqual(
        issues.map((i) => i.path),
        paths,
      );
    });
  }

  test('window columns show the recurrence', () => {
    const m = {
      apiVersion: 'shipgate.dev/v1',
      kind: 'ChangeWindow',
      metadata: { name: 'w' },
      spec: changeWindowKind.spec.parse({ type: 'freeze', start: '2026-01-01T00:00', durationMinutes: 60, rrule: 'FREQ=DAILY' }),
    } as Manifest<any>;
    const cols = Object.fromEntries(changeWindowKind.columns!.map((c) => [c.header, c.value(m)]));
    assert.equal(cols.recurrence, 'FREQ=DAILY');
    assert.equal(cols.start, '2026-01-01T00:00 UTC');
  });
});
