import type { CodeClass } from '../../metrics/types';
import type { CompiledVersion } from '../compiled-table';
import { classOf } from '../proxy-handler';
import type { ResponseSink, UpstreamConnection } from './upstream-connection';

/** Sends a copy to another version; its response is discarded, its outcome counted as mirror stats. */
export function mirror(version: CompiledVersion, head: string, method: string, timeouts: { connectMs: number; requestMs: number }): void {
  const t0 = performance.now();
  const nowMs = Date.now();
  const up = version.balancer.pick(version.upstreams, (u) => u.available(nowMs));
  if (!up) return;
  let status = 0;
  let conn: UpstreamConnection | undefined;
  let done = false;
  const record = (cls: CodeClass) => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    version.mirrorStats.record(cls, performance.now() - t0, Date.now());
  };
  const sink: ResponseSink = {
    onInterim() {},
    onHead(res) {
      status = res.status;
    },
    onBody() {},
    onEnd: () => record(classOf(status)),
    onError: () => record('connect_error'),
  };
  const timer = setTimeout(() => {
    cancel?.();
    conn?.abandon();
    record('timeout');
  }, timeouts.requestMs);
  const cancel = up.connections.acquire(timeouts.connectMs, (c) => {
    conn = c;
    c.send(head, undefined, method, sink);
  });
}
