// The Shipgate router in front of one upstream with one route's protection settings given as JSON
// (`{}` for none): `node --import tsx bench/router/limited-router-server.ts UPSTREAM_URL ROUTE_JSON`.
// Prints {"port": N} once it listens; SIGTERM closes it.
import { Router } from '../../src/router/router';
import { routeTable } from '../../src/router/testing/route-table-builder';

const [upstream, routeJson] = [process.argv[2], process.argv[3] ?? '{}'];
const router = new Router();
router.applyTable(routeTable([{ version: 'stable', weight: 1, instances: [upstream] }], JSON.parse(routeJson) as Record<string, unknown>));
void router.start({ listen: { host: '127.0.0.1', port: 0 } }).then(({ listen }) => process.stdout.write(JSON.stringify({ port: listen.port }) + '\n'));
// The limit in force, once a second on stderr, for the bench to report where it settled.
setInterval(() => {
  const c = router.stats().concurrency.shop;
  if (c) process.stderr.write(JSON.stringify({ limit: c.limit }) + '\n');
}, 1000).unref();
process.on('SIGTERM', () => void router.close().then(() => process.exit(0)));
