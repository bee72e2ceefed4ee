import http from 'node:http';
import { createHash, timingSafeEqual } from 'node:crypto';
import { isDomainError } from '../core/errors';
import { parseRouteTables } from './route-table';
import { renderPrometheus } from './prometheus-text';
import type { Router } from './router';

/** Largest route table accepted by PUT /routes, bytes. */
const MAX_BODY_BYTES = 4 * 1024 * 1024;

function json(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        reject(Object.assign(new Error(`body over ${MAX_BODY_BYTES} bytes`), { status: 413 }));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * Whether `authorization` carries `Bearer <token>`. Compares digests with timingSafeEqual, so the
 * time taken says nothing of how much of a guess was right (nor of the token's length).
 */
export function bearerMatches(authorization: string | undefined, token: string): boolean {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  return timingSafeEqual(digest(m ? m[1] : ''), digest(token)) && m !== null;
}

/**
 * The router's admin API on its own port: GET/PUT /routes, GET /stats (JSON), GET /metrics
 * (Prometheus text), GET /healthz. Every endpoint but /healthz needs `Authorization: Bearer
 * <token>` (401 without): PUT /routes changes where traffic goes, and the others show the
 * topology.
 */
export function createAdminServer(router: Router, opts: { token: string }): http.Server {
  if (!opts.token) throw new Error('the router admin API needs a token');
  return http.createServer({ headersTimeout: 10_000, requestTimeout: 30_000 }, (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const route = `${req.method} ${path}`;
    if (route !== 'GET /healthz' && !bearerMatches(req.headers.authorization, opts.token)) {
      res.setHeader('www-authenticate', 'Bearer realm="shipgate-router-admin"');
      // The body is not read: close the connection rather than drain an unauthenticated upload.
      if (req.method !== 'GET' && req.method !== 'HEAD') res.setHeader('connection', 'close');
      return json(res, 401, {
        code: 'UNAUTHENTICATED',
        message:
          'the router admin API needs Authorization: Bearer <token> (the router was given it by --admin-token-file or SHIPGATE_ROUTER_ADMIN_TOKEN, or printed where it wrote one)',
      });
    }
    const handle = async () => {
      switch (route) {
        case 'GET /healthz':
          return json(res, 200, { status: 'ok', generation: router.current().generation });
        case 'GET /routes': {
          const c = router.current();
          return json(res, 200, { generation: c.generation, tables: c.tables });
        }
        case 'PUT /routes': {
          const text = await readBody(req);
          const manifests = parseRouteTables(text, 'request body');
          const generation = router.applyTable(manifests);
          return json(res, 200, { generation });
        }
        case 'GET /stats':
          return json(res, 200, router.stats());
        case 'GET /metrics': {
          let text = renderPrometheus(router.statsRecorder().all());
          text += '# HELP shipgate_router_shed_total Requests refused by rate or concurrency limits.\n# TYPE shipgate_router_shed_total counter\n';
          for (const [r, n] of router.shedCounts()) text += `shipgate_router_shed_total{route="${r.replace(/["\\\n]/g, '_')}"} ${n}\n`;
          text +=
            '# HELP shipgate_router_handoffs_total Connections the fast path left to node:http, by the first request it did not take.\n# TYPE shipgate_router_handoffs_total counter\n';
          for (const [why, n] of router.handoffCounts()) text += `shipgate_router_handoffs_total{reason="${why}"} ${n}\n`;
          text +=
            '# HELP shipgate_router_concurrency_limit Concurrency limit in force per route (adaptive limits move).\n# TYPE shipgate_router_concurrency_limit gauge\n';
          for (const [r, c] of Object.entries(router.stats().concurrency))
            text += `shipgate_router_concurrency_limit{route="${r.replace(/["\\\n]/g, '_')}"} ${c.limit}\n`;
          res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
          return res.end(text);
        }
        default:
          return json(res, 404, {
            code: 'NOT_FOUND',
            message: `no admin endpoint ${route}; try GET /routes, PUT /routes, GET /stats, GET /metrics, GET /healthz`,
          });
      }
    };
    handle().catch((e: unknown) => {
      if (isDomainError(e)) return json(res, e.code === 'INPUT_INVALID' ? 400 : 409, { code: e.code, message: e.message, details: e.details });
      const status = (e as { status?: number }).status;
      if (status === 413) return json(res, 413, { code: 'TOO_LARGE', message: (e as Error).message });
      json(res, 500, { code: 'INTERNAL', message: 'internal error' });
    });
  });
}
