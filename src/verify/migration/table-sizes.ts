/** Reads `--table-sizes FILE`: YAML or JSON `{table: rows}`. */
import { z } from 'zod';
import { InputError } from '../../core/errors';
import { parseYamlValue } from '../../core/manifest';

const MAX_ROWS = 100_000_000;
const schema = z.record(z.string().min(1), z.number().int().min(0).max(MAX_ROWS));

export function parseTableSizes(text: string, file: string): Record<string, number> {
  const doc = parseYamlValue(text, file) ?? {};
  const r = schema.safeParse(doc);
  if (!r.success)
    throw new InputError(
      `${file}: table sizes must be {table: rows} with whole row counts up to ${MAX_ROWS}`,
      r.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message, file })),
    );
  return r.data;
}
