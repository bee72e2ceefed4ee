import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import Fastify from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { ServerContext } from '../core/capability';
import type { RouteTableHub, RouteTableSnapshot } from './route-table-hub';
import { routerRoutes } from './router-routes';

/** A hub whose snapshot answers only when told, so a client can leave while it is being read. */
function slowHub() {
  const listeners = new Set<(s: RouteTableSnapshot) => void>();
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const hub = {
    subscribe(l: (s: RouteTableSnapshot) => void) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    async snapshot(): Promise<RouteTableSnapshot> {
      await gate;
      return { generation: 1, etag: 'e1', tables: [] };
    },
  } as unknown as RouteTableHub;
  return { hub, listeners, release };
}

test('watch clients that leave while the table is being read leave no subscriber or stream behind', async () => {
  const { hub, listeners, release } = slowHub();
  const streams = new Set<() => void>();
  const app = Fastify();
  // The routes' schemas are zod, compiled as the server's app compiles them (src/api/app.ts).
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  routerRoutes(app, { config: { options: {} } } as unknown as ServerContext, () => hub, streams);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.address() as net.AddressInfo).port;
  try {
    const n = 20;
    await Promise.all(
      Array.from(
        { length: n },
        () =>
          new Promise<void>((resolve) => {
            const s = net.connect(port, '127.0.0.1', () => s.write('GET /api/v1/router/watch HTTP/1.1\r\nHost: x\r\n\r\n'));
            // Gone once the request has reached the handler (which waits on the snapshot).
            const wait = setInterval(() => {
              if (listeners.size > 0) {
                clearInterval(wait);
                s.destroy();
                resolve();
              }
            }, 5);
          }),
      ),
    );
    await new Promise((r) => setTimeout(r, 100));
    release();
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(listeners.size, 0, 'subscribers left behind');
    assert.equal(streams.size, 0, 'streams left behind');
    // A client that stays gets the table and counts as one stream.
    const res = await fetch(`http://127.0.0.1:${port}/api/v1/router/watch`, { signal: AbortSignal.timeout(2_000) }).catch(() => undefined);
    assert.equal(res?.headers.get('content-type'), 'text/event-stream');
    assert.equal(listeners.size, 1);
    assert.equal(streams.size, 1);
    await res!.body!.cancel();
  } finally {
    for (const end of [...streams]) end();
    await app.close();
  }
});
