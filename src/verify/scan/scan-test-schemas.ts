/** The published SARIF 2.1.0 and CycloneDX 1.5 schemas, vendored in testdata/schemas (SOURCES.md), for the scan tests. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = join(import.meta.dirname, 'testdata', 'schemas');

/** Every vendored schema by the file name the others' `$ref`s use. */
export const SCHEMAS: Record<string, Record<string, unknown>> = Object.fromEntries(
  ['sarif-schema-2.1.0.json', 'bom-1.5.SNAPSHOT.schema.json', 'spdx.SNAPSHOT.schema.json', 'jsf-0.82.SNAPSHOT.schema.json'].map((f) => [
    f,
    JSON.parse(readFileSync(join(dir, f), 'utf8')),
  ]),
);
export const SARIF_SCHEMA = 'sarif-schema-2.1.0.json';
export const CYCLONEDX_SCHEMA = 'bom-1.5.SNAPSHOT.schema.json';
