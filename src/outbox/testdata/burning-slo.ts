/** An SLO whose page alert fires at T, notifying a receiver: what the outbox and egress tests deliver. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestServer } from '../../testing/harness';
import { manifests, points } from '../../slo/testdata/manifests';

/** The moment the alert fires (pass a ManualClock at it). */
export const T = Date.parse('2026-03-02T12:00:00Z');

/** Applies the SLO manifests notifying `receiverUrl` (/alertmanager and /slack) and pushes a burn that fires the page alert at T. */
export async function burningSlo(s: TestServer, receiverUrl: string): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'outbox-'));
  try {
    writeFileSync(join(dir, 'slo.yaml'), manifests(receiverUrl));
    writeFileSync(join(dir, 'bad.jsonl'), points('payments', T, 0, 60, 50, 100));
    const a = await s.cli(['apply', '-f', join(dir, 'slo.yaml')]);
    assert.equal(a.code, 0, a.stderr);
    const p = await s.cli(['push', join(dir, 'bad.jsonl')]);
    assert.equal(p.code, 0, p.stderr);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** POST /api/v1/slo/evaluate at `atMs`, timed. */
export async function evaluate(s: TestServer, atMs: number): Promise<{ ms: number; body: { events: { status: string }[]; outbox: string[] } }> {
  const t0 = performance.now();
  const r = await s.fetch('/api/v1/slo/evaluate', { method: 'POST', body: JSON.stringify({ at: new Date(atMs).toISOString() }) });
  const body = (await r.json()) as { events: { status: string }[]; outbox: string[] };
  assert.equal(r.status, 200, JSON.stringify(body));
  return { ms: performance.now() - t0, body };
}
