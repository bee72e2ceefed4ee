/**
 * `shipgate verify perf` on what the real tools write: hyperfine `--export-json` on tiny commands
 * and wrk against a loopback node HTTP server (scripts/preflight.mjs installs both Debian packages
 * for this file; run alone without them, a case says which tool is missing).
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../cli/main';
import type { CliIo } from '../../cli/context';

const dir = mkdtempSync(join(tmpdir(), 'shipgate-perf-tools-'));
const onPath = (cmd: string) => (process.env.PATH ?? '').split(':').some((d) => d && existsSync(join(d, cmd)));
const missing = (tool: string) => (onPath(tool) ? false : `${tool} is not installed: apt-get install -y ${tool} (scripts/preflight.mjs does it for this file)`);

function exec(cmd: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { cwd: dir });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('error', reject);
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function run(...args: string[]) {
  const o = { out: '', err: '' };
  const io: CliIo = { stdout: (s) => (o.out += s), stderr: (s) => (o.err += s), env: {}, cwd: dir, isTTY: false };
  const code = await main(['verify', 'perf', ...args], io);
  return { code, ...o };
}

describe('verify perf on real tool output', () => {
  test('hyperfine: sleep 0.1 against sleep 0.01 fails; several commands need --command', { skip: missing('hyperfine') }, async () => {
    const hf = (file: string, ...cmds: string[]) =>
      exec('hyperfine', ['-N', '--style', 'none', '--warmup', '2', '--runs', '25', '--export-json', file, ...cmds]);
    for (const r of [await hf('fast.json', 'sleep 0.01'), await hf('slow.json', 'sleep 0.1'), await hf('both.json', 'sleep 0.01', 'sleep 0.02')])
      assert.equal(r.code, 0, r.stderr);
    const r = await run('--baseline', 'fast.json', '--candidate', 'slow.json', '--metric', 'p50', '-o', 'json');
    assert.equal(r.code, 1, r.err);
    const j = JSON.parse(r.out);
    assert.equal(j.baseline.files[0].format, 'hyperfine');
    assert.equal(j.baseline.n, 25);
    assert.equal(j.mode, 'samples');
    assert.ok(j.regression.lower > 0.5, JSON.stringify(j.regression));
    const both = await run('--baseline', 'both.json', '--candidate', 'slow.json');
    assert.equal(both.code, 2);
    assert.match(both.err, /both\.json: results: 2 commands \("sleep 0\.01", "sleep 0\.02"\): choose one with --command NAME/);
    // The same samples on both sides: no shift at all (the verdict depends on this machine's noise).
    const picked = await run('--baseline', 'both.json', '--candidate', 'both.json', '--command', 'sleep 0.01', '--metric', 'p50', '-o', 'json');
    assert.notEqual(picked.code, 2, picked.err);
    const p = JSON.parse(picked.out);
    assert.equal(p.regression.estimate, 0);
    // A loaded machine adds its own milliseconds to every spawn; only the floor is certain.
    assert.ok(p.baseline.value >= 10 && p.baseline.value < 500, `sleep 0.01 median ${p.baseline.value} ms`);
  });

  describe('wrk against a loopback server', { skip: missing('wrk') }, () => {
    let server: Server;
    let url: string;
    before(async () => {
      // /slow answers 40 ms later than /fast: the candidate revision.
      server = createServer((req, res) => {
        const reply = () => res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
        if (req.url === '/slow') setTimeout(reply, 40);
        else reply();
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    after(() => new Promise((r) => server.close(r)));

    test('six 1 s runs per side, one value each: the slower revision fails on p50; p99 and the rate are read; one run per side asks for a rerun', async () => {
      const files = { base: [] as string[], cand: [] as string[] };
      // A first run warms the server up (JIT, sockets): its tail is not the revision's.
      assert.equal((await exec('wrk', ['-t1', '-c4', '-d1s', url + '/fast'])).code, 0);
      for (let i = 0; i < 6; i++) {
        for (const [side, path] of [
          ['base', '/fast'],
          ['cand', '/slow'],
        ] as const) {
          const r = await exec('wrk', ['-t1', '-c4', '-d1s', '--latency', url + path]);
          assert.equal(r.code, 0, r.stderr);
          const f = `wrk-${side}-${i}.txt`;
          writeFileSync(join(dir, f), r.stdout);
          files[side].push(f);
        }
      }
      // p50: the tail of a 1 s run on a shared 2-core machine is its scheduler's hiccups, not the server.
      const r = await run('--baseline', ...files.base, '--candidate', ...files.cand, '--metric', 'p50', '-o', 'json');
      assert.equal(r.code, 1, r.out + r.err);
      const j = JSON.parse(r.out);
      assert.equal(j.mode, 'aggregates');
      assert.equal(j.baseline.files[0].format, 'wrk');
      assert.equal(j.verdict, 'fail', j.message);
      assert.ok(j.candidate.value > 40 && j.baseline.value < 20, `p50 ${j.baseline.value} → ${j.candidate.value} ms`);
      for (const metric of ['p99', 'rps']) {
        const m = await run('--baseline', ...files.base, '--candidate', ...files.cand, '--metric', metric, '-o', 'json');
        assert.notEqual(m.code, 2, m.err);
        const mj = JSON.parse(m.out);
        assert.equal(mj.baseline.n, 6);
        // Medians of the runs: 4 connections each waiting 40 ms more answer slower, and less often.
        if (metric === 'p99') assert.ok(mj.candidate.value > 40 && mj.baseline.value < mj.candidate.value, JSON.stringify(mj));
        else assert.ok(mj.candidate.value < 100 && mj.baseline.value > mj.candidate.value, JSON.stringify(mj));
      }
      const one = await run('--baseline', files.base[0], '--candidate', files.cand[0], '--metric', 'p50');
      assert.equal(one.code, 1);
      assert.match(one.err, /cannot decide: rerun with more samples \(5 needed\)/);
    });
  });
});
