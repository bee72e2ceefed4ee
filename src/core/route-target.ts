/**
 * Where a request for a route goes when sent through the router in this process: its path put
 * under the route's path prefix, and its host sent when the route matches one host. Pure.
 */
import type { InProcessRoute } from './hooks';

export function routeTarget(routerUrl: string, route: InProcessRoute | undefined, path: string): { url: string; headers: Record<string, string> } {
  const m = route?.match ?? { host: '*', pathPrefix: '/' };
  const prefix = m.pathPrefix.replace(/\/+$/, '');
  const full = path.startsWith(`${prefix}/`) || path === prefix ? path : `${prefix}${path}`;
  return { url: new URL(full, routerUrl).toString(), headers: m.host.includes('*') ? {} : { host: m.host } };
}
