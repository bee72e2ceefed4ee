import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { EgressDeniedError, EgressPolicy, type Resolver } from './egress-policy';
import { egressRequest } from './egress-request';
import { startScriptedReceiver, type ScriptedReceiver } from '../outbox/testdata/receivers';

/** DNS is our own port: a fake resolver stands in for a name that rebinds. */
const resolverTo = (address: string): Resolver => async () => [{ address, family: address.includes(':') ? 6 : 4 }];

describe('egressRequest at connection time', () => {
  let rx: ScriptedReceiver;
  before(async () => {
    rx = await startScriptedReceiver(() => 200);
  });
  after(() => rx.close());

  const cases: [what: string, resolvesTo: string, options: object, refused: RegExp | null][] = [
    ['a public-looking name that rebinds to the metadata address', '169.254.169.254', {}, /"rebind\.example" resolves to 169\.254\.169\.254, which is a cloud metadata address/],
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
