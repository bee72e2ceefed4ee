import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { applyGate, dedupe } from './scan-gate';
import { scanPolicySpecSchema } from './scan-policy';
import { severityOfScore, normaliseSeverity, type ScanFinding } from './scan-finding';

const f = (id: string, severity: ScanFinding['severity'], extra: Partial<ScanFinding> = {}): ScanFinding => ({
  id,
  severity,
  package: 'pkg',
  fixAvailable: true,
  tool: 't',
  format: 'trivy',
  report: 'r.json',
  ...extra,
});
const policy = (p: object = {}) => scanPolicySpecSchema.parse(p);
const TODAY = '2026-06-15';

describe('applyGate', () => {
  const rows: { name: string; findings: ScanFinding[]; policy?: object; baseline?: ScanFinding[]; result: 'pass' | 'fail'; statuses: string[] }[] = [
    { name: 'nothing found passes', findings: [], result: 'pass', statuses: [] },
    { name: 'high fails at the default threshold', findings: [f('A', 'high')], result: 'fail', statuses: ['fail'] },
    { name: 'medium passes at the default threshold', findings: [f('A', 'medium')], result: 'pass', statuses: ['below-threshold'] },
    { name: 'unknown ranks with high', findings: [f('A', 'unknown')], result: 'fail', statuses: ['fail'] },
    { name: 'a lower threshold catches medium', findings: [f('A', 'medium')], policy: { severity: 'medium' }, result: 'fail', statuses: ['fail'] },
    {
      name: 'critical-only lets high through',
      findings: [f('A', 'high'), f('B', 'critical')],
      policy: { severity: 'critical' },
      result: 'fail',
      statuses: ['fail', 'below-threshold'],
    },
    {
      name: 'fixed-only lets unfixed findings through',
      findings: [f('A', 'critical', { fixAvailable: false })],
      policy: { fixedOnly: true },
      result: 'pass',
      statuses: ['no-fix'],
    },
    { name: 'fixed-only still fails fixable ones', findings: [f('A', 'critical')], policy: { fixedOnly: true }, result: 'fail', statuses: ['fail'] },
    {
      name: 'a current ignore hides its finding',
      findings: [f('CVE-1', 'critical')],
      policy: { ignore: [{ id: 'cve-1', reason: 'not reachable', expires: '2026-06-15' }] },
      result: 'pass',
      statuses: ['ignored'],
    },
    {
      name: 'an ignore for another package does not apply',
      findings: [f('CVE-1', 'critical')],
      policy: { ignore: [{ id: 'CVE-1', package: 'other', reason: 'r', expires: '2027-01-01' }] },
      result: 'fail',
      statuses: ['fail'],
    },
    {
      name: 'an expired ignore fails the gate and ignores nothing',
      findings: [f('CVE-1', 'low')],
      policy: { ignore: [{ id: 'CVE-1', reason: 'r', expires: '2026-06-14' }] },
      result: 'fail',
      statuses: ['below-threshold'],
    },
    {
      name: 'an expired ignore fails even with no finding left',
      findings: [],
      policy: { ignore: [{ id: 'CVE-9', reason: 'r', expires: '2020-01-01' }] },
      result: 'fail',
      statuses: [],
    },
    {
      name: 'findings in the baseline do not fail',
      findings: [f('A', 'critical'), f('B', 'high')],
      baseline: [f('A', 'critical', { installedVersion: 'older' })],
      result: 'fail',
      statuses: ['fail', 'baseline'],
    },
    { name: 'only old findings: pass', findings: [f('A', 'critical')], baseline: [f('A', 'high')], result: 'pass', statuses: ['baseline'] },
    {
      name: 'the same id in another package is new',
      findings: [f('A', 'critical', { package: 'b' })],
      baseline: [f('A', 'critical')],
      result: 'fail',
      statuses: ['fail'],
    },
  ];
  for (const r of rows) {
    test(r.name, () => {
      const g = applyGate(r.findings, policy(r.policy), TODAY, r.baseline);
      assert.equal(g.result, r.result);
      assert.deepEqual(
        g.findings.map((x) => x.status),
        r.statuses,
      );
    });
  }
  test('an expired ignore is named with its index', () => {
    const g = applyGate(
      [],
      policy({
        ignore: [
          { id: 'A', reason: 'r', expires: '2027-01-01' },
          { id: 'CVE-9', reason: 'waiting on upstream', expires: '2026-01-31' },
        ],
      }),
      TODAY,
    );
    assert.deepEqual(g.expiredIgnores, [{ index: 1, entry: { id: 'CVE-9', reason: 'waiting on upstream', expires: '2026-01-31' } }]);
  });
  test('the same finding from two reports counts once, most severe', () => {
    const d = dedupe([f('A', 'medium', { tool: 'npm audit' }), f('A', 'high', { tool: 'Trivy', fixAvailable: false })]);
    assert.equal(d.length, 1);
    assert.equal(d[0].severity, 'high');
    assert.equal(d[0].fixAvailable, true);
  });
});

describe('policy schema', () => {
  const bad: [object, RegExp][] = [
    [{ ignore: [{ id: 'A', expires: '2026-01-01' }] }, /reason/],
    [{ ignore: [{ id: 'A', reason: '  ', expires: '2026-01-01' }] }, /say why/],
    [{ ignore: [{ id: 'A', reason: 'r' }] }, /expires/],
    [{ ignore: [{ id: 'A', reason: 'r', expires: '2026-02-30' }] }, /calendar/],
    [{ ignore: [{ id: 'A', reason: 'r', expires: '31/12/2026' }] }, /YYYY-MM-DD/],
    [{ severity: 'severe' }, /severity/],
    [{ fixed: true }, /fixed/],
  ];
  for (const [p, re] of bad) {
    test(`refuses ${JSON.stringify(p)}`, () => {
      const r = scanPolicySpecSchema.safeParse(p);
      assert.equal(r.success, false);
      assert.match(JSON.stringify(r.error!.issues), re);
    });
  }
});

describe('severities', () => {
  test('CVSS scores and scanner words', () => {
    assert.deepEqual([9.8, 7.0, 6.9, 4.0, 0.1, 0].map(severityOfScore), ['critical', 'high', 'medium', 'medium', 'low', 'info']);
    assert.deepEqual(['CRITICAL', 'moderate', 'warning', 'note', 'none', 'weird', undefined].map(normaliseSeverity), [
      'critical',
      'medium',
      'medium',
      'low',
      'info',
      'unknown',
      'unknown',
    ]);
  });
});
