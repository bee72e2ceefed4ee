import type { Blocks, LockMode } from './lock-modes';
import type { RuleId, Severity } from './rule-catalog';

/** One rule's verdict on one statement. */
export interface Finding {
  rule: RuleId;
  severity: Severity;
  file: string;
  /** 1-based line and column of the statement. */
  line: number;
  column: number;
  /** The statement's text, shortened to one line. */
  statement: string;
  /** The relation the lock is on, when the rule is about a lock. */
  relation: string | null;
  /** The table lock the statement takes there, as pg_locks names it (`AccessExclusiveLock`). */
  lockMode: LockMode | null;
  /** What application traffic waits while the lock is held. */
  blocks: Blocks;
  message: string;
  /** The change to make instead. */
  safeRewrite: string;
  /** The rule's documentation: docs/verify/migration-rules.md#RULE. */
  docs: string;
  /** True for changes that cannot be undone: two approvers are required. */
  irreversible: boolean;
  /** The reason given in a `-- shipgate:allow RULE reason` comment; an allowed finding does not fail the check. */
  allowed: string | null;
}
