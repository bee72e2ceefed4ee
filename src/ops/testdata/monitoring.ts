/**
 * The real Prometheus and Alertmanager (Debian packages `prometheus`, `prometheus-alertmanager`)
 * as child processes on loopback ports, each in its own temporary folder, for end-to-end tests.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../targets/http-probe';

export interface Monitor {
  url: string;
  dir: string;
  log(): string;
  close(): Promise<void>;
}

async function start(bin: string, args: (dir: string, port: number) => string[], files: Record<string, string>, ready: string): Promise<Monitor> {
  const dir = mkdtempSync(join(tmpdir(), 'sg-monitor-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  const port = await freePort();
  let log = '';
  const child: ChildProcess = spawn(bin, args(dir, port), { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (d: Buffer) => (log += d));
  child.stderr!.on('data', (d: Buffer) => (log += d));
  const url = `http://127.0.0.1:${port}`;
  const exited = new Promise<number | null>((r) => child.once('exit', r));
  for (let i = 0; ; i++) {
    const ok = await fetch(`${url}${ready}`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (i > 150 || child.exitCode !== null) {
      child.kill('SIGKILL');
      throw new Error(`${bin} did not become ready:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    dir,
    log: () => log,
    async close() {
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function startAlertmanager(config: string): Promise<Monitor> {
  return start(
    '/usr/bin/prometheus-alertmanager',
    (dir, port) => [`--config.file=${join(dir, 'alertmanager.yml')}`, `--storage.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--cluster.listen-address='],
    { 'alertmanager.yml': config },
    '/-/ready',
  );
}

export function startPrometheus(config: string, files: Record<string, string>): Promise<Monitor> {
  return start(
    '/usr/bin/prometheus',
    (dir, port) => [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`],
    { 'prometheus.yml': config, ...files },
    '/-/ready',
  );
}
