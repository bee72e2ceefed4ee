/**
 * Every segregation-of-duties rule, tried through the API by every role: roles the route admits
 * (admin included) are refused by the rule, named in the answer; the others by their role.
 * Nobody gets through. SQLite only: the rules live above the store, which change.e2e covers on both.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '../testing/harness';
import { ManualClock } from '../core/clock';
import type { Role } from '../auth/roles';
import type { ChangeView } from './change-view';
import { SOD_RULES } from './change-sod';

const TESTDATA = join(import.meta.dirname, 'testdata');
const ROLES_TRIED: Role[] = ['viewer', 'deployer', 'approver', 'oncall', 'admin'];

describe('segregation of duties: no role bypasses a rule', () => {
  let s: TestServer;
  const clock = new ManualClock(Date.parse('2026-03-02T09:00:00Z'));
  const tokens = new Map<string, string>();
  const token = async (user: string, role: Role) => {
    const key = `${user}/${role}`;
    if (!tokens.has(key)) tokens.set(key, await s.token(role, user));
    return tokens.get(key)!;
  };
  async function call(path: string, user: string, role: Role, body?: unknown): Promise<{ status: number; json: any }> {
    const r = await s.fetch(path, {
      method: body === undefined ? 'GET' : 'POST',
      body: body === undefined ? undefined : JSON.stringify(body),
      token: await token(user, role),
    });
    return { status: r.status, json: await r.json() };
  }
  async function okCall(path: string, user: string, role: Role, body: unknown = {}): Promise<ChangeView> {
    const r = await call(path, user, role, body);
    assert.ok(r.status < 300, `${path} as ${user}/${role}: ${JSON.stringify(r.json)}`);
    return r.json as ChangeView;
  }
  const create = (extra: Record<string, unknown> = {}) =>
    okCall('/api/v1/changes', 'alice', 'deployer', {
      service: 'web',
      environment: 'production',
      type: 'normal',
      title: 'matrix',
      rollbackPlan: 'revert',
      oncall: 'olga',
      ...extra,
    });

  before(async () => {
    s = await startTestServer({ store: 'sqlite', clock });
    const r = await s.cli(['apply', '-f', TESTDATA]);
    assert.equal(r.code, 0, r.stderr);
  });
  after(() => s.close());

  const rows: { rule: string; admits: Role[]; attempt: (role: Role) => Promise<{ status: number; json: any }> }[] = [
    {
      rule: SOD_RULES.authorApproves.id,
      admits: ['approver', 'admin'],
      async attempt(role) {
        const c = await create();
        await okCall(`/api/v1/changes/${c.id}/submit`, 'alice', 'deployer');
        return call(`/api/v1/changes/${c.id}/approve`, 'alice', role, {});
      },
    },
    {
      rule: SOD_RULES.approveTwice.id,
      admits: ['approver', 'admin'],
      async attempt(role) {
        const c = await create({ irreversible: true });
        await okCall(`/api/v1/changes/${c.id}/submit`, 'alice', 'deployer');
        await okCall(`/api/v1/changes/${c.id}/approve`, 'bob', 'approver');
        return call(`/api/v1/changes/${c.id}/approve`, 'bob', role, {});
      },
    },
    {
      rule: SOD_RULES.approverImplements.id,
      admits: ['deployer', 'oncall', 'admin'],
      async attempt(role) {
        const c = await create();
        await okCall(`/api/v1/changes/${c.id}/submit`, 'alice', 'deployer');
        await okCall(`/api/v1/changes/${c.id}/approve`, 'bob', 'approver');
        return call(`/api/v1/changes/${c.id}/implement`, 'bob', role, {});
      },
    },
    {
      rule: SOD_RULES.compensatingReviewer.id,
      admits: ['deployer', 'approver', 'oncall', 'admin'],
      async attempt(role) {
        const c = await create();
        await okCall(`/api/v1/changes/${c.id}/submit`, 'alice', 'deployer');
        await okCall(`/api/v1/changes/${c.id}/approve`, 'bob', 'approver');
        return call(`/api/v1/changes/${c.id}/review`, 'alice', role, { summary: 'my own check', compensating: true });
      },
    },
    {
      rule: SOD_RULES.irreversibleTwoApprovers.id,
      admits: ['deployer', 'oncall', 'admin'],
      async attempt(role) {
        const c = await create({ irreversible: true });
        await okCall(`/api/v1/changes/${c.id}/submit`, 'alice', 'deployer');
        await okCall(`/api/v1/changes/${c.id}/approve`, 'bob', 'approver');
        return call(`/api/v1/changes/${c.id}/implement`, 'erin', role, {});
      },
    },
  ];

  for (const row of rows) {
    for (const role of ROLES_TRIED) {
      const byRule = row.admits.includes(role);
      test(`${row.rule} as ${role}: refused ${byRule ? 'by the rule' : 'by the role'}`, async () => {
        const r = await row.attempt(role);
        assert.equal(r.status, 403, JSON.stringify(r.json));
        assert.equal(r.json.code, byRule ? 'SOD_VIOLATION' : 'NOT_ALLOWED');
        if (byRule) {
          assert.equal(r.json.details?.rule, row.rule, r.json.message);
          assert.match(r.json.message, new RegExp(row.rule.replace('.', '\\.')));
        }
      });
    }
  }

  test('the compensating review by a third person lets the approver implement; the author can still not approve', async () => {
    const c = await create();
    await okCall(`/api/v1/changes/${c.id}/submit`, 'alice', 'deployer');
    await okCall(`/api/v1/changes/${c.id}/approve`, 'bob', 'approver');
    await okCall(`/api/v1/changes/${c.id}/review`, 'carol', 'approver', { summary: 'checked', compensating: true });
    const v = await okCall(`/api/v1/changes/${c.id}/implement`, 'bob', 'admin');
    assert.equal(v.implementer, 'bob');
  });

  test('an irreversible change with two approvers other than the author can be implemented', async () => {
    const c = await create({ irreversible: true });
    await okCall(`/api/v1/changes/${c.id}/submit`, 'alice', 'deployer');
    await okCall(`/api/v1/changes/${c.id}/approve`, 'bob', 'approver');
    const v = await okCall(`/api/v1/changes/${c.id}/approve`, 'carol', 'admin');
    assert.equal(v.state, 'scheduled');
    assert.equal((await okCall(`/api/v1/changes/${c.id}/implement`, 'alice', 'deployer')).state, 'implement');
  });
});
