/**
 * The keyed audit chain and its signed checkpoints, through a real server and the CLI, on both
 * stores. Tampering is done the way an intruder holding only the database would: SQL on the
 * tables, including recomputing the chain with the old plain SHA-256.
 */
import { describe, test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { startTestServer, type TestServer } from '../testing/harness';
import { createPgDatabase, testStores, type StoreKind } from '../testing/postgres';
import { startServer, type RunningServer, type StartOptions } from '../server';
import { main } from '../cli/main';
import { canonicalJson, sha256 } from '../core/ids';
import type { Db } from '../store/db';
import { signCheckpoint, type Checkpoint } from './checkpoints';
import { publicKeyFingerprint, type SigningKey } from './audit-keys';

function manifests(n: number, prefix = 'svc'): string {
  const dir = mkdtempSync(join(tmpdir(), 'shipgate-keyed-'));
  const docs = Array.from({ length: n }, (_, i) => `apiVersion: shipgate.dev/v1\nkind: Service\nmetadata: {name: ${prefix}-${i}}\nspec: {tier: 2}\n`);
  writeFileSync(join(dir, 'services.yaml'), docs.join('---\n'));
  return dir;
}

async function headSeq(db: Db): Promise<number> {
  return Number((await sql<{ m: number }>`select max(seq) as m from audit_events`.execute(db)).rows[0].m);
}

/** What an intruder with the database can do: rewrite every event's links with plain SHA-256. */
async function recomputeWithSha256(db: Db): Promise<void> {
  const rows = await db.selectFrom('audit_events').selectAll().orderBy('seq', 'asc').execute();
  let prev = '0'.repeat(64);
  for (const r of rows) {
    const hash = sha256(
      canonicalJson({
        seq: Number(r.seq),
        at: r.at,
        actor: r.actor,
        action: r.action,
        kind: r.kind,
        name: r.name,
        beforeHash: r.before_hash ?? null,
        afterHash: r.after_hash ?? null,
        details: r.details === null ? null : JSON.parse(r.details),
        prevHash: prev,
      }),
    );
    await db.updateTable('audit_events').set({ prev_hash: prev, hash }).where('seq', '=', r.seq).execute();
    prev = hash;
  }
}

async function cliAgainst(server: RunningServer, token: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    stdout: (s) => void (stdout += s),
    stderr: (s) => void (stderr += s),
    env: { SHIPGATE_SERVER: server.url, SHIPGATE_TOKEN: token },
    cwd: process.cwd(),
    isTTY: false,
  });
  return { code, stdout, stderr };
}

