/**
 * Hostile input against every mutating route and every manifest kind, through a real server:
 * seeded, generated bodies (type confusion, deep nesting, long and odd strings, prototype keys,
 * YAML alias bombs, malformed JSON) sent with the admin token, which reaches furthest. Each case
 * must be answered below 500, the server must stay up, and a refused case must change nothing:
 * no audit event may be written for a 4xx but the gate's own `gate.refuse` records.
 *
 * SHIPGATE_FUZZ_SEED reproduces a run; SHIPGATE_FUZZ_CASES sets the count (default 10,000 on
 * SQLite, a fifth of it on PostgreSQL).
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { startTestServer, type TestServer } from '../testing/harness';
import { testStores } from '../testing/postgres';
import { seededRandom } from '../core/seeded-random';

const SEED = Number(process.env.SHIPGATE_FUZZ_SEED ?? 20261203);
const CASES = Number(process.env.SHIPGATE_FUZZ_CASES ?? 10_000);
/** Bound on the wall time of one store's run, ms: the count is asserted, so a slow run fails loudly. */
const TIME_BOUND_MS = 240_000;

const HOSTILE_STRINGS = [
  '',
  ' ',
  '__proto__',
  'constructor',
  'prototype',
  '../../../../etc/passwd',
  '..',
  '%2e%2e%2f',
  '\u0000',
  'a\u0000b',
  '\uD800',
  '💥'.repeat(50),
  'http://169.254.169.254/latest/meta-data/',
  'http://127.0.0.1:1/',
  'file:///etc/passwd',
  '; rm -rf / #',
  '$(id)',
  '`id`',
  '${{7*7}}',
  '{{constructor.constructor("return process")()}}',
  '<script>alert(1)</script>',
  "' OR 1=1 --",
  'NaN',
  'Infinity',
  '-0',
  '1e309',
  '9007199254740993',
  'true',
  'null',
  '2026-13-45T25:61:61Z',
  'P1000000Y',
  '999999999999h',
  '-5m',
  'CHG-000001',
  'chg-0',
  'sgt_x.y',
  'production',
  'shop',
  'v1',
  '*',
  '(a+)+$',
  '\\',
  '"',
  '\n\n---\n',
];
const HOSTILE_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '', ' ', 'a'.repeat(300)];
const NUMBERS = [0, -1, 1, 0.5, -0.000001, 1e308, -1e308, 2 ** 53, -(2 ** 53), 2 ** 31, 100, 101, 1e-320];
const ALIAS_BOMB = [
  'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
  'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]',
  'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]',
  'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]',
  'e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]',
  'f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]',
  'g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]',
].join('\n');

interface Route {
  method: string;
  path: string;
  /** Top-level property names of the JSON body schema, to get past shallow validation. */
  fields: string[];
}

class Gen {
  constructor(readonly r: () => number) {}
  int(n: number): number {
    return Math.floor(this.r() * n);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)];
  }
  string(): string {
    switch (this.int(5)) {
      case 0:
        return this.pick(HOSTILE_STRINGS);
      case 1:
        return 'x'.repeat(1 + this.int(this.r() < 0.1 ? 100_000 : 300));
      case 2:
        return Array.from({ length: 1 + this.int(20) }, () => String.fromCharCode(this.int(0x3000))).join('');
      case 3:
        return `${this.pick(HOSTILE_STRINGS)}${this.int(1000)}`;
      default:
        return ['shop', 'production', 'v2', 'CHG-000001', 'admin', 'alice'][this.int(6)];
    }
  }
  value(depth = 0, keys: string[] = []): unknown {
    const k = this.int(depth > 4 ? 5 : 8);
    if (k === 0) return this.string();
    if (k === 1) return this.pick(NUMBERS);
    if (k === 2) return this.r() < 0.5;
    if (k === 3) return null;
    if (k === 4) return this.string();
    if (k === 5) return Array.from({ length: this.int(5) }, () => this.value(depth + 1, keys));
    if (k === 6) return this.nested(1 + this.int(200));
    const o: Record<string, unknown> = {};
    for (let i = this.int(6); i > 0; i--) {
      const key = keys.length && this.r() < 0.7 ? this.pick(keys) : this.r() < 0.3 ? this.pick(HOSTILE_KEYS) : this.string().slice(0, 40);
      Object.defineProperty(o, key, { value: this.value(depth + 1, keys), enumerable: true, writable: true, configurable: true });
    }
    return o;
  }
  nested(depth: number): unknown {
    let v: unknown = this.string();
    for (let i = 0; i < depth; i++) v = this.r() < 0.5 ? [v] : { a: v };
    return v;
  }
  param(): string {
    // A path can only carry well-formed UTF-16: lone surrogates (a cut emoji, '\uD800') become U+FFFD.
    const raw = this.pick(['x', '..', '.', 'CHG-000001', 'a'.repeat(300), '\u0000', 'shop', 'new-checkout', 'tok_1', this.string().slice(0, 80)]);
    return encodeURIComponent(raw.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD'));
  }
  /** A manifest of a kind, as YAML or JSON text, usually hostile somewhere. */
  manifest(kinds: string[]): string {
    const kind = this.pick(kinds);
    const name = this.r() < 0.6 ? this.pick(['shop', 'orders', 'new-checkout', 'x']) : this.string().slice(0, 60);
    const m = this.int(6);
    if (m === 0) return `apiVersion: shipgate.dev/v1\nkind: ${kind}\nmetadata: {name: ${name}}\n${ALIAS_BOMB}\nspec: *g\n`;
    if (m === 1) return this.string();
    if (m === 2) return `apiVersion: shipgate.dev/v1\nkind: ${kind}\nmetadata:\n  name: ${name}\nspec:\n  ${this.string()}: [${this.string()}\n`;
    const doc = {
      apiVersion: this.r() < 0.9 ? 'shipgate.dev/v1' : this.string(),
      kind,
      metadata: this.r() < 0.8 ? { name, labels: this.value(3) } : this.value(2),
      spec: this.value(0, [
        'service',
        'environment',
        'route',
        'target',
        'strategy',
        'routes',
        'backends',
        'environments',
        'rules',
        'type',
        'start',
        'command',
        'url',
      ]),
    };
    return JSON.stringify(doc);
  }
}

