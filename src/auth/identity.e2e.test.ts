/**
 * Identity is a user, not a token: segregation of duties counts users through any of their tokens,
 * tokens name existing enabled users, system names are refused, a disabled user's tokens stop
 * working, old free-text tokens migrate to users, and strangers' bad tokens cost bounded work.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes, scryptSync } from 'node:crypto';
import { startTestServer, type TestServer } from '../testing/harness';
import { createPgDatabase, testStores } from '../testing/postgres';
import { ManualClock } from '../core/clock';
import { openDatabase } from '../store/db';
import { migrateToLatest } from '../store/migrate';
import { assemble } from '../server';
import { capabilities } from '../capabilities';
import { TokenStore, clientKey } from './token-store';
import { reservedReason } from './users';
import type { ChangeView } from '../change/change-view';

const TESTDATA = join(import.meta.dirname, '..', 'change', 'testdata');

/** GET with the connection made from `localAddress` (another loopback address is another client). */
function getFrom(url: string, token: string, localAddress: string): Promise<{ status: number; retryAfter?: string; body: any }> {
  return new Promise((res, rej) => {
    const req = request(url, { method: 'GET', localAddress, headers: { authorization: `Bearer ${token}` } }, (r) => {
      let text = '';
      r.on('data', (d) => (text += d));
      r.on('end', () => res({ status: r.statusCode ?? 0, retryAfter: r.headers['retry-after'] as string | undefined, body: text ? JSON.parse(text) : null }));
    });
    req.on('error', rej);
    req.end();
  });
}

/** A well-formed token nobody issued: passes the format check, fails the secret check. */
const strangerToken = () => `sgt_${randomBytes(10).toString('hex')}.${randomBytes(24).toString('base64url')}`;

test('reserved names and client keys', () => {
  for (const n of ['system', 'System', 'shipgate', 'SHIPGATE', 'system:rollout', 'token:abc', 'rollout:r1', 'schedule:alice']) assert.ok(reservedReason(n), n);
  for (const n of ['alice', 'admin', 'systemd', 'alice@example.com', 'tokens']) assert.equal(reservedReason(n), undefined, n);
  assert.equal(clientKey('::ffff:10.1.2.3'), '10.1.2.3');
  assert.equal(clientKey('2001:db8:1:2:aaaa::1'), '2001:db8:1:2::/64');
  assert.equal(clientKey('2001:db8:1:2:bbbb::9'), clientKey('2001:db8:1:2:aaaa::1'));
  assert.notEqual(clientKey('2001:db8:1:3::1'), clientKey('2001:db8:1:2::1'));
});

