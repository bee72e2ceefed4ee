import http from 'node:http';
import type { Duplex } from 'node:stream';
import type { CompiledTable } from './compiled-table';
import { forwardHeaders, hostOf } from './proxy-handler';
import { chooseVersion, headersOf } from './version-choice';

function reject(socket: Duplex, status: number, message: string): void {
  const body = JSON.stringify({ code: 'UPGRADE_FAILED', message });
  socket.end(
    `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}

function headerLines(statusLine: string, raw: string[], extra: [string, string][]): string {
  let s = statusLine + '\r\n';
  for (let i = 0; i < raw.length; i += 2) s += `${raw[i]}: ${raw[i + 1]}\r\n`;
  for (const [k, v] of extra) s += `${k}: ${v}\r\n`;
  return s + '\r\n';
}

/**
 * Passes WebSocket (and other HTTP/1.1 Upgrade) requests through to the version the request
 * would be routed to, then pipes bytes both ways until either side closes.
 */
export function handleUpgrade(table: CompiledTable, req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
  socket.on('error', () => socket.destroy());
  const route = table.match(hostOf(req.headers.host), req.url ?? '/');
  if (!route) return reject(socket, 404, 'no route matches');
  const choice = chooseVersion(route, headersOf(req.headers));
  const version = choice.version;
  const nowMs = Date.now();
  const up = version.balancer.pick(version.upstreams, (u) => u.available(nowMs));
  if (!up) return reject(socket, 502, `version "${version.name}" has no instance`);
  const t0 = performance.now();
  const upReq = http.request({
    host: up.hostname,
    port: up.port,
    method: req.method,
    path: req.url,
    headers: forwardHeaders(req, true),
    // Upgraded sockets leave the pool, so a dedicated connection is used.
    agent: false,
  });
  const timer = setTimeout(() => upReq.destroy(new Error('upgrade timed out')), route.spec.timeouts.headersMs);
  upReq.on('upgrade', (upRes, upSocket, upHead) => {
    clearTimeout(timer);
    version.stats.record('2xx', performance.now() - t0, Date.now());
    const extra: [string, string][] = [['x-shipgate-version', version.name], ...(choice.cookies ?? []).map((c): [string, string] => ['set-cookie', c])];
    socket.write(headerLines(`HTTP/1.1 101 ${upRes.statusMessage || 'Switching Protocols'}`, upRes.rawHeaders, extra));
    if (upHead.length) socket.write(upHead);
    if (head.length) upSocket.write(head);
    upSocket.on('error', () => socket.destroy());
    socket.on('close', () => upSocket.destroy());
    upSocket.on('close', () => socket.destroy());
    upSocket.pipe(socket);
    socket.pipe(upSocket);
  });
  upReq.on('response', (upRes) => {
    clearTimeout(timer);
    // The upstream refused the upgrade: pass its answer on and close.
    const chunks: Buffer[] = [];
    upRes.on('data', (c: Buffer) => chunks.push(c));
    upRes.on('end', () => {
      const raw = upRes.rawHeaders.filter((_, i, a) =>
        i % 2 === 0 ? !/^(connection|transfer-encoding|content-length)$/i.test(a[i]) : !/^(connection|transfer-encoding|content-length)$/i.test(a[i - 1]),
      );
      const body = Buffer.concat(chunks);
      socket.end(
        Buffer.concat([
          Buffer.from(
            headerLines(`HTTP/1.1 ${upRes.statusCode} ${upRes.statusMessage}`, raw, [
              ['content-length', String(body.length)],
              ['connection', 'close'],
              ['x-shipgate-version', version.name],
            ]),
          ),
          body,
        ]),
      );
    });
  });
  upReq.on('error', (err) => {
    clearTimeout(timer);
    version.stats.record('connect_error', performance.now() - t0, Date.now());
    reject(socket, 502, `version "${version.name}" instance ${up.url}: ${err.message}`);
  });
  upReq.end();
}
