/** The static half of `verify migration`: the rules over parsed files, from the schema they start on. Pure; shared by the CLI and the server's verifier. */
import type { Finding } from './finding';
import { checkStatements } from './migration-rules';
import { SchemaModel } from './schema-model';
import type { SqlStatement } from './sql-statements';

export function staticFindings(schema: SqlStatement[] | null, files: SqlStatement[][], options: { inTransaction?: boolean } = {}): Finding[] {
  const model = new SchemaModel();
  if (schema) {
    model.beginFile();
    for (const s of schema) model.apply(s);
  }
  return files.flatMap((statements) => checkStatements(statements, model, options));
}