/** A store that outlives one server, for restarts: a data folder and (for PostgreSQL) a database. */
async function persistentStore(store: StoreKind) {
  const dataDir = mkdtempSync(join(tmpdir(), 'shipgate-keyed-store-'));
  const pg = store === 'postgres' ? await createPgDatabase() : undefined;
  return {
    dataDir,
    start: (o: Omit<StartOptions, 'listen' | 'databaseUrl'> = {}) =>
      startServer({ dataDir, ...o, listen: '127.0.0.1:0', databaseUrl: pg?.url ?? `sqlite:${join(dataDir, 'shipgate.db')}`, logLevel: 'silent' }),
    async drop() {
      await pg?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

for (const store of await testStores()) {
  describe(`keyed audit chain on ${store}`, () => {
    let s: TestServer;
    let db: Db;
    beforeEach(async () => {
      s = await startTestServer({ store });
      db = s.server.ctx.db;
      const r = await s.cli(['apply', '-f', manifests(8)]);
      assert.equal(r.code, 0, r.stderr);
    });
    afterEach(() => s.close());

    const exportCheckpoint = async (): Promise<Checkpoint> => {
      const r = await s.cli(['audit', 'checkpoint', 'export']);
      assert.equal(r.code, 0, r.stderr);
      return JSON.parse(r.stdout) as Checkpoint;
    };

    test('the key files and the checkpoint file are 0600; events carry MACs, not plain SHA-256', async () => {
      await exportCheckpoint();
      for (const f of ['audit.key', 'audit-signing.key', 'audit-checkpoint.json']) {
        assert.equal(statSync(join(s.dataDir, f)).mode & 0o777, 0o600, f);
      }
      assert.match(readFileSync(join(s.dataDir, 'audit.key'), 'utf8'), /^[0-9a-f]{64}\n$/);
      assert.match(readFileSync(join(s.dataDir, 'audit-signing.key'), 'utf8'), /BEGIN PRIVATE KEY/);
      // The stored hash of the first event is not what plain SHA-256 gives.
      const before = (await db.selectFrom('audit_events').select('hash').where('seq', '=', 1).executeTakeFirstOrThrow()).hash;
      await recomputeWithSha256(db);
      const after = (await db.selectFrom('audit_events').select('hash').where('seq', '=', 1).executeTakeFirstOrThrow()).hash;
      assert.notEqual(before, after);
    });

    test('an intact chain with a checkpoint verifies, in text and JSON', async () => {
      const cp = await exportCheckpoint();
      assert.equal(cp.headSeq, 10); // bootstrap user and token + 8 services
      assert.equal(cp.count, 10);
      assert.equal(cp.keyedFromSeq, 1);
      const v = await s.cli(['audit', 'verify']);
      assert.equal(v.code, 0, v.stdout + v.stderr);
      assert.match(v.stdout, /intact: 10 events verified; matches the signed checkpoint of .* \(sequence 10, /);
      const j = await s.cli(['audit', 'verify', '-o', 'json']);
      assert.equal(j.code, 0);
      const r = JSON.parse(j.stdout);
      assert.equal(r.ok, true);
      assert.deepEqual(r.checkpoints.map((c: { source: string }) => c.source).sort(), ['file', 'table']);
    });

    test('deleting the last 5 events is "5 events missing after sequence S", exit 1', async () => {
      await exportCheckpoint();
      const head = await headSeq(db);
      await sql`delete from audit_events where seq > ${head - 5}`.execute(db);
      const v = await s.cli(['audit', 'verify']);
      assert.equal(v.code, 1, v.stdout);
      assert.match(v.stdout, new RegExp(`BROKEN: 5 events missing after sequence ${head - 5} `));
      const j = JSON.parse((await s.cli(['audit', 'verify', '-o', 'json'])).stdout);
      assert.equal(j.ok, false);
      assert.equal(j.missing, 5);
      assert.equal(j.seq, head - 4);
    });

    test('deleting the tail and every checkpoint row is still caught by the checkpoint file', async () => {
      await exportCheckpoint();
      const head = await headSeq(db);
      await sql`delete from audit_events where seq > ${head - 3}`.execute(db);
      await sql`delete from audit_checkpoints`.execute(db);
      const v = await s.cli(['audit', 'verify', '-o', 'json']);
      assert.equal(v.code, 1, v.stdout);
      const r = JSON.parse(v.stdout);
      assert.equal(r.reason.startsWith(`3 events missing after sequence ${head - 3}`), true, r.reason);
      assert.deepEqual(
        r.checkpoints.map((c: { source: string }) => c.source),
        ['file'],
      );
    });

    test('a chain recomputed with plain SHA-256 fails at its first keyed event', async () => {
      await recomputeWithSha256(db);
      const v = await s.cli(['audit', 'verify', '-o', 'json']);
      assert.equal(v.code, 1, v.stdout);
      const r = JSON.parse(v.stdout);
      assert.equal(r.seq, 1);
      assert.match(r.reason, /MAC mismatch/);
    });

    test('recomputing with plain SHA-256 and erasing where the keyed chain starts is caught too', async () => {
      await exportCheckpoint();
      await recomputeWithSha256(db);
      await sql`delete from audit_chain_keys`.execute(db);
      const v = await s.cli(['audit', 'verify', '-o', 'json']);
      assert.equal(v.code, 1, v.stdout);
      const r = JSON.parse(v.stdout);
      assert.equal(r.seq, 1);
      assert.match(r.reason, /keyed chain starts is gone/);
      // Moving the start beyond the head instead: the signed checkpoint disagrees.
      await db
        .insertInto('audit_chain_keys')
        .values({ from_seq: 1000, algorithm: 'hmac-sha256', key_id: s.server.ctx.audit.mac!.id, at: new Date().toISOString() })
        .execute();
      const w = JSON.parse((await s.cli(['audit', 'verify', '-o', 'json'])).stdout);
      assert.equal(w.ok, false);
      assert.match(w.reason, /missing|keyed chain starts at/);
    });

    test('one edited row is reported with its sequence number', async () => {
      await exportCheckpoint();
      await sql`update audit_events set actor = 'mallory' where seq = 4`.execute(db);
      const v = await s.cli(['audit', 'verify']);
      assert.equal(v.code, 1, v.stdout);
      assert.match(v.stdout, /BROKEN at event 4: event 4 was modified after it was written \(MAC mismatch/);
    });

    test('an exported checkpoint verifies with --checkpoint; a tampered, forged or unreadable one does not', async () => {
      const cp = await exportCheckpoint();
      const file = join(s.dataDir, 'offsite.json');
      writeFileSync(file, JSON.stringify(cp));
      const ok = await s.cli(['audit', 'verify', '--checkpoint', file]);
      assert.equal(ok.code, 0, ok.stdout + ok.stderr);
      assert.match(ok.stdout, /matches the signed checkpoint .*\(sequence 10, given\)/);

      // More events since the export: still fine, the exported head is a prefix.
      assert.equal((await s.cli(['apply', '-f', manifests(2, 'more')])).code, 0);
      assert.equal((await s.cli(['audit', 'verify', '--checkpoint', file])).code, 0);

      const tampered: [string, Record<string, unknown>, RegExp][] = [
        ['a lowered head', { ...cp, headSeq: 5 }, /does not verify against its signature/],
        ['another head hash', { ...cp, headHash: 'f'.repeat(64) }, /does not verify against its signature/],
        ['a removed field', { ...cp, signature: undefined }, /field "signature"/],
        [
          'a swapped public key',
          { ...cp, publicKey: generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }) },
          /does not match its publicKeyFingerprint/,
        ],
      ];
      // Properly signed, but by a key that is not the server's.
      const other = generateKeyPairSync('ed25519');
      const otherKey: SigningKey = {
        ...other,
        publicKeyPem: other.publicKey.export({ type: 'spki', format: 'pem' }) as string,
        fingerprint: publicKeyFingerprint(other.publicKey),
        file: 'elsewhere',
      };
      tampered.push(['a checkpoint signed with another key', { ...signCheckpoint(otherKey, { ...cp, headSeq: 3 }) }, /not this server's signing key/]);
      for (const [what, body, reason] of tampered) {
        writeFileSync(file, JSON.stringify(body));
        const v = await s.cli(['audit', 'verify', '--checkpoint', file, '-o', 'json']);
        assert.equal(v.code, 1, `${what}: ${v.stdout}${v.stderr}`);
        assert.match(JSON.parse(v.stdout).reason, reason, what);
      }

      writeFileSync(file, '{"headSeq": 9, ');
      const bad = await s.cli(['audit', 'verify', '--checkpoint', file]);
      assert.equal(bad.code, 2, bad.stderr);
      assert.match(bad.stderr, /is not JSON/);
      const missing = await s.cli(['audit', 'verify', '--checkpoint', join(s.dataDir, 'nope.json')]);
      assert.equal(missing.code, 2);
      assert.match(missing.stderr, /cannot read checkpoint .*nope\.json: ENOENT/);
    });

    test('a checkpoint against the truncated chain names the missing events', async () => {
      const cp = await exportCheckpoint();
      const file = join(s.dataDir, 'offsite.json');
      writeFileSync(file, JSON.stringify(cp));
      await sql`delete from audit_events where seq > 7`.execute(db);
      await sql`delete from audit_checkpoints`.execute(db);
      rmSync(join(s.dataDir, 'audit-checkpoint.json'));
      // Without the exported checkpoint nothing on the host tells.
      assert.equal((await s.cli(['audit', 'verify'])).code, 0);
      const v = await s.cli(['audit', 'verify', '--checkpoint', file]);
      assert.equal(v.code, 1);
      assert.match(v.stdout, /3 events missing after sequence 7/);
    });

    test('an edited checkpoint row is a finding', async () => {
      await exportCheckpoint();
      await sql`update audit_checkpoints set head_seq = 3`.execute(db);
      const v = await s.cli(['audit', 'verify', '-o', 'json']);
      assert.equal(v.code, 1);
      assert.match(JSON.parse(v.stdout).reason, /^stored checkpoint of sequence 3 does not verify against its signature/);
    });

    test('a viewer may verify and export; the checkpoint routes are listed with their roles', async () => {
      const viewer = await s.token('viewer', 'vera');
      assert.equal((await s.cli(['audit', 'checkpoint', 'export'], { token: viewer })).code, 0);
      assert.equal((await s.cli(['audit', 'verify'], { token: viewer })).code, 0);
      const sdk = await s.token('sdk', 'app', 'production');
      assert.equal((await s.fetch('/api/v1/audit/checkpoints', { method: 'POST', body: '{}', token: sdk })).status, 403);
      const list = (await (await s.fetch('/api/v1/audit/checkpoints')).json()) as { items: Checkpoint[] };
      assert.equal(list.items[0].headSeq, 10);
    });
  });

  describe(`audit checkpoints and restarts on ${store}`, () => {
    test('checkpoints are written every N events and on the timer, after commit', async () => {
      const s = await startTestServer({ store, options: { audit: { checkpointEvery: 4, checkpointIntervalMs: 60_000 } } });
      try {
        assert.equal((await s.cli(['apply', '-f', manifests(2)])).code, 0); // 4 events with the user and token
        const rows = async () =>
          (await s.server.ctx.db.selectFrom('audit_checkpoints').select('head_seq').orderBy('head_seq', 'asc').execute()).map((r) => Number(r.head_seq));
        const until = async (want: (r: number[]) => boolean) => {
          for (let i = 0; i < 100 && !want(await rows()); i++) await new Promise((r) => setTimeout(r, 50));
          return rows();
        };
        assert.deepEqual(await until((r) => r.length > 0), [4]);
        const file = JSON.parse(readFileSync(join(s.dataDir, 'audit-checkpoint.json'), 'utf8')) as Checkpoint;
        assert.equal(file.headSeq, 4);
        assert.equal((await s.cli(['apply', '-f', manifests(2, 'b')])).code, 0); // 6: below the next 4
        await new Promise((r) => setTimeout(r, 200));
        assert.deepEqual(await rows(), [4]);
      } finally {
        await s.close();
      }
      // (closing wrote a last checkpoint of the moved head; checked in the restart test)
      const t = await startTestServer({ store, options: { audit: { checkpointEvery: 1000, checkpointIntervalMs: 50 } } });
      try {
        assert.equal((await t.cli(['apply', '-f', manifests(2)])).code, 0);
        let seen: number[] = [];
        for (let i = 0; i < 100 && !seen.includes(4); i++) {
          await new Promise((r) => setTimeout(r, 50));
          seen = (await t.server.ctx.db.selectFrom('audit_checkpoints').select('head_seq').execute()).map((r) => Number(r.head_seq));
        }
        assert.ok(seen.includes(4), `timed checkpoint of head 4, saw ${seen}`);
        await new Promise((r) => setTimeout(r, 200));
        // The head did not move: no new checkpoints.
        const n = (await t.server.ctx.db.selectFrom('audit_checkpoints').select('head_seq').execute()).length;
        assert.equal(n, seen.length);
      } finally {
        await t.close();
      }
    });

    test('a store chained with plain SHA-256 by an earlier version keeps verifying; the keyed chain starts with audit.rekey', async () => {
      const st = await persistentStore(store);
      try {
        // The earlier version: plain SHA-256, no key.
        const old = await st.start({ options: { audit: { benchPlainSha256: true } } });
        const token = old.adminToken!;
        assert.equal((await cliAgainst(old, token, ['apply', '-f', manifests(3)])).code, 0);
        await old.close();

        const now = await st.start();
        try {
          const events = await now.ctx.audit.list(now.ctx.db);
          assert.equal(events.length, 6);
          assert.equal(events[5].action, 'audit.rekey');
          assert.deepEqual(events[5].details, { algorithm: 'hmac-sha256', keyId: now.ctx.audit.mac!.id, fromSeq: 6, previous: 'sha256' });
          assert.equal(events[5].prevHash, events[4].hash);
          assert.equal((await cliAgainst(now, token, ['apply', '-f', manifests(2, 'new')])).code, 0);
          const v = await cliAgainst(now, token, ['audit', 'verify']);
          assert.equal(v.code, 0, v.stdout);
          assert.match(v.stdout, /intact: 8 events verified/);

          // An old event edited and its plain chain recomputed: the keyed rekey event no longer links.
          await sql`update audit_events set actor = 'mallory' where seq = 2`.execute(now.ctx.db);
          const v1 = JSON.parse((await cliAgainst(now, token, ['audit', 'verify', '-o', 'json'])).stdout);
          assert.equal(v1.seq, 2);
          assert.match(v1.reason, /hash mismatch/);
          await recomputeWithSha256(now.ctx.db);
          const v2 = JSON.parse((await cliAgainst(now, token, ['audit', 'verify', '-o', 'json'])).stdout);
          assert.equal(v2.ok, false);
          assert.equal(v2.seq, 6);
          assert.match(v2.reason, /MAC mismatch/);
        } finally {
          await now.close();
        }
      } finally {
        await st.drop();
      }
    });

    test('a server with another key file refuses to start on a keyed store; one sharing the file starts', async () => {
      const st = await persistentStore(store);
      const keys = mkdtempSync(join(tmpdir(), 'shipgate-keys-'));
      try {
        const shared = join(keys, 'shared-audit.key');
        const a = await st.start({ auditKeyFile: shared });
        assert.equal(statSync(shared).mode & 0o777, 0o600);
        await a.close();
        await assert.rejects(
          st.start({ auditKeyFile: join(keys, 'other.key') }),
          /the audit log is chained with key [0-9a-f]{16} but .*other\.key holds key [0-9a-f]{16}: every server on one database must use the same key file/,
        );
        const b = await st.start({ auditKeyFile: shared });
        try {
          const r = await b.ctx.audit.verify(b.ctx.db);
          assert.equal(r.ok, true);
        } finally {
          await b.close();
        }
      } finally {
        rmSync(keys, { recursive: true, force: true });
        await st.drop();
      }
    });

    if (store === 'postgres') {
      test('two servers on one PostgreSQL sharing the key file write one chain both verify', async () => {
        const st = await persistentStore(store);
        const keys = mkdtempSync(join(tmpdir(), 'shipgate-keys-'));
        const otherData = mkdtempSync(join(tmpdir(), 'shipgate-keyed-b-'));
        try {
          const shared = join(keys, 'audit.key');
          const a = await st.start({ auditKeyFile: shared });
          const b = await st.start({ auditKeyFile: shared, dataDir: otherData });
          try {
            const token = a.adminToken!;
            // Interleaved writers: one chain, one lock.
            const results = await Promise.all([
              cliAgainst(a, token, ['apply', '-f', manifests(4, 'a')]),
              cliAgainst(b, token, ['apply', '-f', manifests(4, 'b')]),
            ]);
            for (const r of results) assert.equal(r.code, 0, r.stderr);
            for (const srv of [a, b]) {
              assert.equal((await cliAgainst(srv, token, ['audit', 'checkpoint', 'export'])).code, 0);
              const v = await cliAgainst(srv, token, ['audit', 'verify']);
              assert.equal(v.code, 0, v.stdout);
              assert.match(v.stdout, /intact: 10 events verified; matches the signed checkpoint/);
            }
          } finally {
            await b.close();
            await a.close();
          }
        } finally {
          rmSync(keys, { recursive: true, force: true });
          rmSync(otherData, { recursive: true, force: true });
          await st.drop();
        }
      });
    }
  });
}
