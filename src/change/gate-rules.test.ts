import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bindingDifferences, budgetDemand, describeDifferences, roleMayAct, slotRefusal } from './gate-rules';
import { matchingTemplate, templateMismatch } from './standard-template';
import { standardChangeTemplateSpecSchema } from './standard-template';

const approved = { service: 'shop', environment: 'production', version: 'v2', artifact: '', configHash: 'a'.repeat(64) };
const rev = (over: Partial<{ version: string; artifact: string; configHash: string }> = {}) => ({
  version: 'v2',
  artifact: '',
  configHash: 'a'.repeat(64),
  ...over,
});

test('binding differences name each field that differs from the approval', () => {
  const cases: [string, Parameters<typeof bindingDifferences>[1], string[]][] = [
    ['identical', { service: 'shop', environment: 'production', revision: rev() }, []],
    ['other version', { service: 'shop', environment: 'production', revision: rev({ version: 'v3' }) }, ['version']],
    ['other artifact', { service: 'shop', environment: 'production', revision: rev({ artifact: 'build-7' }) }, ['artifact']],
    ['other config', { service: 'shop', environment: 'production', revision: rev({ configHash: 'b'.repeat(64) }) }, ['configHash']],
    ['other service and environment', { service: 'cart', environment: 'staging', revision: rev() }, ['service', 'environment']],
    ['no revision (a continuing action): only the target', { service: 'shop', environment: 'production' }, []],
  ];
  for (const [name, requested, fields] of cases)
    assert.deepEqual(
      bindingDifferences(approved, requested).map((d) => d.field),
      fields,
      name,
    );
  const unbound = bindingDifferences(
    { ...approved, version: null, artifact: null, configHash: null },
    { service: 'shop', environment: 'production', revision: rev() },
  );
  assert.deepEqual(
    unbound.map((d) => d.field),
    ['version', 'artifact', 'configHash'],
    'a change bound to nothing authorises no release',
  );
  assert.equal(
    describeDifferences(
      bindingDifferences(approved, { service: 'shop', environment: 'production', revision: rev({ artifact: 'build-7', configHash: 'c'.repeat(64) }) }),
    ),
    `artifact: approved (default), requested build-7; config: approved sha256:${'a'.repeat(12)}…, requested sha256:${'c'.repeat(12)}…`,
  );
});

test('roles per action; admin always; steps of flag rollouts only by the server', () => {
  const cases: [Parameters<typeof roleMayAct>[0], Parameters<typeof roleMayAct>[1], boolean][] = [
    ['release', 'deployer', true],
    ['release', 'oncall', true],
    ['release', 'approver', false],
    ['release', 'viewer', false],
    ['promote', 'oncall', true],
    ['route.apply', 'oncall', false],
    ['flag.enable', 'deployer', true],
    ['flag.step', 'deployer', false],
    ['flag.step', 'admin', true],
  ];
  for (const [action, role, ok] of cases) assert.equal(roleMayAct(action, role), ok, `${action} by ${role}`);
});

test('error budget decisions: freeze and deny refuse, requireApproval asks for an approval, emergency passes', () => {
  assert.deepEqual(budgetDemand('allow', false), { needsApproval: false });
  assert.deepEqual(budgetDemand(undefined, false), { needsApproval: false });
  assert.deepEqual(budgetDemand('freeze', false), { refuse: 'BUDGET_FROZEN', needsApproval: false });
  assert.deepEqual(budgetDemand('deny', false), { refuse: 'BUDGET_FROZEN', needsApproval: false });
  assert.deepEqual(budgetDemand('requireApproval', false), { needsApproval: true });
  assert.deepEqual(budgetDemand('freeze', true), { needsApproval: false });
  assert.deepEqual(budgetDemand('requireApproval', true), { needsApproval: false });
});

test('a change is used inside its own slot only', () => {
  assert.equal(slotRefusal({ startMs: null, endMs: null }, 1000), undefined);
  assert.match(slotRefusal({ startMs: 2000, endMs: null }, 1000)!, /scheduled to start at 1970-01-01T00:00:02/);
  assert.match(slotRefusal({ startMs: 0, endMs: 500 }, 1000)!, /slot ended/);
  assert.equal(slotRefusal({ startMs: 0, endMs: 5000 }, 1000), undefined);
});

test('standard change templates: service, environment, kind, risk, never irreversible', () => {
  const t = standardChangeTemplateSpecSchema.parse({ services: ['shop'], environments: ['staging', 'production'], kinds: ['config'], maxRisk: 'medium' });
  const s = { service: 'shop', environment: 'production', kind: 'config' as const, irreversible: false, level: 'low' as const };
  assert.equal(templateMismatch(t, s), undefined);
  assert.match(templateMismatch(t, { ...s, service: 'cart' })!, /not cart/);
  assert.match(templateMismatch(t, { ...s, environment: 'dev' })!, /not dev/);
  assert.match(templateMismatch(t, { ...s, kind: 'code' })!, /not code/);
  assert.match(templateMismatch(t, { ...s, level: 'high' })!, /high risk, above the template's maximum \(medium\)/);
  assert.match(templateMismatch(t, { ...s, irreversible: true })!, /irreversible/);
  const star = standardChangeTemplateSpecSchema.parse({ services: ['*'], environments: ['*'] });
  assert.deepEqual(star.kinds, ['code', 'config']);
  assert.equal(star.maxRisk, 'low');
  assert.equal(
    matchingTemplate(
      [
        { name: 'b', spec: star },
        { name: 'a', spec: t },
      ],
      s,
    ),
    'a',
    'first by name',
  );
  assert.equal(matchingTemplate([{ name: 'b', spec: star }], { ...s, level: 'medium' }), undefined);
});
