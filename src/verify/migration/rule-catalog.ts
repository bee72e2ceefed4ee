/** The migration rules: stable ids, what each checks and where its documentation is. Pure. */

export const RULE_IDS = [
  'index-without-concurrently',
  'concurrently-in-transaction',
  'constraint-without-not-valid',
  'set-not-null-without-check',
  'column-type-rewrite',
  'volatile-default',
  'required-column-without-default',
  'constraint-without-index',
  'table-rewrite-command',
  'rename-column-or-table',
  'drop-column-or-table',
  'irreversible-drop',
  'missing-lock-timeout',
  'locks-held-in-transaction',
  'dynamic-blocking',
  'dynamic-statement-failed',
] as const;

export type RuleId = (typeof RULE_IDS)[number];

/** `error` makes the verdict unsafe; `warning` is reported but does not fail the check. */
export type Severity = 'error' | 'warning';

export interface RuleInfo {
  id: RuleId;
  title: string;
  severity: Severity;
}

export const RULES: Record<RuleId, RuleInfo> = {
  'index-without-concurrently': { id: 'index-without-concurrently', title: 'Index created or dropped without CONCURRENTLY', severity: 'error' },
  'concurrently-in-transaction': { id: 'concurrently-in-transaction', title: 'CONCURRENTLY inside a transaction block', severity: 'error' },
  'constraint-without-not-valid': { id: 'constraint-without-not-valid', title: 'Foreign key or check constraint added without NOT VALID', severity: 'error' },
  'set-not-null-without-check': { id: 'set-not-null-without-check', title: 'SET NOT NULL without a validated CHECK (col IS NOT NULL)', severity: 'error' },
  'column-type-rewrite': { id: 'column-type-rewrite', title: 'Column type change that rewrites the table', severity: 'error' },
  'volatile-default': { id: 'volatile-default', title: 'Column added with a volatile default (table rewrite)', severity: 'error' },
  'required-column-without-default': {
    id: 'required-column-without-default',
    title: 'Column added NOT NULL without a default (fails on a table with rows; breaks the running version)',
    severity: 'error',
  },
  'constraint-without-index': { id: 'constraint-without-index', title: 'PRIMARY KEY or UNIQUE added without a pre-built index', severity: 'error' },
  'table-rewrite-command': { id: 'table-rewrite-command', title: 'VACUUM FULL or CLUSTER', severity: 'error' },
  'rename-column-or-table': { id: 'rename-column-or-table', title: 'Column or table renamed (breaks the running version)', severity: 'error' },
  'drop-column-or-table': { id: 'drop-column-or-table', title: 'Column or table dropped (breaks the running version, no rollback)', severity: 'error' },
  'irreversible-drop': { id: 'irreversible-drop', title: 'DROP: the change cannot be undone', severity: 'warning' },
  'missing-lock-timeout': { id: 'missing-lock-timeout', title: 'Lock taken without lock_timeout set', severity: 'error' },
  'locks-held-in-transaction': { id: 'locks-held-in-transaction', title: 'Several lock-taking statements in one transaction', severity: 'error' },
  'dynamic-blocking': { id: 'dynamic-blocking', title: 'Traffic blocked longer than --lock-timeout in the trace', severity: 'error' },
  'dynamic-statement-failed': { id: 'dynamic-statement-failed', title: 'A statement failed in the trace', severity: 'error' },
};

/** Path of the rules page in the repository; each rule's section anchor is its id. */
export const RULES_DOC = 'docs/verify/migration-rules.md';

export function ruleDocs(id: RuleId): string {
  return `${RULES_DOC}#${id}`;
}
