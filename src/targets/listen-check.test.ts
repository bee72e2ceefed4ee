import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { spawn } from 'node:child_process';
import { listensOn } from './listen-check';

test('tells whether a process (or its descendants) holds the listening socket of a port', async () => {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  const other = spawn('sleep', ['5'], { stdio: 'ignore' });
  try {
    assert.equal(listensOn(process.pid, port), true, 'this process (Linux /proc) holds it');
    assert.equal(listensOn(other.pid!, port), false, 'an unrelated process does not');
  } finally {
    other.kill('SIGKILL');
    await new Promise<void>((r) => srv.close(() => r()));
  }
  assert.equal(listensOn(process.pid, port), false, 'not after close');
});
