/**
 * Runs every case of the Unleash client specification files present in the shared fixtures through
 * the Unleash import and the engine.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { importUnleash, toUnleashVariant } from './unleash-import';
import { FlagEngine } from './flag-engine';
import { toFlagDefinition, type FlagConfig } from './flag-model';
import { FIXTURES } from '../testing/fixtures';

const SPEC_DIR = join(FIXTURES, 'unleash-spec');
const ENV = 'spec';

interface SpecFile {
  name: string;
  state: unknown;
  tests?: Array<{ description: string; context: Record<string, unknown>; toggleName: string; expectedResult: boolean }>;
  variantTests?: Array<{ description: string; context: Record<string, unknown>; toggleName: string; expectedResult: Record<string, unknown> }>;
}

function engineFor(state: unknown): FlagEngine {
  const imported = importUnleash(state, ENV);
  const config: FlagConfig = {
    environment: ENV,
    flags: imported.flags.map((m) => toFlagDefinition(m.metadata.name, m.spec, ENV)),
    segments: Object.fromEntries(imported.segments.map((s) => [s.metadata.name, { constraints: s.spec.constraints }])),
  };
  return new FlagEngine(config);
}

const index = JSON.parse(readFileSync(join(SPEC_DIR, 'index.json'), 'utf8')) as string[];
const present = index.filter((f) => existsSync(join(SPEC_DIR, f)));

test('the specification index lists the files present', () => {
  assert.ok(present.length >= 5, `expected at least 5 specification files, found ${present.length}`);
});

for (const file of present) {
  const spec = JSON.parse(readFileSync(join(SPEC_DIR, file), 'utf8')) as SpecFile;
  describe(file, () => {
    const engine = engineFor(spec.state);
    for (const t of spec.tests ?? []) {
      test(t.description, () => {
        const r = engine.evaluate(t.toggleName, t.context);
        assert.equal(r.enabled, t.expectedResult);
      });
    }
    for (const t of spec.variantTests ?? []) {
      test(`variant: ${t.description}`, () => {
        const r = engine.evaluate(t.toggleName, t.context);
        const def = engine.definition(t.toggleName);
        const actual = toUnleashVariant(r, def?.valueType ?? 'boolean');
        const expected = { ...t.expectedResult };
        delete expected.featureEnabled;
        assert.deepEqual(actual, expected);
      });
    }
  });
}
