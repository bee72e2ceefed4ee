import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';

const script = fileURLToPath(new URL('./upstream-server.mjs', import.meta.url));

/** A test upstream running as its own process on 127.0.0.1. */
export interface UpstreamProcess {
  version: string;
  port: number;
  url: string;
  child: ChildProcess;
  /** SIGKILL, as a crash would. */
  kill(): Promise<void>;
}

/** Starts `upstream-server.mjs` for `version`; resolves once it listens. */
export function startUpstream(version: string, port = 0): Promise<UpstreamProcess> {
  const child = spawn(process.execPath, [script, version, String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`upstream ${version} did not start within 10 s`));
    }, 10_000);
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`upstream ${version} exited with ${code}`)));
    createInterface({ input: child.stdout! }).once('line', (line) => {
      clearTimeout(timer);
      const { port: p } = JSON.parse(line) as { port: number };
      resolve({
        version,
        port: p,
        url: `http://127.0.0.1:${p}`,
        child,
        kill: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null || child.signalCode !== null) return done();
            child.once('exit', () => done());
            child.kill('SIGKILL');
          }),
      });
    });
  });
}

/** Starts several upstreams at once. */
export function startUpstreams(versions: string[]): Promise<UpstreamProcess[]> {
  return Promise.all(versions.map((v) => startUpstream(v)));
}
