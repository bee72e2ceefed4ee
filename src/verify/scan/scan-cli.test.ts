import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, copyFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { main } from '../../cli/main';
import { assemble } from '../../core/assemble';
import { capabilities } from '../../capabilities';
import { parseDocuments } from '../../core/manifest';
import type { CliIo } from '../../cli/context';
import { validateJson } from './json-schema-check';
import { SARIF_SCHEMA, SCHEMAS } from './scan-test-schemas';

const testdata = join(import.meta.dirname, 'testdata');
const dir = mkdtempSync(join(tmpdir(), 'shipgate-scan-'));
for (const f of ['codeql.sarif.json', 'trivy.sarif.json', 'trivy.json', 'npm-audit.json', 'cyclonedx.json']) copyFileSync(join(testdata, f), join(dir, f));
const write = (f: string, text: string) => writeFileSync(join(dir, f), text);

// The accepted revision's report: the same scan without the lodash command injection.
const old = JSON.parse(readFileSync(join(testdata, 'trivy.json'), 'utf8'));
old.Results[0].Vulnerabilities = old.Results[0].Vulnerabilities.filter((v: { VulnerabilityID: string }) => v.VulnerabilityID !== 'CVE-2021-23337');
write('trivy-accepted.json', JSON.stringify(old));

const policy = (spec: string) => `apiVersion: shipgate.dev/v1\nkind: ScanPolicy\nmetadata:\n  name: release\nspec:\n${spec}`;
write(
  'critical.yaml',
  policy(
    '  severity: critical\n  ignore:\n    - id: CVE-2021-44906\n      package: minimist\n      reason: CLI-only dependency, never parses untrusted input (SEC-123)\n      expires: 2099-12-31\n',
  ),
);
write(
  'expired.yaml',
  policy('  severity: critical\n  ignore:\n    - id: CVE-2021-44906\n      reason: waiting for the upstream release\n      expires: 2020-01-31\n'),
);
write('no-reason.yaml', policy('  ignore:\n    - id: CVE-2021-44906\n      expires: 2099-12-31\n'));
write('fixed-only.yaml', policy('  fixedOnly: true\n'));
write('not-json.txt', 'hello\n');

function io(cwd = dir): { o: { out: string; err: string }; io: CliIo } {
  const o = { out: '', err: '' };
  return { o, io: { stdout: (s) => (o.out += s), stderr: (s) => (o.err += s), env: {}, cwd, isTTY: false } };
}

async function run(...args: string[]) {
  const { o, io: cliIo } = io();
  const code = await main(['verify', 'scan', ...args], cliIo);
  return { code, ...o };
}

describe('shipgate verify scan', () => {
  test('default policy (high and above) fails on a Trivy report, one row per finding', async () => {
    const r = await run('trivy.json');
    assert.equal(r.code, 1, r.err);
    assert.match(r.out, /^fail +critical +CVE-2021-44906 +minimist +1\.2\.5 +1\.2\.6, 0\.2\.4 +Trivy/m);
    assert.match(r.out, /below-threshold +medium +CVE-2020-28500/);
    assert.match(r.out, /FAIL \(severity ≥ high\): 4 failing, 0 ignored, 0 in baseline, 1 below threshold, 0 without fix/);
  });
  test('a ScanPolicy with a threshold and a current ignore passes', async () => {
    const r = await run('trivy.json', '--policy', 'critical.yaml');
    assert.equal(r.code, 0, r.out + r.err);
    assert.match(r.out, /ignored +critical +CVE-2021-44906/);
  });
  test('an expired ignore fails the gate, naming the entry', async () => {
    const r = await run('trivy.json', '--policy', 'expired.yaml');
    assert.equal(r.code, 1);
    assert.match(r.out, /expired ignore: spec\.ignore\[0\] \(CVE-2021-44906\) expired on 2020-01-31: waiting for the upstream release/);
  });
  test('fixed-only lets the unfixed finding through', async () => {
    const r = await run('trivy.json', '--policy', 'fixed-only.yaml', '-o', 'json');
    const j = JSON.parse(r.out);
    assert.equal(j.findings.find((f: { id: string }) => f.id === 'CVE-2099-0001').status, 'no-fix');
  });
  test('with a baseline only new findings fail', async () => {
    const r = await run('trivy.json', '--baseline', 'trivy-accepted.json', '-o', 'json');
    assert.equal(r.code, 1);
    const j = JSON.parse(r.out);
    assert.deepEqual(
      j.findings.filter((f: { status: string }) => f.status === 'fail').map((f: { id: string }) => f.id),
      ['CVE-2021-23337'],
    );
    assert.equal(j.counts.baseline, 4);
    assert.equal((await run('trivy-accepted.json', '--baseline', 'trivy-accepted.json')).code, 0);
  });
  test('several formats at once; the same CVE in two reports counts once', async () => {
    const r = await run('trivy.json', 'trivy.sarif.json', 'cyclonedx.json', 'npm-audit.json', 'codeql.sarif.json', '-o', 'json');
    const j = JSON.parse(r.out);
    const keys = j.findings.map((f: { id: string; package?: string }) => `${f.id}|${f.package ?? ''}`);
    assert.equal(new Set(keys).size, keys.length);
    assert.equal(keys.filter((k: string) => k === 'CVE-2021-44906|minimist').length, 1);
    assert.ok(keys.includes('GHSA-35jh-r3h4-6jhm|lodash') && keys.includes('js/sql-injection|'));
  });
  test('-o sarif is a valid SARIF 2.1.0 log with suppressions for ignored findings', async () => {
    const r = await run('trivy.json', 'codeql.sarif.json', '--policy', 'critical.yaml', '-o', 'sarif');
    const log = JSON.parse(r.out);
    assert.deepEqual(validateJson(log, SCHEMAS, SARIF_SCHEMA), []);
    const ignored = log.runs[0].results.find((x: { ruleId: string }) => x.ruleId === 'CVE-2021-44906');
    assert.equal(ignored.suppressions[0].status, 'accepted');
    assert.match(ignored.suppressions[0].justification, /SEC-123/);
  });
  test('-o sarif with an expired ignore is still valid SARIF and says so', async () => {
    const log = JSON.parse((await run('trivy.json', '--policy', 'expired.yaml', '-o', 'sarif')).out);
    assert.deepEqual(validateJson(log, SCHEMAS, SARIF_SCHEMA), []);
    assert.match(log.runs[0].invocations[0].toolConfigurationNotifications[0].message.text, /expired/);
  });
  test('-o junit: failures for blocking findings and expired ignores, skipped for the rest', async () => {
    const r = await run('trivy.json', '--policy', 'expired.yaml', '-o', 'junit');
    assert.match(r.out, /<testsuite name="scan" tests="6" failures="2" errors="0" skipped="4">/);
    assert.equal((r.out.match(/<skipped message=/g) ?? []).length, 4);
    assert.match(r.out, /<failure type="expired-ignore"/);
    assert.match(r.out, /<failure type="critical" message="critical CVE-2021-44906 in minimist@1.2.5"/);
  });
  test('bad input is exit 2 naming the file and the field', async () => {
    const noReason = await run('trivy.json', '--policy', 'no-reason.yaml');
    assert.equal(noReason.code, 2);
    assert.match(noReason.err, /no-reason\.yaml/);
    assert.match(noReason.err, /spec\.ignore\[0\]\.reason/);
    assert.match(noReason.err, /:7/);
    const unknown = await run('not-json.txt');
    assert.equal(unknown.code, 2);
    assert.match(unknown.err, /not-json\.txt: not a SARIF 2\.1\.0 log/);
    assert.equal((await run('missing.json')).code, 2);
    assert.equal((await run('trivy.json', '-o', 'html')).code, 2);
  });
});

