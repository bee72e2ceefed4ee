/**
 * What each corpus migration under testdata/corpus/ must produce, checked through the CLI
 * (migration-cli.test.ts) and against the dynamic trace (migration-trace.e2e.test.ts).
 */
import type { RuleId } from './rule-catalog';

export interface CorpusCase {
  /** Rule ids of the findings, sorted, allowed ones included. */
  rules: RuleId[];
  verdict: 'safe' | 'unsafe';
  irreversible?: boolean;
}

export const CORPUS: Record<string, CorpusCase> = {
  '01-index-create.unsafe.sql': { rules: ['index-without-concurrently'], verdict: 'unsafe' },
  '02-index-create.safe.sql': { rules: [], verdict: 'safe' },
  '03-index-drop.unsafe.sql': { rules: ['index-without-concurrently', 'irreversible-drop'], verdict: 'unsafe', irreversible: true },
  '04-index-drop.safe.sql': { rules: ['irreversible-drop'], verdict: 'safe', irreversible: true },
  '05-concurrently-in-transaction.unsafe.sql': { rules: ['concurrently-in-transaction'], verdict: 'unsafe' },
  '06-concurrently-in-transaction.safe.sql': { rules: [], verdict: 'safe' },
  '07-foreign-key.unsafe.sql': { rules: ['constraint-without-not-valid'], verdict: 'unsafe' },
  '08-foreign-key.safe.sql': { rules: [], verdict: 'safe' },
  '09-check.unsafe.sql': { rules: ['constraint-without-not-valid'], verdict: 'unsafe' },
  '10-check.safe.sql': { rules: [], verdict: 'safe' },
  '11-set-not-null.unsafe.sql': { rules: ['set-not-null-without-check'], verdict: 'unsafe' },
  '12-set-not-null.safe.sql': { rules: [], verdict: 'safe' },
  '13-type-change.unsafe.sql': { rules: ['column-type-rewrite'], verdict: 'unsafe' },
  '14-type-widen.safe.sql': { rules: [], verdict: 'safe' },
  '15-type-shrink.unsafe.sql': { rules: ['column-type-rewrite'], verdict: 'unsafe' },
  '16-type-to-varchar.safe.sql': { rules: [], verdict: 'safe' },
  '17-volatile-default.unsafe.sql': { rules: ['volatile-default'], verdict: 'unsafe' },
  '18-volatile-default.safe.sql': { rules: [], verdict: 'safe' },
  '19-serial-column.unsafe.sql': { rules: ['volatile-default'], verdict: 'unsafe' },
  '20-constant-default.safe.sql': { rules: [], verdict: 'safe' },
  '21-primary-key.unsafe.sql': { rules: ['constraint-without-index'], verdict: 'unsafe' },
  '22-primary-key.safe.sql': { rules: [], verdict: 'safe' },
  '23-unique.unsafe.sql': { rules: ['constraint-without-index'], verdict: 'unsafe' },
  '24-unique.safe.sql': { rules: [], verdict: 'safe' },
  '25-vacuum-full.unsafe.sql': { rules: ['table-rewrite-command'], verdict: 'unsafe' },
  '26-vacuum.safe.sql': { rules: [], verdict: 'safe' },
  '27-cluster.unsafe.sql': { rules: ['table-rewrite-command'], verdict: 'unsafe' },
  '28-analyze.safe.sql': { rules: [], verdict: 'safe' },
  '29-rename-column.unsafe.sql': { rules: ['rename-column-or-table'], verdict: 'unsafe' },
  '30-rename-column.safe.sql': { rules: [], verdict: 'safe' },
  '31-rename-table.unsafe.sql': { rules: ['rename-column-or-table'], verdict: 'unsafe' },
  '32-rename-table.allowed.safe.sql': { rules: ['rename-column-or-table'], verdict: 'safe' },
  '33-drop-column.unsafe.sql': { rules: ['drop-column-or-table', 'irreversible-drop'], verdict: 'unsafe', irreversible: true },
  '34-drop-column.allowed.safe.sql': { rules: ['drop-column-or-table', 'irreversible-drop'], verdict: 'safe', irreversible: true },
  '35-drop-table.unsafe.sql': { rules: ['drop-column-or-table', 'irreversible-drop'], verdict: 'unsafe', irreversible: true },
  '36-drop-table.allowed.safe.sql': { rules: ['drop-column-or-table', 'irreversible-drop'], verdict: 'safe', irreversible: true },
  '37-drop-constraint.irreversible.sql': { rules: ['irreversible-drop'], verdict: 'safe', irreversible: true },
  '38-drop-default.safe.sql': { rules: [], verdict: 'safe' },
  '39-no-lock-timeout.unsafe.sql': { rules: ['missing-lock-timeout'], verdict: 'unsafe' },
  '40-lock-timeout.safe.sql': { rules: [], verdict: 'safe' },
  '41-set-local-outside-transaction.unsafe.sql': { rules: ['missing-lock-timeout'], verdict: 'unsafe' },
  '42-set-local-in-transaction.safe.sql': { rules: [], verdict: 'safe' },
  '43-locks-in-transaction.unsafe.sql': { rules: ['locks-held-in-transaction'], verdict: 'unsafe' },
  '44-locks-split.safe.sql': { rules: [], verdict: 'safe' },
  '45-new-table.safe.sql': { rules: [], verdict: 'safe' },
  '46-lock-timeout-zero.unsafe.sql': { rules: ['missing-lock-timeout'], verdict: 'unsafe' },
  '47-required-column.unsafe.sql': { rules: ['required-column-without-default'], verdict: 'unsafe' },
  '48-required-column-default.safe.sql': { rules: [], verdict: 'safe' },
};