for (const store of await testStores()) {
  describe(`identity on ${store}`, () => {
    let s: TestServer;
    const clock = new ManualClock(Date.parse('2026-03-02T09:00:00Z'));
    const tok: Record<string, string> = {};

    async function api(path: string, token: string, body?: unknown): Promise<{ status: number; json: any; headers: Headers }> {
      const r = await s.fetch(path, { method: body === undefined ? 'GET' : 'POST', body: body === undefined ? undefined : JSON.stringify(body), token });
      return { status: r.status, json: await r.json(), headers: r.headers };
    }
    async function createChange(extra: Record<string, unknown> = {}): Promise<ChangeView> {
      const r = await api('/api/v1/changes', tok.alice, {
        service: 'web',
        environment: 'production',
        type: 'normal',
        title: 'identity',
        rollbackPlan: 'revert',
        oncall: 'olga',
        ...extra,
      });
      assert.equal(r.status, 201, JSON.stringify(r.json));
      const sub = await api(`/api/v1/changes/${r.json.id}/submit`, tok.alice, {});
      assert.equal(sub.status, 200, JSON.stringify(sub.json));
      return sub.json as ChangeView;
    }
    /** A token made the way an admin does: `shipgate token create`. */
    async function cliToken(role: string, user: string): Promise<string> {
      const r = await s.cli(['token', 'create', '--role', role, '--user', user, '-o', 'json']);
      assert.equal(r.code, 0, r.stderr);
      return JSON.parse(r.stdout).token as string;
    }

    before(async () => {
      // A high failure allowance here; the rate-limit test below starts its own server with the default.
      s = await startTestServer({ store, clock, options: { auth: { failuresPerMinute: 1000 } } });
      const r = await s.cli(['apply', '-f', TESTDATA]);
      assert.equal(r.code, 0, r.stderr);
      for (const u of ['alice', 'bob', 'carol', 'olga']) assert.equal((await s.cli(['user', 'create', u])).code, 0, u);
      tok.alice = await cliToken('deployer', 'alice');
      tok.aliceApprover = await cliToken('approver', 'alice');
      tok.bob = await cliToken('approver', 'bob');
      tok.bob2 = await cliToken('approver', 'bob');
      tok.carol = await cliToken('approver', 'carol');
    });
    after(() => s.close());

    test('the bootstrap admin token belongs to the user admin', async () => {
      const me = await api('/api/v1/whoami', s.adminToken);
      assert.equal(me.json.user, 'admin');
      assert.match(me.json.userId, /^usr_/);
      const users = await api('/api/v1/users', s.adminToken);
      const admin = users.json.items.find((u: { name: string }) => u.name === 'admin');
      assert.equal(admin.createdBy, 'shipgate');
      assert.equal(admin.id, me.json.userId);
    });

    test('user create and list (table and json), audited', async () => {
      const created = await s.cli(['user', 'create', 'dora', '--display-name', 'Dora Explorer', '-o', 'json']);
      assert.equal(created.code, 0, created.stderr);
      assert.equal(JSON.parse(created.stdout).displayName, 'Dora Explorer');
      const table = await s.cli(['user', 'list']);
      assert.equal(table.code, 0, table.stderr);
      assert.match(table.stdout, /NAME\s+DISPLAY NAME/i);
      assert.match(table.stdout, /dora\s+Dora Explorer/);
      const list = JSON.parse((await s.cli(['user', 'list', '-o', 'json'])).stdout) as { name: string; createdBy: string }[];
      assert.deepEqual(
        list.filter((u) => ['alice', 'bob', 'carol', 'dora'].includes(u.name)).map((u) => u.createdBy),
        ['admin', 'admin', 'admin', 'admin'],
      );
      const again = await api('/api/v1/users', s.adminToken, { name: 'dora' });
      assert.equal(again.status, 409, JSON.stringify(again.json));
      const caseTwin = await api('/api/v1/users', s.adminToken, { name: 'Dora' });
      assert.equal(caseTwin.status, 409, JSON.stringify(caseTwin.json));
      const audit = await api('/api/v1/audit/events?kind=User&name=dora', s.adminToken);
      assert.deepEqual(
        audit.json.items.map((e: { action: string; actor: string }) => `${e.action} by ${e.actor}`),
        ['user.create by admin'],
      );
      // Only an admin manages users.
      assert.equal((await api('/api/v1/users', tok.bob, { name: 'mallory' })).status, 403);
      assert.equal((await api('/api/v1/users', tok.bob)).status, 403);
    });

    test('names reserved for the system are refused: IDENTITY_REFUSED', async () => {
      for (const name of ['system', 'Shipgate', 'system:rollout', 'token:0123', 'rollout:abc']) {
        const r = await api('/api/v1/users', s.adminToken, { name });
        assert.equal(r.status, 403, `${name}: ${JSON.stringify(r.json)}`);
        assert.equal(r.json.code, 'IDENTITY_REFUSED', name);
        const t = await api('/api/v1/tokens', s.adminToken, { role: 'approver', user: name });
        assert.equal(t.status, 403, `${name}: ${JSON.stringify(t.json)}`);
        assert.equal(t.json.code, 'IDENTITY_REFUSED', name);
      }
      const cli = await s.cli(['user', 'create', 'system']);
      assert.equal(cli.code, 2);
      assert.match(cli.stderr, /name the system acts under/);
      const bad = await api('/api/v1/users', s.adminToken, { name: 'two words' });
      assert.equal(bad.status, 400);
      assert.equal(bad.json.code, 'INPUT_INVALID');
      const users = (await api('/api/v1/users', s.adminToken)).json.items.map((u: { name: string }) => u.name);
      assert.ok(!users.includes('system') && !users.includes('two words'), users.join(','));
    });

    test('a token for an unknown user is refused, saying to create the user first', async () => {
      const r = await api('/api/v1/tokens', s.adminToken, { role: 'approver', user: 'ghost' });
      assert.equal(r.status, 404, JSON.stringify(r.json));
      assert.match(r.json.message, /shipgate user create ghost/);
      const cli = await s.cli(['token', 'create', '--role', 'approver', '--user', 'ghost']);
      assert.equal(cli.code, 2);
      assert.match(cli.stderr, /shipgate user create ghost/);
      // A person's role needs a user; no anonymous approver whose identity is the token itself.
      const anon = await api('/api/v1/tokens', s.adminToken, { role: 'approver' });
      assert.equal(anon.status, 400, JSON.stringify(anon.json));
      assert.match(anon.json.message, /--user NAME/);
      const tokens = (await api('/api/v1/tokens', s.adminToken)).json.items as { user: string; role: string }[];
      assert.ok(!tokens.some((t) => t.user === 'ghost'));
      // A viewer (service) token without a user gets an identity of its own.
      const viewer = await api('/api/v1/tokens', s.adminToken, { role: 'viewer' });
      assert.equal(viewer.status, 201, JSON.stringify(viewer.json));
      assert.equal(viewer.json.info.user, `token:${viewer.json.info.id}`);
      assert.equal((await api('/api/v1/whoami', viewer.json.token)).json.userId, viewer.json.info.userId);
    });

    test('one person with two tokens cannot approve their own change: SOD_VIOLATION', async () => {
      const [a, b] = await Promise.all([api('/api/v1/whoami', tok.alice), api('/api/v1/whoami', tok.aliceApprover)]);
      assert.equal(a.json.userId, b.json.userId);
      assert.notEqual(a.json.tokenId, b.json.tokenId);
      const c = await createChange();
      const r = await api(`/api/v1/changes/${c.id}/approve`, tok.aliceApprover, {});
      assert.equal(r.status, 403, JSON.stringify(r.json));
      assert.equal(r.json.code, 'SOD_VIOLATION');
      assert.equal(r.json.details.rule, 'sod.author-approves');
      assert.equal((await api(`/api/v1/changes/${c.id}`, tok.alice)).json.approvals.length, 0);
    });

    test('two tokens of one user count once toward a two-approval rule', async () => {
      const c = await createChange({ irreversible: true });
      const first = await api(`/api/v1/changes/${c.id}/approve`, tok.bob, {});
      assert.equal(first.status, 200, JSON.stringify(first.json));
      assert.notEqual(first.json.state, 'scheduled');
      const second = await api(`/api/v1/changes/${c.id}/approve`, tok.bob2, {});
      assert.equal(second.status, 403, JSON.stringify(second.json));
      assert.equal(second.json.code, 'SOD_VIOLATION');
      assert.equal(second.json.details.rule, 'sod.approve-twice');
      const view = (await api(`/api/v1/changes/${c.id}`, tok.alice)).json as ChangeView;
      assert.notEqual(view.state, 'scheduled');
      assert.deepEqual(
        view.approvals.map((x) => x.user),
        ['bob'],
      );
      const carol = await api(`/api/v1/changes/${c.id}/approve`, tok.carol, {});
      assert.equal(carol.status, 200, JSON.stringify(carol.json));
      assert.equal(carol.json.state, 'scheduled');
    });

    test('an approval body naming another user is refused; the actor is always the caller', async () => {
      const c = await createChange();
      for (const body of [{ user: 'carol' }, { actor: 'carol' }, { by: 'carol' }, { comment: 'ok', approver: 'carol' }]) {
        for (const t of [tok.bob, s.adminToken]) {
          const r = await api(`/api/v1/changes/${c.id}/approve`, t, body);
          assert.equal(r.status, 400, `${JSON.stringify(body)}: ${JSON.stringify(r.json)}`);
          assert.equal(r.json.code, 'INPUT_INVALID');
        }
      }
      assert.equal((await api(`/api/v1/changes/${c.id}`, tok.alice)).json.approvals.length, 0);
      // An admin approving does so as the user admin, never as anyone else.
      const r = await api(`/api/v1/changes/${c.id}/approve`, s.adminToken, { comment: 'as myself' });
      assert.equal(r.status, 200, JSON.stringify(r.json));
      assert.deepEqual(
        r.json.approvals.map((x: { user: string }) => x.user),
        ['admin'],
      );
    });

    test("a disabled user's tokens stop working at once; no new token is issued for them", async () => {
      await s.cli(['user', 'create', 'erin']);
      const t1 = await cliToken('deployer', 'erin');
      const t2 = await cliToken('viewer', 'erin');
      assert.equal((await api('/api/v1/whoami', t1)).status, 200);
      assert.equal((await api('/api/v1/whoami', t2)).status, 200);
      const self = await api('/api/v1/users/admin/disable', s.adminToken, {});
      assert.equal(self.status, 409, JSON.stringify(self.json));
      assert.equal((await api('/api/v1/users/erin/disable', tok.bob, {})).status, 403);
      const d = await s.cli(['user', 'disable', 'erin']);
      assert.equal(d.code, 0, d.stderr);
      for (const t of [t1, t2]) {
        const r = await api('/api/v1/whoami', t);
        assert.equal(r.status, 401, JSON.stringify(r.json));
        assert.match(r.json.message, /erin is disabled/);
      }
      assert.equal((await api('/api/v1/whoami', tok.bob)).status, 200);
      const again = await api('/api/v1/tokens', s.adminToken, { role: 'viewer', user: 'erin' });
      assert.equal(again.status, 403, JSON.stringify(again.json));
      assert.equal(again.json.code, 'IDENTITY_REFUSED');
      assert.equal((await api('/api/v1/users/erin/disable', s.adminToken, {})).status, 409);
      assert.equal((await api('/api/v1/users/nobody/disable', s.adminToken, {})).status, 404);
      const list = JSON.parse((await s.cli(['user', 'list', '-o', 'json'])).stdout) as { name: string; disabledAt: string | null }[];
      assert.ok(list.find((u) => u.name === 'erin')!.disabledAt);
      const audit = await api('/api/v1/audit/events?kind=User&name=erin', s.adminToken);
      assert.deepEqual(
        audit.json.items.map((e: { action: string }) => e.action),
        ['user.create', 'user.disable'],
      );
    });

    test('failed token checks are bounded per address: 429 with Retry-After, no more scrypt', async () => {
      // The buckets refill with the server's clock: held still, so a slow machine cannot refill them mid-test.
      const still = new ManualClock(Date.parse('2026-03-02T09:00:00Z'));
      const t = await startTestServer({ store, clock: still });
      try {
        const good = await t.token('viewer', 'vera');
        const fresh = await t.token('viewer', 'walt');
        const url = new URL('/api/v1/whoami', t.url).toString();
        assert.equal((await getFrom(url, good, '127.0.0.1')).status, 200);
        const before = t.server.ctx.tokens.scryptCount;
        const statuses: number[] = [];
        let retryAfter: string | undefined;
        for (let i = 0; i < 30; i++) {
          const r = await getFrom(url, strangerToken(), '127.0.0.1');
          statuses.push(r.status);
          if (r.status === 429) {
            retryAfter = r.retryAfter;
            assert.equal(r.body.code, 'RATE_LIMITED');
          }
        }
        assert.deepEqual(statuses, [...Array(20).fill(401), ...Array(10).fill(429)]);
        // Empty bucket, clock still: the next unit comes in 60 s / 20 = 3 s.
        assert.equal(retryAfter, '3');
        // The ten refused ones never reached scrypt.
        assert.equal(t.server.ctx.tokens.scryptCount - before, 20);
        // A token this address already proved keeps working; a stranger's is still refused.
        assert.equal((await getFrom(url, good, '127.0.0.1')).status, 200);
        assert.equal((await getFrom(url, strangerToken(), '127.0.0.1')).status, 429);
        // Another address is not limited: its good token works, its bad ones are plain 401s.
        assert.equal((await getFrom(url, fresh, '127.0.0.2')).status, 200);
        assert.equal((await getFrom(url, strangerToken(), '127.0.0.2')).status, 401);
        // The bucket refills with time: one failure's worth every 3 s.
        still.advance(3_000);
        assert.equal((await getFrom(url, strangerToken(), '127.0.0.1')).status, 401);
        assert.equal((await getFrom(url, strangerToken(), '127.0.0.1')).status, 429);
        // A bad token repeated is remembered: one scrypt, however often it is tried.
        const n = t.server.ctx.tokens.scryptCount;
        const same = strangerToken();
        for (let i = 0; i < 5; i++) assert.equal((await getFrom(url, same, '127.0.0.3')).status, 401);
        assert.equal(t.server.ctx.tokens.scryptCount - n, 1);
      } finally {
        await t.close();
      }
    });

    test('migration: free-text token users become users; old tokens keep working', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'shipgate-idmig-'));
      const pgdb = store === 'postgres' ? await createPgDatabase() : undefined;
      const { db, close } = openDatabase({ url: pgdb?.url, dataDir: dir });
      try {
        const { migrations } = assemble(capabilities);
        const { ['202612031610_auth_users']: users, ...older } = migrations;
        assert.ok(users, 'the users migration is registered');
        await migrateToLatest(db, older);
        const secret = randomBytes(24).toString('base64url');
        const salt = randomBytes(16);
        const row = (id: string, user: string, at: string, hash = randomBytes(32)) => ({
          id,
          salt: salt.toString('hex'),
          secret_hash: hash.toString('hex'),
          role: 'approver' as const,
          user_name: user,
          environment: null,
          description: null,
          created_at: at,
          created_by: 'admin',
          revoked_at: null,
        });
        const aliceId = '0123456789abcdef0001';
        const shipgateId = '0123456789abcdef0005';
        await db
          .insertInto('tokens')
          .values([
            row(aliceId, 'alice', '2026-01-02T00:00:00.000Z', scryptSync(secret, salt, 32)),
            row('0123456789abcdef0002', 'alice', '2026-01-01T00:00:00.000Z'),
            row('0123456789abcdef0003', 'bob', '2026-01-03T00:00:00.000Z'),
            row('0123456789abcdef0004', 'token:0123456789abcdef0004', '2026-01-04T00:00:00.000Z'),
            // Names the old free-text field let an admin give a token: the system's, another token's.
            row(shipgateId, 'shipgate', '2026-01-05T00:00:00.000Z', scryptSync(secret, salt, 32)),
            row('0123456789abcdef0006', 'token:0123456789abcdef0004', '2026-01-06T00:00:00.000Z'),
          ])
          .execute();
        assert.deepEqual(await migrateToLatest(db, migrations), ['202612031610_auth_users']);
        const userRows = await db.selectFrom('users').selectAll().orderBy('name').execute();
        assert.deepEqual(
          userRows.map((u) => [u.name, u.created_at, u.disabled_at !== null]),
          [
            ['alice', '2026-01-01T00:00:00.000Z', false],
            ['bob', '2026-01-03T00:00:00.000Z', false],
            ['shipgate', '2026-01-05T00:00:00.000Z', true],
            ['token:0123456789abcdef0004', '2026-01-04T00:00:00.000Z', true],
          ],
        );
        const tokens = await db.selectFrom('tokens').select(['id', 'user_id']).orderBy('id').execute();
        const byName = new Map(userRows.map((u) => [String(u.name), String(u.id)]));
        assert.deepEqual(
          tokens.map((t) => t.user_id),
          ['alice', 'alice', 'bob', 'token:0123456789abcdef0004', 'shipgate', 'token:0123456789abcdef0004'].map((n) => byName.get(n)),
        );
        const store = new TokenStore(db);
        const p = await store.authenticate(`sgt_${aliceId}.${secret}`);
        assert.equal(p.user, 'alice');
        assert.equal(p.userId, byName.get('alice'));
        // A token that claimed the system's name no longer works.
        await assert.rejects(store.authenticate(`sgt_${shipgateId}.${secret}`), /user shipgate is disabled/);
      } finally {
        await close();
        await pgdb?.drop();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}
