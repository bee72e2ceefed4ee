import type { SqlStatement } from '../sql-statements';
import type { DynamicResult } from './trace-result';

export interface TraceOptions {
  url: string;
  schema: SqlStatement[];
  files: SqlStatement[][];
  tableSizes: Record<string, number>;
  lockTimeoutMs: number;
  log: (text: string) => void;
}

export async function traceMigration(_o: TraceOptions): Promise<DynamicResult> {
  throw new Error('not yet');
}