describe('the ScanPolicy kind', () => {
  test('is registered, so apply, get and diff know it', () => {
    const { kinds } = assemble(capabilities);
    assert.equal(kinds.lookup('scanpolicy').kind, 'ScanPolicy');
    assert.equal(kinds.lookup('scanpolicies').kind, 'ScanPolicy');
    const r = kinds.check(parseDocuments(readFileSync(join(dir, 'critical.yaml'), 'utf8'), 'critical.yaml')[0]);
    assert.deepEqual(r.issues, []);
    const dup = kinds.check(
      parseDocuments(policy('  ignore:\n    - {id: A, reason: r, expires: 2099-01-01}\n    - {id: A, reason: s, expires: 2099-01-01}\n'), 'd.yaml')[0],
    );
    assert.deepEqual(dup.def!.validate!(dup.manifest as never, { find: async () => undefined }), [
      { path: 'spec.ignore[1]', message: 'the same finding as spec.ignore[0]; keep one entry' },
    ]);
  });
});

describe('a real npm audit report', () => {
  test('npm audit --json on a lockfile with known advisories: its findings, or its error output refused when the registry cannot audit', {
    timeout: 180_000,
  }, async (t) => {
    const project = mkdtempSync(join(tmpdir(), 'shipgate-npm-audit-'));
    for (const f of ['package.json', 'package-lock.json']) copyFileSync(join(testdata, 'npm-project', f), join(project, f));
    const npm = spawnSync('npm', ['audit', '--json'], {
      cwd: project,
      encoding: 'utf8',
      timeout: 150_000,
      env: { ...process.env, npm_config_fund: 'false', npm_config_update_notifier: 'false' },
    });
    let report: { auditReportVersion?: number; message?: string; error?: unknown } | undefined;
    try {
      report = JSON.parse(npm.stdout);
    } catch {
      /* handled below */
    }
    writeFileSync(join(project, 'audit.json'), npm.stdout);
    if (report?.auditReportVersion !== 2) {
      // npm could not audit (this machine's registry answers the audit endpoint with 405, for
      // one): what it printed must be refused as bad input naming npm's error, never read as a
      // report without findings. The report path itself is covered by testdata/npm-audit.json.
      t.diagnostic(`npm audit did not produce a report here (${report?.message ?? npm.stderr.slice(0, 200)}); checking that its error output is refused`);
      const { o, io: cliIo } = io(project);
      const code = await main(['verify', 'scan', 'audit.json', '-o', 'json'], cliIo);
      assert.equal(code, 2, o.out);
      assert.match(o.err, /npm audit did not run: .*this is npm's error output, not a report/);
      return;
    }
    const { o, io: cliIo } = io(project);
    const code = await main(['verify', 'scan', 'audit.json', '-o', 'json'], cliIo);
    assert.equal(code, 1, o.err);
    const j = JSON.parse(o.out);
    const ids = j.findings.map((f: { id: string; package: string }) => `${f.package} ${f.id}`);
    // lodash 4.17.20: command injection (high); minimist 1.2.5: prototype pollution (critical).
    assert.ok(ids.includes('lodash GHSA-35jh-r3h4-6jhm'), ids.join(', '));
    assert.ok(ids.includes('minimist GHSA-xvch-5gv4-984h'), ids.join(', '));
    assert.ok(j.findings.every((f: { tool: string; format: string }) => f.tool === 'npm audit' && f.format === 'npm-audit'));
  });
});
