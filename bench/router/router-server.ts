// The Shipgate router in front of one upstream, with routing (two versions 90/10, both on the
// upstream), stickiness (x-user-id) and stats on: `node --import tsx bench/router/router-server.ts UPSTREAM_URL PORT`.
import { Router } from '../../src/router/router';
import { routeTable } from '../../src/router/testing/route-table-builder';

const [upstream, port] = [process.argv[2], Number(process.argv[3])];
const router = new Router();
router.applyTable(
  routeTable(
    [
      { version: 'stable', weight: 90, instances: [upstream] },
      { version: 'canary', weight: 10, instances: [upstream] },
    ],
    {
      stickiness: { header: 'x-user-id', cookie: 'sg-bucket' },
    },
  ),
);
void router
  .start({ listen: { host: '127.0.0.1', port }, admin: { host: '127.0.0.1', port: 0 } })
  .then(() => process.stdout.write(JSON.stringify({ port }) + '\n'));
process.on('SIGTERM', () => void router.close().then(() => process.exit(0)));
