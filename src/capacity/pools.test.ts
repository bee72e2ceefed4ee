import { test } from 'node:test';
import assert from 'node:assert/strict';
import { poolReport, type PoolClient } from './pools';

const clients: PoolClient[] = [
  { service: 'shop', pool: 20, user: 'shop', replicas: 3, peakReplicas: 6, strategy: 'canary' },
  { service: 'billing', pool: 10, user: 'billing', replicas: 2, peakReplicas: 4, strategy: 'blueGreen' },
  { service: 'search', pool: 5, replicas: 1, peakReplicas: 2, strategy: 'rolling' },
];

test('each release at its peak with the others steady; declared roles are the pools’ own connections', () => {
  const r = poolReport(
    clients,
    {
      maxConnections: 200,
      superuserReserved: 3,
      reserved: 2,
      inUse: [
        { user: 'shop', connections: 40 },
        { user: 'admin', connections: 7 },
      ],
    },
    10,
  );
  assert.equal(r.usable, 185);
  assert.equal(r.others, 7);
  assert.equal(r.pooled, 40);
  assert.equal(r.steady, 20 * 3 + 10 * 2 + 5);
  assert.deepEqual(
    r.releases.map((x) => [x.service, x.pools, x.total, x.fits]),
    [
      ['shop', 120 + 20 + 5, 152, true],
      ['billing', 60 + 40 + 5, 112, true],
      ['search', 60 + 20 + 10, 97, true],
    ],
  );
  assert.equal(r.releases[0].arithmetic, 'shop 20 × 6 (canary peak) + billing 10 × 2 + search 5 × 1 = 145; + 7 held by others = 152 ≤ 185 usable');
  assert.equal(r.fits, true);
});

test('one release over the limit: that one does not fit, the report does not', () => {
  const r = poolReport(clients, { maxConnections: 150, superuserReserved: 3, reserved: 0, inUse: [{ user: 'admin', connections: 4 }] }, 0);
  assert.deepEqual(
    r.releases.map((x) => x.fits),
    [false, true, true],
  );
  assert.match(r.releases[0].arithmetic, /= 149 > 147 usable$/);
  assert.equal(r.fits, false);
});

test('a pool without a declared role: every open connection counts as someone else’s', () => {
  const r = poolReport([clients[2]], { maxConnections: 20, superuserReserved: 3, reserved: 0, inUse: [{ user: 'search', connections: 5 }] }, 0);
  assert.equal(r.others, 5);
  assert.equal(r.releases[0].total, 15);
  assert.equal(r.releases[0].fits, true);
});
