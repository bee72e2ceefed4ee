import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { compareTables, judge, type TableStat } from './compare';
import { backupFileProblem, isInside } from './backup-paths';
import { throwawayCreatedMs, throwawayName } from './pg-tools';

const t = (table: string, rows: number, checksum = `h${rows}`): TableStat => ({ table, rows, checksum });

describe('compareTables', () => {
  const cases: { name: string; source: TableStat[]; restored: TableStat[]; critical?: string[]; want: [string, string][] }[] = [
    {
      name: 'equal',
      source: [t('public.a', 3), t('public.b', 0)],
      restored: [t('public.b', 0), t('public.a', 3)],
      want: [
        ['public.a', 'ok'],
        ['public.b', 'ok'],
      ],
    },
    {
      name: 'a table missing from the backup',
      source: [t('public.a', 3), t('public.b', 1)],
      restored: [t('public.a', 3)],
      want: [
        ['public.a', 'ok'],
        ['public.b', 'missing'],
      ],
    },
    {
      name: 'an extra table in the backup',
      source: [t('public.a', 3)],
      restored: [t('public.a', 3), t('public.old', 1)],
      want: [
        ['public.a', 'ok'],
        ['public.old', 'extra'],
      ],
    },
    { name: 'rows differ', source: [t('public.a', 3)], restored: [t('public.a', 2)], want: [['public.a', 'rows-differ']] },
    { name: 'same count, other contents', source: [t('public.a', 3, 'x')], restored: [t('public.a', 3, 'y')], want: [['public.a', 'checksum-differs']] },
    { name: 'a critical table that is empty', source: [t('public.a', 0)], restored: [t('public.a', 0)], critical: ['public.a'], want: [['public.a', 'empty']] },
    {
      name: 'a critical table nowhere',
      source: [t('public.a', 1)],
      restored: [t('public.a', 1)],
      critical: ['public.z'],
      want: [
        ['public.a', 'ok'],
        ['public.z', 'not-in-source'],
      ],
    },
    { name: 'a critical table only in the backup', source: [], restored: [t('public.z', 1)], critical: ['public.z'], want: [['public.z', 'not-in-source']] },
  ];
  for (const c of cases)
    test(c.name, () => {
      assert.deepEqual(
        compareTables(c.source, c.restored, c.critical).map((f) => [f.table, f.status]),
        c.want,
      );
    });
  test('findings name the table and both counts', () => {
    const [f] = compareTables([t('public.orders', 10)], [t('public.orders', 9)]);
    assert.equal(f!.message, 'public.orders: 10 rows in the database, 9 restored');
    assert.equal(f!.sourceRows, 10);
    assert.equal(f!.restoredRows, 9);
  });
});

describe('judge', () => {
  const ok = compareTables([t('public.a', 1)], [t('public.a', 1)]);
  const base = { rtoMs: 60_000, rpoMs: 3_600_000, restoreMs: 1_000, backupAgeMs: 0, tables: ok, amcheck: { status: 'ok' as const, errors: [] } };
  test('within rto and rpo, tables equal, amcheck ok: pass', () => {
    const v = judge(base);
    assert.equal(v.verdict, 'pass');
    assert.deepEqual(v.reasons, []);
    assert.match(v.summary, /^pass: restored in 1\.0s \(rto 1m00s\), backup 0ms old \(rpo 1h00m\), 1 table\(s\) equal, amcheck ok$/);
  });
  test('amcheck unavailable still passes: it is reported, not judged', () => {
    assert.equal(judge({ ...base, amcheck: { status: 'unavailable', errors: [] } }).verdict, 'pass');
  });
  const fails: [string, Partial<typeof base> & { error?: string }, RegExp][] = [
    ['restore over the rto', { restoreMs: 60_001 }, /^restore took 60001ms, over the rto of 60000ms$/],
    ['backup older than the rpo', { backupAgeMs: 3_600_001 }, /^backup age 3600001ms is over the rpo of 3600000ms$/],
    ['a table differs', { tables: compareTables([t('public.a', 2)], [t('public.a', 1)]) }, /^public\.a: 2 rows in the database, 1 restored$/],
    [
      'amcheck errors',
      { amcheck: { status: 'errors', errors: ['public.a_pkey: item order invariant violated'] } as never },
      /^amcheck: 1 index\(es\) corrupt: public\.a_pkey/,
    ],
    ['the restore failed', { restoreMs: null, error: 'pg_restore failed (exit 1): bad' } as never, /^pg_restore failed/],
    ['no restore time and no error', { restoreMs: null } as never, /^the restore did not finish$/],
  ];
  for (const [name, patch, reason] of fails)
    test(`fail: ${name}`, () => {
      const v = judge({ ...base, ...patch });
      assert.equal(v.verdict, 'fail');
      assert.match(v.reasons[0]!, reason);
      assert.match(v.summary, /^fail: /);
    });
  test('at exactly the rto and rpo: pass (the objectives are upper bounds)', () => {
    assert.equal(judge({ ...base, restoreMs: 60_000, backupAgeMs: 3_600_000 }).verdict, 'pass');
  });
});

describe('backup file paths', () => {
  for (const p of ['nightly.dump', 'db/2026-12-04.dump', 'a..b.dump'])
    test(`accepted: ${p}`, () => {
      assert.equal(backupFileProblem(p), undefined);
    });
  for (const [p, why] of [
    ['/etc/passwd', /not absolute/],
    ['../secret', /"\.\."/],
    ['a/../../b', /"\.\."/],
    ['a\\..\\b', /"\.\."/],
    ['C:/x', /not absolute/],
    ['', /name a file/],
    ['a\0b', /NUL/],
  ] as const)
    test(`refused: ${JSON.stringify(p)}`, () => {
      assert.match(backupFileProblem(p) ?? '', why);
    });
  test('isInside', () => {
    assert.equal(isInside('/d/backups', '/d/backups/x.dump'), true);
    assert.equal(isInside('/d/backups', '/d/backups'), true);
    assert.equal(isInside('/d/backups', '/d/backups2/x.dump'), false);
    assert.equal(isInside('/d/backups', '/etc/passwd'), false);
  });
});

describe('throwaway names', () => {
  test('carry their creation time', () => {
    const n = throwawayName(1_796_000_000_000);
    assert.match(n, /^shipgate_restore_[0-9a-z]+_[0-9a-f]{10}$/);
    assert.equal(throwawayCreatedMs(n), 1_796_000_000_000);
    assert.ok(n.length <= 63, 'a PostgreSQL identifier is at most 63 bytes');
  });
  test('names not made by Shipgate have no time', () => {
    assert.equal(throwawayCreatedMs('shipgate_restore_prod'), undefined);
    assert.equal(throwawayCreatedMs('shipgate_test_abc'), undefined);
  });
});
