/**
 * End to end through the real binary: `shipgate apply -f DIR` of 1,000 services with 5,000 edges
 * (1,001 files) and `shipgate graph spof` against a real `shipgate server` process, on SQLite
 * (default) or PostgreSQL (`--store postgres`, needs 127.0.0.1:5432). Records wall time and peak
 * RSS of the CLI processes (/usr/bin/time) and of the server (/proc VmHWM), plus the time of the
 * HTTP request alone (measured from this process, without CLI start-up).
 * Bounded: `runs` fresh servers (default 3), each: apply, re-apply (no-op), spof ×3.
 *
 *   node --import tsx bench/catalog/apply-e2e.ts [--store sqlite|postgres] [--runs 3] [--cpu-prof DIR]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { generateCatalog, writeCatalog } from './generate-catalog';
import { readManifestFiles } from '../../src/resources/read-files';
import { createPgDatabase } from '../../src/testing/postgres';

const ROOT = resolve(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'shipgate.js');

const args = process.argv.slice(2);
const opt = (name: string, def: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
const store = opt('store', 'sqlite') as 'sqlite' | 'postgres';
const runs = Math.min(10, Number(opt('runs', '3')));
const cpuProfDir = opt('cpu-prof', '');

interface Timed {
  wallMs: number;
  /** User + system CPU time of the process. */
  cpuMs: number;
  maxRssMb: number;
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI under /usr/bin/time for wall time and peak RSS. */
function runCli(cliArgs: string[], env: Record<string, string>): Promise<Timed> {
  return new Promise((res, rej) => {
    const child = spawn('/usr/bin/time', ['-f', 'TIME %e %M %U %S', process.execPath, BIN, ...cliArgs], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', rej);
    child.on('close', (code) => {
      const m = /TIME ([\d.]+) (\d+) ([\d.]+) ([\d.]+)/.exec(stderr);
      res({
        wallMs: m ? Number(m[1]) * 1000 : NaN,
        cpuMs: m ? (Number(m[3]) + Number(m[4])) * 1000 : NaN,
        maxRssMb: m ? Number(m[2]) / 1024 : NaN,
        code: code ?? -1,
        stdout,
        stderr: stderr.replace(/TIME .*\n?/, ''),
      });
    });
  });
}

function procMb(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** User + system CPU time consumed so far by a process, in ms (from /proc, 100 ticks per second). */
function procCpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

async function startServer(dataDir: string, databaseUrl?: string): Promise<{ child: ChildProcess; url: string; token: string }> {
  const nodeArgs = cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', cpuProfDir] : [];
  const child = spawn(process.execPath, [...nodeArgs, BIN, 'server', '--listen', '127.0.0.1:0', '--data', dataDir], {
    env: { ...process.env, ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}) },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const url = await new Promise<string>((res, rej) => {
    let err = '';
    const timer = setTimeout(() => rej(new Error(`server did not start in 30 s: ${err}`)), 30_000);
    child.stderr!.on('data', (d) => {
      err += d;
      const m = /listening on (http:\/\/\S+)/.exec(err);
      if (m) {
        clearTimeout(timer);
        res(m[1]);
      }
    });
    child.on('exit', (code) => rej(new Error(`server exited ${code}: ${err}`)));
  });
  return { child, url, token: readFileSync(join(dataDir, 'admin.token'), 'utf8').trim() };
}

async function stop(child: ChildProcess): Promise<void> {
  await new Promise<void>((res) => {
    child.once('exit', () => res());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
  });
}

const catalogDir = mkdtempSync(join(tmpdir(), 'shipgate-bench-catalog-'));
const catalog = generateCatalog(1000, 5000);
const fileCount = writeCatalog(catalog, catalogDir);
const files = readManifestFiles([catalogDir], catalogDir);
const bodyMb = Buffer.byteLength(JSON.stringify({ files })) / 1024 / 1024;

const rows: string[] = [];
for (let run = 1; run <= runs; run++) {
  const dataDir = mkdtempSync(join(tmpdir(), 'shipgate-bench-data-'));
  const pg = store === 'postgres' ? await createPgDatabase() : undefined;
  const server = await startServer(dataDir, pg?.url);
  const env = { SHIPGATE_SERVER: server.url, SHIPGATE_TOKEN: server.token };
  try {
    const idleRss = procMb(server.child.pid!, 'VmRSS');
    const cpuBeforeApply = procCpuMs(server.child.pid!);
    const apply = await runCli(['apply', '-f', catalogDir, '-o', 'json'], env);
    const serverApplyCpuMs = procCpuMs(server.child.pid!) - cpuBeforeApply;
    if (apply.code !== 0) throw new Error(`apply failed (${apply.code}): ${apply.stderr.slice(0, 2000)}`);
    const created = (JSON.parse(apply.stdout) as { action: string }[]).filter((r) => r.action === 'created').length;
    const afterApplyHwm = procMb(server.child.pid!, 'VmHWM');

    // The same request without the CLI: the server's share of apply (a no-op re-apply now).
    const cpuBeforeReapply = procCpuMs(server.child.pid!);
    const t0 = performance.now();
    const res = await fetch(new URL('/api/v1/apply', server.url), {
      method: 'POST',
      headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ files }),
    });
    const reapplyHttpMs = performance.now() - t0;
    const serverReapplyCpuMs = procCpuMs(server.child.pid!) - cpuBeforeReapply;
    const reapply = (await res.json()) as { results: { action: string }[] };
    if (!res.ok || reapply.results.some((r) => r.action !== 'unchanged')) throw new Error(`re-apply was not a no-op: ${res.status}`);

    const spofs: Timed[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await runCli(['graph', 'spof', '--env', 'production', '-o', 'json'], env);
      if (r.code !== 0) throw new Error(`spof failed (${r.code}): ${r.stderr}`);
      spofs.push(r);
    }
    const spofCount = (JSON.parse(spofs[0].stdout) as { spofs: unknown[] }).spofs.length;
    const cpuBeforeSpof = procCpuMs(server.child.pid!);
    const httpTimes: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t = performance.now();
      const r = await fetch(new URL('/api/v1/graph/spof?env=production', server.url), { headers: { authorization: `Bearer ${server.token}` } });
      await r.arrayBuffer();
      httpTimes.push(performance.now() - t);
    }
    const serverSpofCpuMs = (procCpuMs(server.child.pid!) - cpuBeforeSpof) / 5;
    httpTimes.sort((a, b) => a - b);
    const version = await runCli(['help'], env);
    const serverHwm = procMb(server.child.pid!, 'VmHWM');
    const spofMedian = spofs.map((s) => s.wallMs).sort((a, b) => a - b)[1];
    const spofCpuMedian = spofs.map((s) => s.cpuMs).sort((a, b) => a - b)[1];
    const load = readFileSync('/proc/loadavg', 'utf8').split(' ')[0];
    rows.push(
      `| ${run} | ${store} | ${load} | ${apply.wallMs.toFixed(0)} | ${apply.cpuMs.toFixed(0)} | ${serverApplyCpuMs} | ${apply.maxRssMb.toFixed(0)} | ${created} | ${reapplyHttpMs.toFixed(0)} | ${serverReapplyCpuMs} | ${spofMedian.toFixed(0)} | ${spofCpuMedian.toFixed(0)} | ${Math.max(...spofs.map((s) => s.maxRssMb)).toFixed(0)} | ${httpTimes[2].toFixed(0)} | ${serverSpofCpuMs.toFixed(0)} | ${spofCount} | ${version.wallMs.toFixed(0)} / ${version.cpuMs.toFixed(0)} | ${idleRss.toFixed(0)} → ${afterApplyHwm.toFixed(0)} / ${serverHwm.toFixed(0)} |`,
    );
    process.stderr.write(`run ${run} done\n`);
  } finally {
    await stop(server.child);
    await pg?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
rmSync(catalogDir, { recursive: true, force: true });

process.stdout.write(
  [
    `${catalog.services.length} services, ${catalog.edges} edges, ${fileCount} files, apply body ${bodyMb.toFixed(1)} MB; node ${process.version}`,
    '',
    '| run | store | load avg | apply CLI wall ms | apply CLI CPU ms | apply server CPU ms | apply CLI peak RSS MB | created | re-apply (no-op) HTTP ms | re-apply server CPU ms | spof CLI wall ms (median of 3) | spof CLI CPU ms | spof CLI peak RSS MB | spof HTTP ms (median of 5) | spof server CPU ms (mean) | SPOFs | `shipgate help` wall / CPU ms (CLI start-up) | server RSS MB: idle → peak after apply / peak at end |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows,
  ].join('\n') + '\n',
);
