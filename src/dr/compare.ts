/**
 * The pure half of a backup check: the source database's tables against the restored ones
 * (row count and checksum each), and the verdict against the recovery objectives. No I/O here;
 * backup-check.ts gathers the figures.
 */
import { formatDurationMs } from '../core/duration';

/** One table as read on one side: `schema.table`, its rows and its checksum (pg-tools.ts, TABLE_STAT_SQL). */
export interface TableStat {
  table: string;
  rows: number;
  checksum: string;
}

export const TABLE_STATUSES = ['ok', 'missing', 'extra', 'rows-differ', 'checksum-differs', 'not-in-source', 'empty'] as const;
export type TableStatus = (typeof TABLE_STATUSES)[number];

export interface TableFinding {
  table: string;
  status: TableStatus;
  critical: boolean;
  sourceRows: number | null;
  restoredRows: number | null;
  sourceChecksum: string | null;
  restoredChecksum: string | null;
  message: string;
}

/**
 * Every table of either side, sorted by name. A table only in the source is `missing` from the
 * backup, one only in the restore is `extra` (the backup holds what the database no longer has);
 * a critical table must exist in the source (else the BackupCheck names a table that is not
 * there) and must not come back empty.
 */
export function compareTables(source: TableStat[], restored: TableStat[], criticalTables: string[] = []): TableFinding[] {
  const src = new Map(source.map((t) => [t.table, t]));
  const dst = new Map(restored.map((t) => [t.table, t]));
  const critical = new Set(criticalTables);
  const names = [...new Set([...src.keys(), ...dst.keys(), ...critical])].sort();
  return names.map((table) => {
    const s = src.get(table);
    const d = dst.get(table);
    const base = {
      table,
      critical: critical.has(table),
      sourceRows: s?.rows ?? null,
      restoredRows: d?.rows ?? null,
      sourceChecksum: s?.checksum ?? null,
      restoredChecksum: d?.checksum ?? null,
    };
    const f = (status: TableStatus, message: string): TableFinding => ({ ...base, status, message });
    if (!s && !d) return f('not-in-source', `critical table ${table} is in neither the database nor the backup`);
    if (!s)
      return base.critical
        ? f('not-in-source', `critical table ${table} is not in the database`)
        : f('extra', `${table} is in the backup but not in the database`);
    if (!d) return f('missing', `${table} is missing from the backup (${s.rows} rows in the database)`);
    if (s.rows !== d.rows) return f('rows-differ', `${table}: ${s.rows} rows in the database, ${d.rows} restored`);
    if (s.checksum !== d.checksum) return f('checksum-differs', `${table}: same ${s.rows} rows but their contents differ (checksum)`);
    if (base.critical && d.rows === 0) return f('empty', `critical table ${table} is empty`);
    return f('ok', `${table}: ${d.rows} rows, checksums equal`);
  });
}

export type AmcheckStatus = 'ok' | 'errors' | 'unavailable' | 'skipped';

export interface VerdictInput {
  rtoMs: number;
  rpoMs: number;
  /** Wall time of pg_restore; null when it did not finish. */
  restoreMs: number | null;
  /** Now minus the dump's time; null when there is no dump. */
  backupAgeMs: number | null;
  /** Why the check could not go on (dump or restore failed, file refused); a fail by itself. */
  error?: string;
  tables: TableFinding[];
  amcheck: { status: AmcheckStatus; errors: string[] };
}

export interface Verdict {
  verdict: 'pass' | 'fail';
  /** Every reason it failed, most fundamental first; empty on a pass. */
  reasons: string[];
  summary: string;
}

/** A measured figure against its objective, in milliseconds when rounding would print them equal. */
function overLimit(ms: number, limitMs: number): [string, string] {
  const a = formatDurationMs(ms);
  const b = formatDurationMs(limitMs);
  return a === b ? [`${Math.round(ms)}ms`, `${limitMs}ms`] : [a, b];
}

export function judge(v: VerdictInput): Verdict {
  const reasons: string[] = [];
  if (v.error) reasons.push(v.error);
  if (v.backupAgeMs !== null && v.backupAgeMs > v.rpoMs) {
    const [age, rpo] = overLimit(v.backupAgeMs, v.rpoMs);
    reasons.push(`backup age ${age} is over the rpo of ${rpo}`);
  }
  if (v.restoreMs !== null && v.restoreMs > v.rtoMs) {
    const [took, rto] = overLimit(v.restoreMs, v.rtoMs);
    reasons.push(`restore took ${took}, over the rto of ${rto}`);
  }
  for (const t of v.tables) if (t.status !== 'ok') reasons.push(t.message);
  if (v.amcheck.status === 'errors') reasons.push(`amcheck: ${v.amcheck.errors.length} index(es) corrupt: ${v.amcheck.errors.slice(0, 3).join('; ')}`);
  if (!v.error && v.restoreMs === null) reasons.push('the restore did not finish');
  const verdict = reasons.length ? 'fail' : 'pass';
  const ok = v.tables.filter((t) => t.status === 'ok').length;
  const summary =
    verdict === 'pass'
      ? `pass: restored in ${formatDurationMs(v.restoreMs!)} (rto ${formatDurationMs(v.rtoMs)}), backup ${formatDurationMs(v.backupAgeMs ?? 0)} old (rpo ${formatDurationMs(v.rpoMs)}), ${ok} table(s) equal, amcheck ${v.amcheck.status}`
      : `fail: ${reasons[0]}${reasons.length > 1 ? ` (and ${reasons.length - 1} more)` : ''}`;
  return { verdict, reasons, summary };
}
