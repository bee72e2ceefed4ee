import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { allowEntryProblem, classifyAddress, classifyName, decideAddress, decideHost, type EgressPurpose, type EgressRules } from './egress-rules';

const rules = (over: { loopback?: EgressPurpose[]; allow?: Partial<Record<EgressPurpose, string[]>> } = {}): EgressRules => ({
  allowLoopback: new Set(over.loopback ?? []),
  allow: { webhook: [], metricSource: [], backend: [], synthetic: [], database: [], ...over.allow },
});

describe('address classes', () => {
  const cases: [string, ReturnType<typeof classifyAddress>][] = [
    ['169.254.169.254', 'metadata'],
    ['fd00:ec2::254', 'metadata'],
    ['100.100.100.200', 'metadata'],
    ['::ffff:169.254.169.254', 'metadata'],
    ['169.254.10.1', 'linkLocal'],
    ['fe80::1', 'linkLocal'],
    ['[fe80::1]', 'linkLocal'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['127.0.0.1', 'loopback'],
    ['127.8.9.10', 'loopback'],
    ['::1', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['10.1.2.3', 'other'],
    ['93.184.216.34', 'other'],
    ['2606:4700::1111', 'other'],
  ];
  for (const [ip, cls] of cases) test(`${ip} is ${cls}`, () => assert.equal(classifyAddress(ip), cls));
  const names: [string, ReturnType<typeof classifyName>][] = [
    ['localhost', 'loopback'],
    ['LOCALHOST.', 'loopback'],
    ['app.localhost', 'loopback'],
    ['metadata.google.internal', 'metadata'],
    ['metadata.google.internal.', 'metadata'],
    ['example.com', 'other'],
    ['127.0.0.1', 'loopback'],
  ];
  for (const [n, cls] of names) test(`name ${n} is ${cls}`, () => assert.equal(classifyName(n), cls));
});

describe('apply-time decisions on a URL host', () => {
  const cases: [string, EgressRules, EgressPurpose, string, boolean, RegExp?][] = [
    ['metadata refused by default', rules(), 'webhook', '169.254.169.254', false, /cloud metadata/],
    ['metadata refused even with loopback allowed', rules({ loopback: ['webhook'] }), 'webhook', '169.254.169.254', false],
    ['metadata name refused', rules(), 'metricSource', 'metadata.google.internal', false, /cloud metadata/],
    ['link-local refused', rules(), 'backend', '169.254.1.1', false, /link-local/],
    ['unspecified refused', rules(), 'backend', '0.0.0.0', false, /unspecified/],
    ['IPv6 unspecified refused', rules(), 'backend', '[::]', false],
    ['loopback refused for webhooks by default', rules(), 'webhook', '127.0.0.1', false, /--allow-loopback-egress/],
    ['loopback refused for backends by default', rules(), 'backend', '127.0.0.1', false],
    ['localhost refused by name', rules(), 'metricSource', 'localhost', false, /loopback/],
    ['loopback allowed with the setting', rules({ loopback: ['webhook'] }), 'webhook', '127.0.0.1', true],
    ['loopback setting is per purpose', rules({ loopback: ['backend'] }), 'webhook', 'localhost', false],
    ['public name allowed without allowlist', rules(), 'webhook', 'hooks.slack.com', true],
    ['private address allowed without allowlist', rules(), 'metricSource', '10.0.0.5', true],
    [
      'allowlist refuses what it does not name',
      rules({ allow: { webhook: ['hooks.slack.com'] } }),
      'webhook',
      'evil.example',
      false,
      /not on the webhook egress allowlist/,
    ],
    ['allowlist names the host', rules({ allow: { webhook: ['hooks.slack.com'] } }), 'webhook', 'HOOKS.slack.com', true],
    ['allowlist wildcard', rules({ allow: { webhook: ['*.example.com'] } }), 'webhook', 'a.b.example.com', true],
    ['allowlist wildcard is not the apex', rules({ allow: { webhook: ['*.example.com'] } }), 'webhook', 'example.com', false],
    ['allowlist CIDR for an address', rules({ allow: { metricSource: ['10.0.0.0/8'] } }), 'metricSource', '10.9.9.9', true],
    ['allowlist CIDR outside', rules({ allow: { metricSource: ['10.0.0.0/8'] } }), 'metricSource', '192.168.0.1', false],
    ['explicit IP entry lets link-local through', rules({ allow: { backend: ['169.254.7.7'] } }), 'backend', '169.254.7.7', true],
    ['allowlist of another purpose does not apply', rules({ allow: { backend: ['169.254.169.254'] } }), 'webhook', '169.254.169.254', false],
  ];
  for (const [name, r, purpose, host, allowed, reason] of cases) {
    test(name, () => {
      const v = decideHost(r, purpose, host);
      assert.equal(v.allowed, allowed, JSON.stringify(v));
      if (reason && !v.allowed) assert.match(v.reason, reason);
    });
  }
});

describe('connection-time decisions on resolved addresses', () => {
  const cases: [string, EgressRules, EgressPurpose, string, string | undefined, boolean][] = [
    ['a name that rebinds to metadata', rules(), 'webhook', '169.254.169.254', 'hooks.example.com', false],
    [
      'an allowlisted name that rebinds to metadata',
      rules({ allow: { webhook: ['hooks.example.com'] } }),
      'webhook',
      '169.254.169.254',
      'hooks.example.com',
      false,
    ],
    ['an allowlisted name that rebinds to loopback', rules({ allow: { webhook: ['hooks.example.com'] } }), 'webhook', '127.0.0.1', 'hooks.example.com', false],
    ['a name resolving to a public address', rules(), 'webhook', '93.184.216.34', 'example.com', true],
    ['an allowlisted name resolving to a public address', rules({ allow: { webhook: ['example.com'] } }), 'webhook', '93.184.216.34', 'example.com', true],
    ['a name not on the allowlist', rules({ allow: { webhook: ['example.com'] } }), 'webhook', '93.184.216.34', 'other.com', false],
    ['a CIDR entry matches the resolved address', rules({ allow: { webhook: ['93.184.216.0/24'] } }), 'webhook', '93.184.216.34', 'other.com', true],
    ['IPv4-mapped loopback', rules(), 'metricSource', '::ffff:127.0.0.1', 'x.example', false],
    ['loopback with the setting', rules({ loopback: ['metricSource'] }), 'metricSource', '::1', 'localhost', true],
  ];
  for (const [name, r, purpose, ip, host, allowed] of cases) test(name, () => assert.equal(decideAddress(r, purpose, ip, host).allowed, allowed));
});

describe('allowlist entries', () => {
  const cases: [string, boolean][] = [
    ['10.0.0.0/8', true],
    ['fd00::/8', true],
    ['127.0.0.1', true],
    ['hooks.slack.com', true],
    ['*.example.com', true],
    ['10.0.0.0/99', false],
    ['http://x', false],
    ['a b', false],
  ];
  for (const [e, ok] of cases) test(`${e} ${ok ? 'accepted' : 'refused'}`, () => assert.equal(allowEntryProblem(e) === undefined, ok));
});
