import { test } from 'node:test';
import assert from 'node:assert/strict';
import { configKeyProblem, instanceEnvironment } from './instance-env';

test('instanceEnvironment: only PATH, HOME, TZ, LANG from the server, then config, then PORT and SHIPGATE_VERSION', () => {
  const server = {
    PATH: '/usr/bin',
    HOME: '/home/sg',
    TZ: 'UTC',
    LANG: 'C.UTF-8',
    PORT: '7070',
    DATABASE_URL: 'postgres://secret',
    SHIPGATE_TOKEN: 't',
    AWS_SECRET_ACCESS_KEY: 'k',
  };
  const env = instanceEnvironment(server, { GREETING: 'hi', PORT: '1', LD_PRELOAD: '/tmp/x.so' }, 4100, 'v3');
  assert.deepEqual(env, { PATH: '/usr/bin', HOME: '/home/sg', TZ: 'UTC', LANG: 'C.UTF-8', PORT: '4100', GREETING: 'hi', SHIPGATE_VERSION: 'v3' });
  assert.deepEqual(instanceEnvironment({}, {}, 1, 'v'), { PORT: '1', SHIPGATE_VERSION: 'v' });
});

test("configKeyProblem: keys that load code or are the target's are refused", () => {
  const cases: [string, boolean][] = [
    ['GREETING', false],
    ['DATABASE_URL', false],
    ['SHOP_CRASH_AFTER_MS', false],
    ['LD_PRELOAD', true],
    ['LD_LIBRARY_PATH', true],
    ['DYLD_INSERT_LIBRARIES', true],
    ['NODE_OPTIONS', true],
    ['NODE_ENV', false],
    ['PATH', true],
    ['PYTHONPATH', true],
    ['BASH_ENV', true],
    ['JAVA_TOOL_OPTIONS', true],
    ['PORT', true],
    ['SHIPGATE_VERSION', true],
  ];
  for (const [k, refused] of cases) assert.equal(configKeyProblem(k) !== undefined, refused, k);
});
