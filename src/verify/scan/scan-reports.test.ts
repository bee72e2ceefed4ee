import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../../core/errors';
import { validateJson } from './json-schema-check';
import { readReport } from './scan-reports';
import { CYCLONEDX_SCHEMA, SARIF_SCHEMA, SCHEMAS } from './scan-test-schemas';

const dir = join(import.meta.dirname, 'testdata');
const text = (f: string) => readFileSync(join(dir, f), 'utf8');
const json = (f: string) => JSON.parse(text(f));

describe('fixtures are what they claim to be', () => {
  for (const [f, schema] of [
    ['codeql.sarif.json', SARIF_SCHEMA],
    ['trivy.sarif.json', SARIF_SCHEMA],
    ['cyclonedx.json', CYCLONEDX_SCHEMA],
  ]) {
    test(`${f} validates against ${schema}`, () => assert.deepEqual(validateJson(json(f), SCHEMAS, schema), []));
  }
  test('the validator does refuse broken documents', () => {
    const sarif = json('codeql.sarif.json');
    assert.ok(validateJson({ ...sarif, version: '2.0.0' }, SCHEMAS, SARIF_SCHEMA).some((e) => e.at === '/version'));
    sarif.runs[0].results[0].level = 'fatal';
    assert.ok(validateJson(sarif, SCHEMAS, SARIF_SCHEMA).some((e) => e.at === '/runs/0/results/0/level'));
    delete sarif.runs[0].tool.driver.name;
    assert.ok(validateJson(sarif, SCHEMAS, SARIF_SCHEMA).some((e) => /"name"/.test(e.message)));
    const bom = json('cyclonedx.json');
    bom.vulnerabilities[0].ratings[0].severity = 'severe';
    bom.serialNumber = 'not-a-urn';
    const errs = validateJson(bom, SCHEMAS, CYCLONEDX_SCHEMA).map((e) => e.at);
    assert.ok(errs.includes('/vulnerabilities/0/ratings/0/severity') && errs.includes('/serialNumber'), errs.join(', '));
  });
});

const pick = (f: string) =>
  readReport(text(f), f).findings.map((x) => [x.id, x.severity, x.package ?? x.location, x.installedVersion, x.fixedVersion, x.fixAvailable, x.tool]);

describe('normalised findings per format', () => {
  test('SARIF from a code scanner: security-severity, levels, suppressed results left out', () => {
    const r = readReport(text('codeql.sarif.json'), 'codeql.sarif.json');
    assert.equal(r.format, 'sarif');
    assert.equal(r.suppressedAtSource, 1);
    assert.deepEqual(pick('codeql.sarif.json'), [
      ['js/sql-injection', 'high', 'src/db/orders.js', undefined, undefined, false, 'CodeQL'],
      ['js/unused-local-variable', 'low', 'src/util.js', undefined, undefined, false, 'CodeQL'],
    ]);
  });
  test('SARIF results of kind pass or notApplicable are not findings', () => {
    const log = {
      version: '2.1.0',
      runs: [
        {
          tool: { driver: { name: 'checker' } },
          results: ['pass', 'notApplicable', 'fail', 'review'].map((kind) => ({ ruleId: `r-${kind}`, kind, level: 'error', message: { text: kind } })),
        },
      ],
    };
    assert.deepEqual(validateJson(log, SCHEMAS, SARIF_SCHEMA), []);
    assert.deepEqual(
      readReport(JSON.stringify(log), 'k.sarif').findings.map((x) => x.id),
      ['r-fail', 'r-review'],
    );
  });
  test('SARIF from Trivy: package, versions and fix read from the message', () => {
    assert.deepEqual(pick('trivy.sarif.json'), [['CVE-2021-44906', 'critical', 'minimist', '1.2.5', '1.2.6, 0.2.4', true, 'Trivy']]);
  });
  test('Trivy JSON: vulnerabilities and failed misconfigurations', () => {
    assert.deepEqual(pick('trivy.json'), [
      ['CVE-2021-23337', 'high', 'lodash', '4.17.20', '4.17.21', true, 'Trivy'],
      ['CVE-2020-28500', 'medium', 'lodash', '4.17.20', '4.17.21', true, 'Trivy'],
      ['CVE-2021-44906', 'critical', 'minimist', '1.2.5', '1.2.6, 0.2.4', true, 'Trivy'],
      ['CVE-2099-0001', 'high', 'left-pad', '1.3.0', undefined, false, 'Trivy'],
      ['AVD-DS-0002', 'high', 'Dockerfile', undefined, undefined, true, 'Trivy'],
    ]);
  });
  test('npm audit (npm 7+): one finding per advisory, transitive entries not repeated', () => {
    assert.deepEqual(pick('npm-audit.json'), [
      ['GHSA-35jh-r3h4-6jhm', 'high', 'lodash', undefined, '4.17.21', true, 'npm audit'],
      ['GHSA-29mw-wpgm-hmr9', 'medium', 'lodash', undefined, '4.17.21', true, 'npm audit'],
      ['GHSA-xvch-5gv4-984h', 'critical', 'minimist', undefined, undefined, true, 'npm audit'],
    ]);
  });
  test('CycloneDX 1.5: affected components, highest rating, unaffected version as the fix, not_affected left out', () => {
    const r = readReport(text('cyclonedx.json'), 'cyclonedx.json');
    assert.equal(r.suppressedAtSource, 1);
    assert.deepEqual(pick('cyclonedx.json'), [
      ['CVE-2021-23337', 'high', 'lodash', '4.17.20', '4.17.21', true, 'osv-scanner (NVD)'],
      ['CVE-2021-44906', 'critical', 'minimist', '1.2.5', '1.2.6', true, 'osv-scanner (NVD)'],
      ['GHSA-0000-0000-0001', 'low', 'qs', '6.5.2', undefined, false, 'osv-scanner'],
    ]);
  });
});

describe('bad reports name the file and the field', () => {
  const rows: [string, RegExp, string][] = [
    ['{"hello": 1}', /not a SARIF 2\.1\.0 log, Trivy JSON, npm audit/, ''],
    ['{"advisories": {}, "metadata": {}}', /npm 6/, 'advisories'],
    ['{"version": "2.0.0", "runs": [], "$schema": "sarif"}', /SARIF 2\.0\.0/, 'version'],
    [
      '{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}, "results": [{"message": {"text": "m"}}]}]}',
      /names its rule/,
      'runs[0].results[0].ruleId',
    ],
    ['{"SchemaVersion": 2, "Results": [{"Vulnerabilities": [{"PkgName": "a"}]}]}', /required/, 'Results[0].Vulnerabilities[0].VulnerabilityID'],
    ['{"auditReportVersion": 2, "vulnerabilities": {"a": {"via": 3}}}', /list/, 'vulnerabilities.a.via'],
    ['{"bomFormat": "CycloneDX", "specVersion": "1.2"}', /CycloneDX 1\.2/, 'specVersion'],
    ['{"bomFormat": "CycloneDX", "specVersion": "1.5", "vulnerabilities": [{"ratings": []}]}', /required/, 'vulnerabilities[0].id'],
    ['{"a": ', /not valid YAML or JSON/, ''],
  ];
  for (const [t, re, path] of rows) {
    test(re.source, () => {
      assert.throws(
        () => readReport(t, 'report.json'),
        (e: unknown) =>
          e instanceof InputError &&
          /report\.json/.test(e.message) &&
          re.test(e.message + JSON.stringify(e.issues)) &&
          (path === '' || e.issues[0].path === path),
      );
    });
  }
});
