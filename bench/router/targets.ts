import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import net from 'node:net';

const here = fileURLToPath(new URL('.', import.meta.url));
const upstreamScript = join(here, '../../src/router/testing/upstream-server.mjs');

/** A free loopback port. */
export async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const p = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return p;
}

function waitLine(child: ChildProcess, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${what} did not start`)), 20_000);
    child.once('exit', (c) => reject(new Error(`${what} exited with ${c}`)));
    createInterface({ input: child.stdout! }).once('line', () => {
      clearTimeout(t);
      resolve();
    });
  });
}

export interface Target {
  name: string;
  url: string;
  stop(): Promise<void>;
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((r) => {
    if (child.exitCode !== null) return r();
    child.once('exit', () => r());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 2_000).unref();
  });
}

/** Starts the upstream and the proxies in front of it (router, http-proxy-3, a bare Node pipe, nginx). */
export async function startTargets(): Promise<{ targets: Target[]; stop(): Promise<void> }> {
  const upPort = await freePort();
  const upstream = spawn(process.execPath, [upstreamScript, 'v1', String(upPort)], { stdio: ['ignore', 'pipe', 'inherit'] });
  await waitLine(upstream, 'upstream');
  const upUrl = `http://127.0.0.1:${upPort}`;
  const targets: Target[] = [{ name: 'direct', url: upUrl, stop: async () => {} }];

  const rPort = await freePort();
  const router = spawn(process.execPath, ['--import', 'tsx', join(here, 'router-server.ts'), upUrl, String(rPort)], { stdio: ['ignore', 'pipe', 'inherit'] });
  await waitLine(router, 'router');
  targets.push({ name: 'shipgate router', url: `http://127.0.0.1:${rPort}`, stop: () => stopChild(router) });

  const hPort = await freePort();
  const hp = spawn(process.execPath, ['--import', 'tsx', join(here, 'http-proxy-server.ts'), upUrl, String(hPort)], { stdio: ['ignore', 'pipe', 'inherit'] });
  await waitLine(hp, 'http-proxy-3');
  targets.push({ name: 'http-proxy-3', url: `http://127.0.0.1:${hPort}`, stop: () => stopChild(hp) });

  const pPort = await freePort();
  const pipe = spawn(process.execPath, [join(here, 'node-pipe.mjs'), String(upPort), String(pPort)], { stdio: ['ignore', 'pipe', 'inherit'] });
  await waitLine(pipe, 'node pipe');
  targets.push({ name: 'node pipe (floor)', url: `http://127.0.0.1:${pPort}`, stop: () => stopChild(pipe) });

  const nPort = await freePort();
  const prefix = mkdtempSync(join(tmpdir(), 'shipgate-bench-nginx-'));
  mkdirSync(join(prefix, 'logs'));
  // Equivalent to the router: one worker (the router is one Node process), keep-alive to the
  // upstream, HTTP/1.1, no access log (the router keeps stats in memory instead).
  writeFileSync(
    join(prefix, 'nginx.conf'),
    `worker_processes 1;
daemon off;
pid ${prefix}/nginx.pid;
error_log ${prefix}/logs/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${prefix}/body; proxy_temp_path ${prefix}/proxy; fastcgi_temp_path ${prefix}/fcgi; uwsgi_temp_path ${prefix}/uwsgi; scgi_temp_path ${prefix}/scgi;
  upstream app { server 127.0.0.1:${upPort}; keepalive 64; }
  server {
    listen 127.0.0.1:${nPort};
    keepalive_requests 1000000;
    location / {
      proxy_pass http://app;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    }
  }
}
`,
  );
  let nginx: ChildProcess | undefined;
  try {
    execFileSync('/usr/sbin/nginx', ['-t', '-p', prefix, '-c', join(prefix, 'nginx.conf')], { stdio: 'ignore' });
    nginx = spawn('/usr/sbin/nginx', ['-p', prefix, '-c', join(prefix, 'nginx.conf')], { stdio: 'ignore' });
    for (let i = 0; i < 100; i++) {
      const ok = await new Promise<boolean>((r) => {
        const s = net.connect(nPort, '127.0.0.1', () => {
          s.destroy();
          r(true);
        });
        s.on('error', () => r(false));
      });
      if (ok) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    targets.push({ name: 'nginx', url: `http://127.0.0.1:${nPort}`, stop: () => stopChild(nginx!) });
  } catch (e) {
    process.stderr.write(`nginx not available (apt-get install -y nginx): ${(e as Error).message}\n`);
  }

  return {
    targets,
    async stop() {
      await Promise.all(targets.map((t) => t.stop()));
      await stopChild(upstream);
      rmSync(prefix, { recursive: true, force: true });
    },
  };
}
