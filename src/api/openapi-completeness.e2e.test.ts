import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../testing/harness';
import { routesOf, type RouteInfo } from './app';

/**
 * Every registered route is in /api/v1/openapi.json with a response schema for its success status
 * and for each error status it can answer: 400 (every route: a NUL character anywhere is refused),
 * 401 and 403 (every route behind a token), 404 (every route that names something in its path).
 * Routes are read from the running app, so a new route without schemas fails here the day it is
 * added. A response the zod serializer checks is also a response it strips, so these schemas are
 * what callers get.
 */
const EXEMPT: Record<string, string> = {
  // None today: text, HTML, NDJSON, YAML and event-stream routes describe their media type
  // (textResponse in route-schemas.ts). An entry here is `METHOD url` → the reason.
};

/** POST routes that take no body: the path names the thing and the action, there is nothing more to say. */
const BODYLESS = new Set([
  'POST /api/v1/users/:name/disable',
  'POST /api/v1/changes/:id/submit',
  'POST /api/v1/changes/:id/implement',
  'POST /api/v1/slo/postmortems/:id/done',
]);

type Operation = {
  requestBody?: { content?: Record<string, { schema?: unknown }> };
  responses?: Record<string, { content?: Record<string, { schema?: unknown }> }>;
};

/** `/api/v1/flags/:ref` → `/api/v1/flags/{ref}`, as @fastify/swagger writes paths. */
function openApiPath(url: string): string {
  return url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

function expectedErrors(r: RouteInfo): string[] {
  const codes = ['400'];
  if (r.access !== 'public') codes.push('401', '403');
  if (/:[A-Za-z0-9_]+/.test(r.url)) codes.push('404');
  return codes;
}

describe('OpenAPI document completeness', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
  });
  after(() => s.close());

  test('every route has a response schema for its success and error statuses', async () => {
    const res = await s.fetch('/api/v1/openapi.json', { token: null });
    assert.equal(res.status, 200);
    const doc = (await res.json()) as { paths: Record<string, Record<string, Operation>> };
    const routes = routesOf(s.server.app).filter((r) => r.method !== 'HEAD' && r.method !== 'OPTIONS');
    assert.ok(routes.length > 60, `only ${routes.length} routes registered`);
    const offenders: string[] = [];
    for (const r of routes) {
      const key = `${r.method} ${r.url}`;
      if (key in EXEMPT) continue;
      const op = doc.paths[openApiPath(r.url)]?.[r.method.toLowerCase()];
      if (!op) {
        offenders.push(`${key}: not in the document`);
        continue;
      }
      const responses = op.responses ?? {};
      const described = (code: string) =>
        responses[code]?.content !== undefined && Object.values(responses[code]!.content!).some((c) => c.schema !== undefined);
      const success = Object.keys(responses).filter((c) => /^2\d\d$/.test(c));
      if (!success.some(described)) offenders.push(`${key}: no schema for a 2xx response`);
      const missing = expectedErrors(r).filter((c) => !described(c));
      if (missing.length > 0) offenders.push(`${key}: no schema for ${missing.join(', ')}`);
    }
    assert.deepEqual(offenders, []);
  });

  test('the exemption lists name only routes that exist', () => {
    const keys = new Set(routesOf(s.server.app).map((r) => `${r.method} ${r.url}`));
    assert.deepEqual(
      [...Object.keys(EXEMPT), ...BODYLESS].filter((k) => !keys.has(k)),
      [],
    );
  });

  test('every POST, PUT and PATCH route documents its request body', async () => {
    const doc = (await (await s.fetch('/api/v1/openapi.json', { token: null })).json()) as { paths: Record<string, Record<string, Operation>> };
    const missing = routesOf(s.server.app)
      .filter((r) => ['POST', 'PUT', 'PATCH'].includes(r.method) && !BODYLESS.has(`${r.method} ${r.url}`))
      .filter((r) => !doc.paths[openApiPath(r.url)]?.[r.method.toLowerCase()]?.requestBody?.content)
      .map((r) => `${r.method} ${r.url}`);
    assert.deepEqual(missing, []);
  });

  test('streams and text bodies say their media type, not JSON', async () => {
    const doc = (await (await s.fetch('/api/v1/openapi.json', { token: null })).json()) as { paths: Record<string, Record<string, Operation>> };
    const mediaTypes = (path: string, method = 'get') => Object.keys(doc.paths[path]?.[method]?.responses?.['200']?.content ?? {});
    assert.deepEqual(mediaTypes('/api/v1/sdk/flags/stream'), ['text/event-stream']);
    assert.deepEqual(mediaTypes('/api/v1/router/watch'), ['text/event-stream']);
    assert.deepEqual(mediaTypes('/metrics'), ['text/plain']);
    assert.deepEqual(mediaTypes('/'), ['text/html']);
    assert.deepEqual(mediaTypes('/api/v1/analysis/runs/{id}/export'), ['application/x-ndjson']);
    assert.deepEqual(mediaTypes('/api/v1/graph/export'), ['text/vnd.graphviz', 'text/plain']);
  });

  test('error responses describe the one error body', async () => {
    const doc = (await (await s.fetch('/api/v1/openapi.json', { token: null })).json()) as { paths: Record<string, Record<string, Operation>> };
    const schema = doc.paths['/api/v1/kinds']?.get?.responses?.['401']?.content?.['application/json']?.schema as
      | { properties?: Record<string, unknown> }
      | undefined;
    assert.deepEqual(Object.keys(schema?.properties ?? {}).sort(), ['code', 'details', 'message']);
  });
});
