import http from 'node:http';
import type { EgressPolicy } from '../egress/egress-policy';
import type { CompiledTable } from './compiled-table';
import type { RouteSpec } from './route-table';
import type { Upstream } from './upstream-pool';

type CheckSpec = NonNullable<RouteSpec['healthCheck']>;

interface Probe {
  upstream: Upstream;
  spec: CheckSpec;
  key: string;
  timer: NodeJS.Timeout;
  okInRow: number;
  failInRow: number;
  inFlight: boolean;
}

/**
 * Active health checks: GET `path` on every instance of routes that configure one, every
 * `intervalMs`. `unhealthyThreshold` failures in a row mark the instance unhealthy,
 * `healthyThreshold` successes bring it back. An instance named by several routes is checked once,
 * with the first route's settings.
 */
export class HealthChecker {
  private readonly probes = new Map<Upstream, Probe>();

  constructor(
    private readonly onChange: (u: Upstream, healthy: boolean) => void = () => {},
    /** When set, a check connects only to addresses the policy allows (purpose backend): a name that rebinds to a refused address fails its check. */
    private readonly egress?: EgressPolicy,
  ) {}

  configure(table: CompiledTable): void {
    const wanted = new Map<Upstream, CheckSpec>();
    for (const r of table.spec.routes) {
      const route = table.routes.find((x) => x.name === r.name);
      if (!route || !r.healthCheck) continue;
      for (const v of route.versions) for (const u of v.upstreams) if (!wanted.has(u)) wanted.set(u, r.healthCheck);
    }
    for (const [u, p] of this.probes) {
      const spec = wanted.get(u);
      if (!spec || JSON.stringify(spec) !== p.key) {
        clearInterval(p.timer);
        this.probes.delete(u);
        if (!spec) u.healthy = true;
      }
    }
    for (const [u, spec] of wanted) {
      if (this.probes.has(u)) continue;
      const probe: Probe = {
        upstream: u,
        spec,
        key: JSON.stringify(spec),
        okInRow: 0,
        failInRow: 0,
        inFlight: false,
        timer: undefined as unknown as NodeJS.Timeout,
      };
      probe.timer = setInterval(() => this.check(probe), spec.intervalMs);
      probe.timer.unref();
      this.probes.set(u, probe);
      this.check(probe);
    }
  }

  private check(p: Probe): void {
    if (p.inFlight) return;
    p.inFlight = true;
    let finished = false;
    const done = (ok: boolean) => {
      if (finished) return;
      finished = true;
      p.inFlight = false;
      if (!this.probes.has(p.upstream)) return;
      const u = p.upstream;
      if (ok) {
        p.okInRow++;
        p.failInRow = 0;
        if (!u.healthy && p.okInRow >= p.spec.healthyThreshold) {
          u.healthy = true;
          this.onChange(u, true);
        }
      } else {
        p.failInRow++;
        p.okInRow = 0;
        if (u.healthy && p.failInRow >= p.spec.unhealthyThreshold) {
          u.healthy = false;
          this.onChange(u, false);
        }
      }
    };
    if (this.egress && !this.egress.checkUrl('backend', p.upstream.url).allowed) return done(false);
    const req = http.request({
      host: p.upstream.hostname,
      port: p.upstream.port,
      path: p.spec.path,
      method: 'GET',
      agent: p.upstream.agent,
      timeout: p.spec.timeoutMs,
      headers: { 'user-agent': 'shipgate-router-health' },
      ...(this.egress ? { lookup: this.egress.lookup('backend') } : {}),
    });
    req.on('response', (res) => {
      res.resume();
      // A redirect is not followed, and not a pass: the instance is not answering its health path.
      const ok = (res.statusCode ?? 500) >= 200 && (res.statusCode ?? 500) < 300;
      res.on('end', () => done(ok));
      res.on('error', () => done(false));
    });
    req.on('timeout', () => req.destroy(new Error('health check timed out')));
    req.on('error', () => done(false));
    req.end();
  }

  close(): void {
    for (const p of this.probes.values()) clearInterval(p.timer);
    this.probes.clear();
  }
}
