/** Builds RouteTable manifests for tests and benchmarks: one route, versions with instance URLs. */
export function routeTable(
  backends: { version: string; weight: number; instances: string[]; fault?: unknown }[],
  route: Record<string, unknown> = {},
  name = 'default',
) {
  return {
    apiVersion: 'shipgate.dev/v1',
    kind: 'RouteTable',
    metadata: { name },
    spec: { routes: [{ name: 'shop', match: { host: '*', pathPrefix: '/' }, ...route, backends }] },
  };
}

/** A loopback URL nothing listens on (a port just released by the OS). */
export async function deadUrl(): Promise<string> {
  const net = await import('node:net');
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return `http://127.0.0.1:${port}`;
}
