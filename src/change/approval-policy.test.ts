import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  approvalPolicySpecSchema,
  approvalStatus,
  canContribute,
  groupsOf,
  requiredApprovals,
  type ApprovalPolicySpec,
  type PolicySubject,
} from './approval-policy';

const policy: ApprovalPolicySpec = approvalPolicySpecSchema.parse({
  groups: { cab: ['carol', 'dave', 'erin'], dba: ['frank'] },
  rules: [
    { name: 'prod-low', match: { types: ['normal'], levels: ['low', 'medium'], environments: ['production'] }, require: [{ count: 1 }] },
    {
      name: 'prod-high',
      match: { types: ['normal'], levels: ['high', 'critical'], environments: ['production'] },
      require: [{ count: 1 }, { group: 'cab', count: 2 }],
    },
    { name: 'tier1-emergency', match: { types: ['emergency'], tiers: [1] }, require: [{ group: 'cab', count: 1 }] },
    { name: 'db', match: { services: ['db'] }, require: [{ group: 'dba' }], requireRollbackPlan: true },
  ],
});
const policies = [{ name: 'default', spec: policy }];
const subject: PolicySubject = { type: 'normal', level: 'low', tier: 2, environment: 'production', service: 'shop', irreversible: false };

describe('requiredApprovals', () => {
  const cases: [string, Partial<PolicySubject>, string[], boolean][] = [
    ['standard needs nothing', { type: 'standard' }, [], false],
    ['normal low in production: one peer', {}, ['assess/-/1'], false],
    ['normal high in production: a peer and two of cab', { level: 'high' }, ['assess/-/1', 'authorize/cab/2'], true],
    ['normal outside any rule: default peer', { environment: 'staging' }, ['assess/-/1'], false],
    ['normal critical without rule: two peers by default', { environment: 'staging', level: 'critical' }, ['assess/-/2'], true],
    ['emergency tier 1: cab', { type: 'emergency', tier: 1 }, ['authorize/cab/1'], false],
    ['emergency tier 3: one peer at authorize', { type: 'emergency', tier: 3 }, ['authorize/-/1'], false],
    ['irreversible: two approvers', { irreversible: true }, ['assess/-/2'], false],
    ['irreversible standard still needs two', { type: 'standard', irreversible: true }, ['authorize/-/2'], false],
    ['db: a dba at authorize and a peer', { service: 'db' }, ['assess/-/1', 'authorize/dba/1'], false],
  ];
  for (const [name, patch, expected, highImpact] of cases) {
    test(name, () => {
      const r = requiredApprovals({ ...subject, ...patch }, policies);
      assert.deepEqual(r.requirements.map((q) => `${q.stage}/${q.group ?? '-'}/${q.count}`).sort(), expected);
      assert.equal(r.requireOncall, highImpact);
    });
  }
  test('a rule can require a rollback plan below high', () => {
    assert.equal(requiredApprovals({ ...subject, service: 'db' }, policies).requireRollbackPlan, true);
    assert.deepEqual(requiredApprovals({ ...subject, service: 'db' }, policies).matched, ['default/prod-low', 'default/db']);
  });
  test('verifications of every matching rule apply to every type of change, standard and emergency included', () => {
    const gated = [
      {
        name: 'gates',
        spec: approvalPolicySpecSchema.parse({
          rules: [
            { name: 'prod', match: { environments: ['production'] }, requireVerifications: ['scan', 'migration'] },
            { name: 'shop-api', match: { services: ['shop'] }, requireVerifications: ['openapi', 'scan'] },
          ],
        }),
      },
    ];
    for (const type of ['normal', 'standard', 'emergency'] as const) {
      assert.deepEqual(requiredApprovals({ ...subject, type }, gated).verifications, ['migration', 'openapi', 'scan'], type);
    }
    assert.deepEqual(requiredApprovals({ ...subject, service: 'cart', environment: 'staging' }, gated).verifications, []);
    const bad = approvalPolicySpecSchema.safeParse({ rules: [{ name: 'x', requireVerifications: ['lint'] }] });
    assert.equal(bad.success, false);
    assert.deepEqual(bad.error!.issues[0].path, ['rules', 0, 'requireVerifications', 0]);
  });
  test('schema refuses unknown fields and bad levels with the field path', () => {
    const r = approvalPolicySpecSchema.safeParse({ rules: [{ name: 'x', match: { levels: ['severe'] } }] });
    assert.equal(r.success, false);
    assert.deepEqual(r.error!.issues[0].path, ['rules', 0, 'match', 'levels', 0]);
    assert.equal(approvalPolicySpecSchema.safeParse({ rules: [{ name: 'x', bogus: 1 }] }).success, false);
  });
});

describe('approvalStatus', () => {
  const req = requiredApprovals({ ...subject, level: 'high' }, policies).requirements;
  const g = (u: string) => ({ user: u, groups: groupsOf(u, policies) });
  const cases: [string, string[], boolean, boolean][] = [
    ['nobody yet', [], false, false],
    ['the author does not count', ['alice'], false, false],
    ['a peer meets assess', ['bob'], true, false],
    ['one cab member is a peer too', ['carol'], true, false],
    ['two cab members authorise', ['carol', 'dave'], true, true],
    ['the same person twice counts once', ['carol', 'carol'], true, false],
  ];
  for (const [name, users, assess, authorize] of cases) {
    test(name, () => {
      const s = approvalStatus(req, users.map(g), 'alice');
      assert.equal(s.assessDone, assess);
      assert.equal(s.authorizeDone, authorize);
    });
  }
  test('who can still help', () => {
    const s = approvalStatus(req, [g('bob')], 'alice');
    assert.equal(canContribute(s, 'erin', ['cab']), true);
    assert.equal(canContribute(s, 'zoe', []), false);
    assert.deepEqual(groupsOf('frank', policies), ['dba']);
  });
});
