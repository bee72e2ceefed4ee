import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EgressDeniedError, EgressPolicy, type Resolver } from './egress-policy';
import { egressRequest } from './egress-request';
import { startScriptedReceiver, type ScriptedReceiver } from '../outbox/testdata/receivers';

/** DNS is our own port: a fake resolver stands in for a name that rebinds. */
const resolverTo =
  (address: string): Resolver =>
  async () => [{ address, family: address.includes(':') ? 6 : 4 }];

describe('egressRequest at connection time', () => {
  let rx: ScriptedReceiver;
  before(async () => {
    rx = await startScriptedReceiver(() => 200);
  });
  after(() => rx.close());

  const cases: [what: string, resolvesTo: string, options: object, refused: RegExp | null][] = [
    [
      'a public-looking name that rebinds to the metadata address',
      '169.254.169.254',
      {},
      /"rebind\.example" resolves to 169\.254\.169\.254, which is a cloud metadata address/,
    ],
    ['a name that rebinds to loopback', '127.0.0.1', {}, /resolves to 127\.0\.0\.1, which is a loopback address/],
    ['a name that rebinds to IPv4-mapped loopback', '::ffff:127.0.0.1', {}, /loopback/],
    ['a name resolving to loopback with the loopback setting (connects to the checked address)', '127.0.0.1', { allowLoopback: ['webhook'] }, null],
  ];
  for (const [what, address, options, refused] of cases) {
    test(what, async () => {
      const before = rx.received.length;
      const policy = EgressPolicy.fromOptions(options, resolverTo(address));
      const p = egressRequest(policy, 'webhook', `http://rebind.example:${rx.port}/hook`, { method: 'POST', body: '{}', timeoutMs: 2_000 });
      if (refused) {
        await assert.rejects(p, (e) => e instanceof EgressDeniedError && refused.test(e.message));
        assert.equal(rx.received.length, before, 'nothing reached the receiver');
      } else {
        assert.equal((await p).status, 200);
        assert.equal(rx.received.length, before + 1);
      }
    });
  }
});

describe('egressRequest deadline', () => {
  let server: Server;
  let port: number;
  before(async () => {
    // Accepts connections and never answers.
    server = createServer(() => {});
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });
  const policy = () => EgressPolicy.fromOptions({ allowLoopback: ['webhook'] }, resolverTo('127.0.0.1'));

  test('a receiver that never answers fails at timeoutMs, named', async () => {
    const t0 = Date.now();
    await assert.rejects(
      egressRequest(policy(), 'webhook', `http://hang.example:${port}/hook`, { timeoutMs: 150 }),
      /no answer from hang\.example:\d+ within 150 ms/,
    );
    assert.ok(Date.now() - t0 < 2_000);
  });

  test("the caller's abort ends the request as aborted, not as a timeout", async () => {
    const ac = new AbortController();
    const p = egressRequest(policy(), 'webhook', `http://hang.example:${port}/hook`, { timeoutMs: 10_000, signal: ac.signal });
    setTimeout(() => ac.abort(), 50);
    await assert.rejects(p, /request to hang\.example:\d+ aborted/);
    const aborted = AbortSignal.abort();
    await assert.rejects(egressRequest(policy(), 'webhook', `http://hang.example:${port}/hook`, { timeoutMs: 10_000, signal: aborted }), /aborted/);
  });
});
