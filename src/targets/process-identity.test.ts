import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isSameProcess, parseCmdline, readProcessIdentity, statStartTime } from './process-identity';

test('statStartTime reads field 22, also when the command name holds spaces and parentheses', () => {
  const fields = (comm: string) => `4242 (${comm}) S 1 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 1234 56 18446744073709551615`;
  const cases: [string, string | undefined][] = [
    [fields('node'), '987654'],
    [fields('a b) (c'), '987654'],
    ['garbage', undefined],
    ['1 (x) S 1', undefined],
  ];
  for (const [stat, want] of cases) assert.equal(statStartTime(stat), want, stat);
});

test('parseCmdline splits at NUL and drops the trailing one', () => {
  assert.deepEqual(parseCmdline('node\0server.js\0--x=a b\0'), ['node', 'server.js', '--x=a b']);
  assert.deepEqual(parseCmdline(''), []);
});

test('isSameProcess: this process matches itself, not a wrong start time or command', { skip: process.platform !== 'linux' ? 'needs /proc' : false }, () => {
  const me = readProcessIdentity(process.pid)!;
  assert.ok(me.startTime && me.cmdline.length > 0);
  assert.equal(isSameProcess(process.pid, { startTime: me.startTime, command: me.cmdline }), true);
  assert.equal(isSameProcess(process.pid, { startTime: String(Number(me.startTime) + 1), command: me.cmdline }), false);
  assert.equal(isSameProcess(process.pid, { startTime: me.startTime, command: ['other'] }), false);
  assert.equal(isSameProcess(process.pid, {}), false);
  assert.equal(readProcessIdentity(0), undefined);
  assert.equal(readProcessIdentity(-1), undefined);
});