async function routesOf(s: TestServer): Promise<Route[]> {
  const doc = (await (await s.fetch('/api/v1/openapi.json')).json()) as {
    paths: Record<string, Record<string, { requestBody?: { content?: Record<string, { schema?: { properties?: Record<string, unknown> } }> } }>>;
  };
  const out: Route[] = [];
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      if (method === 'get' || method === 'head' || method === 'options') continue;
      const schema = op.requestBody?.content?.['application/json']?.schema;
      out.push({ method: method.toUpperCase(), path, fields: Object.keys(schema?.properties ?? {}) });
    }
  }
  return out;
}

for (const store of await testStores()) {
  describe(`fuzzing every request body and manifest kind on ${store}`, () => {
    let s: TestServer;
    before(async () => {
      s = await startTestServer({ store });
    });
    after(() => s.close());

    test(`hostile input: no 500, no crash, no change applied (seed ${SEED})`, { timeout: TIME_BOUND_MS + 60_000 }, async () => {
      const routes = await routesOf(s);
      assert.ok(routes.length >= 20, `found ${routes.length} mutating routes`);
      const kinds = ((await (await s.fetch('/api/v1/kinds')).json()) as { kinds: { kind: string }[] }).kinds.map((k) => k.kind);
      assert.ok(kinds.length >= 10, `found ${kinds.length} kinds`);
      const g = new Gen(seededRandom(SEED + (store === 'postgres' ? 1 : 0)));
      const db = s.server.ctx.db;
      const changes = async () =>
        Number((await sql<{ n: number }>`select count(*) as n from audit_events where action <> 'gate.refuse'`.execute(db)).rows[0].n);
      const target = store === 'postgres' ? Math.ceil(CASES / 5) : CASES;
      const started = Date.now();
      const statuses = new Map<number, number>();
      let n = 0;
      for (; n < target && Date.now() - started < TIME_BOUND_MS; n++) {
        const r = g.pick(routes);
        const path = r.path.replace(/\{[^}]+\}/g, () => g.param());
        let body: string;
        const shape = g.int(10);
        if (r.path === '/api/v1/apply' || r.path === '/api/v1/diff') {
          body = JSON.stringify({
            files: Array.from({ length: 1 + g.int(3) }, (_, i) => ({ name: g.r() < 0.9 ? `f${i}.yaml` : g.string(), content: g.manifest(kinds) })),
          });
        } else if (shape < 7) {
          const o: Record<string, unknown> = {};
          for (const f of r.fields) if (g.int(3) > 0) o[f] = g.value(1, r.fields);
          body = JSON.stringify(o);
        } else if (shape < 9) {
          body = JSON.stringify(g.value(0, r.fields));
        } else {
          body = g.pick(['{', '{"a":', '[1,2', 'null', '"x"', '\u0000', '{"__proto__":{"admin":true}}', ALIAS_BOMB]);
        }
        const before = await changes();
        let status: number;
        let text: string;
        try {
          const res = await s.fetch(path, { method: r.method, headers: { 'content-type': 'application/json' }, body });
          status = res.status;
          text = await res.text();
        } catch (e) {
          assert.fail(`case ${n} (${r.method} ${path}) broke the connection: ${(e as Error).message}; body ${body.slice(0, 300)}`);
        }
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        if (status >= 500) {
          // The whole case, to replay it by hand against a server with logs on.
          const file = join(tmpdir(), `shipgate-fuzz-case-${SEED}-${n}.json`);
          writeFileSync(file, JSON.stringify({ method: r.method, path, body }));
          assert.fail(`case ${n}: ${r.method} ${path} answered ${status}: ${text.slice(0, 300)}; whole case in ${file}; body ${body.slice(0, 300)}`);
        }
        if (status >= 400) {
          const after = await changes();
          assert.equal(
            after,
            before,
            `case ${n}: ${r.method} ${path} refused (${status}) but wrote ${after - before} audit event(s); body ${body.slice(0, 300)}`,
          );
        }
      }
      assert.equal(n, target, `only ${n} of ${target} cases ran within ${TIME_BOUND_MS} ms`);
      const health = await fetch(`${s.url}/healthz`);
      assert.equal(health.status, 200, 'the server is still up');
      const ok = (statuses.get(200) ?? 0) + (statuses.get(201) ?? 0);
      // Not every case may be refused: some generated bodies must get through, or the fuzzer only tested the schema.
      assert.ok(ok > 0, `no case was accepted: ${JSON.stringify([...statuses])}`);
      const verify = (await (await s.fetch('/api/v1/audit/verify')).json()) as { ok: boolean };
      assert.equal(verify.ok, true, 'the audit chain is intact');
    });
  });
}
