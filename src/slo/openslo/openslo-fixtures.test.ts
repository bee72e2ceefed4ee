import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { KindRegistry } from '../../core/kinds';
import type { Manifest } from '../../core/manifest';
import type { Issue } from '../../core/errors';
import { OPENSLO_KINDS } from './openslo-kinds';
import { parseOpenSloFile, toOpenSloYaml } from './openslo-documents';
import { inlineReferences, toSloModel } from './openslo-resolve';
import type { SloSpec } from './openslo-schema';
import { FIXTURES } from '../../testing/fixtures';

const registry = new KindRegistry();
for (const k of OPENSLO_KINDS) registry.register(k);

/** What `shipgate apply -f FILE` decides for OpenSLO files: schema, duplicates in the batch, references. */
async function check(file: string): Promise<{ manifests: Manifest[]; issues: Issue[] }> {
  const docs = parseOpenSloFile(readFileSync(file, 'utf8'), file);
  const issues: Issue[] = [];
  const manifests: Manifest[] = [];
  const seen = new Set<string>();
  for (const d of docs) {
    const r = registry.check(d);
    issues.push(...r.issues);
    if (!r.manifest) continue;
    const key = `${r.manifest.kind}/${r.manifest.metadata.name}`;
    if (seen.has(key)) issues.push({ file, ...d.locate(['metadata', 'name']), path: 'metadata.name', message: `${key} is defined twice` });
    seen.add(key);
    manifests.push(r.manifest);
  }
  for (const m of manifests) {
    const def = registry.resolve(m.apiVersion, m.kind)!;
    const found = await def.validate?.(m, {
      find: async (kind, name) => manifests.find((x) => x.kind === registry.lookup(kind).kind && x.metadata.name === name),
    });
    issues.push(...(found ?? []));
  }
  return { manifests, issues };
}

const files = ['openslo', 'openslo-sdk'].flatMap((d) => readdirSync(join(FIXTURES, d)).map((f) => join(FIXTURES, d, f)));

/** Files refused, and why: they break the spec (or, here, a batch rule) themselves. */
const REFUSED: Record<string, RegExp> = {
  'openslo-sdk/services.yaml': /Service\/example-service is defined twice/,
};

describe('OpenSLO fixtures apply or are refused precisely', () => {
  for (const f of files) {
    const rel = f.slice(FIXTURES.length + 1);
    test(rel, async () => {
      const { manifests, issues } = await check(f);
      if (REFUSED[rel]) {
        assert.equal(issues.length, 1, JSON.stringify(issues));
        assert.match(issues[0].message, REFUSED[rel]);
        assert.equal(issues[0].line, 24); // the second metadata.name
        return;
      }
      assert.deepEqual(issues, []);
      assert.ok(manifests.length > 0);
      // Round trip: export and read back gives the same documents as the file.
      const original = parse(readFileSync(f, 'utf8'));
      const exported = parse(toOpenSloYaml(Array.isArray(original) ? manifests : manifests[0]));
      assert.deepEqual(exported, original);
    });
  }
});

describe('references', () => {
  test('go-sdk inliner golden output, byte for byte', async () => {
    const { manifests } = await check(join(FIXTURES, 'openslo-sdk/inline-input-v1_slo.yaml'));
    const lookup = (kind: string, name: string) => manifests.find((m) => m.kind === kind && m.metadata.name === name);
    const slos = manifests.filter((m) => m.kind === 'SLO').map((m) => inlineReferences(m as Manifest<SloSpec>, lookup).slo);
    const want = readFileSync(join(FIXTURES, 'openslo-sdk/inline-output-v1_slo.yaml'), 'utf8');
    assert.deepEqual(slos, parse(want));
    assert.equal(toOpenSloYaml(slos), want);
  });
  test('an indicatorRef to a missing SLI is refused with its path', async () => {
    const docs = parseOpenSloFile(readFileSync(join(FIXTURES, 'openslo-sdk/inline-input-v1_slo.yaml'), 'utf8'), 'x.yaml');
    const slo2 = registry.check(docs[1]).manifest!;
    const issues = await registry.resolve('openslo/v1', 'SLO')!.validate!(slo2, { find: async () => undefined });
    assert.deepEqual(issues, [{ path: 'spec.indicatorRef', message: 'SLI "my-sli" not found (apply it in the same batch or before)' }]);
  });
  test('the SLO model of the fixtures', async () => {
    const { manifests } = await check(join(FIXTURES, 'openslo/timeslices-slo.yaml'));
    const m = toSloModel(manifests[0] as Manifest<SloSpec>, () => undefined);
    assert.equal(m.budgetingMethod, 'Timeslices');
    assert.deepEqual(m.window, { duration: '1m', isRolling: false, calendar: { startTime: '2022-01-01 12:00:00', timeZone: 'America/New_York' } });
    assert.deepEqual(
      m.objectives.map((o) => [o.name, o.target, o.timeSliceTarget, o.timeSliceWindowMs]),
      [
        ['Internal objective', 0.995, 0.99, 60_000],
        ['SLA', 0.99, 0.99, 60_000],
      ],
    );
    assert.equal(m.indicator.kind, 'ratio');
    assert.equal(m.layer, 'user-facing');
  });
});

describe('spec violations are refused with the field', () => {
  const base = readFileSync(join(FIXTURES, 'openslo/ratio-timeslices.yaml'), 'utf8');
  const table: { name: string; edit: (s: string) => string; path: string; message: RegExp }[] = [
    {
      name: 'RatioTimeslices without timeSliceWindow',
      edit: (s) => s.replace('      timeSliceWindow: 1m\n', ''),
      path: 'spec.objectives[0].timeSliceWindow',
      message: /required with budgetingMethod RatioTimeslices/,
    },
    { name: 'target of 1 or more', edit: (s) => s.replace('target: 0.99', 'target: 99'), path: 'spec.objectives[0].target', message: /< 1/ },
    { name: 'unknown budgeting method', edit: (s) => s.replace('RatioTimeslices', 'Ratio'), path: 'spec.budgetingMethod', message: /Occurrences/ },
    { name: 'bad duration', edit: (s) => s.replace('duration: 2w', 'duration: 2 weeks'), path: 'spec.timeWindow[0].duration', message: /duration shorthand/ },
    {
      name: 'rolling with a calendar',
      edit: (s) => s.replace('isRolling: true', 'isRolling: true\n     calendar: {startTime: "2022-01-01 00:00:00", timeZone: UTC}'),
      path: 'spec.timeWindow[0].calendar',
      message: /cannot be set/,
    },
    {
      name: 'good and bad together',
      edit: (s) => s.replace('        total:', '        bad:\n          metricSource: {type: Any, spec: {query: Any}}\n        total:'),
      path: 'spec.indicator.spec.ratioMetric.bad',
      message: /exactly one of "good" and "bad"/,
    },
    {
      name: 'unknown field',
      edit: (s) => s.replace('budgetingMethod:', 'budgetMethod: x\n  budgetingMethod:'),
      path: 'spec',
      message: /unknown field "budgetMethod"/,
    },
  ];
  for (const c of table) {
    test(c.name, () => {
      const [d] = parseOpenSloFile(c.edit(base), 'slo.yaml');
      const r = registry.check(d);
      assert.equal(r.manifest, undefined);
      const hit = r.issues.find((i) => i.path === c.path);
      assert.ok(hit, `no issue at ${c.path}: ${JSON.stringify(r.issues)}`);
      assert.match(hit.message, c.message);
      assert.ok(hit.line && hit.line > 1);
    });
  }
});
