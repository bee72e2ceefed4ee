/** The example shop service (examples/shop/server.js) as a real process on a free loopback port, for the chaos tests. */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '../../../testing/harness';
import { freePort } from '../../../targets/http-probe';

export interface ShopProcess {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Starts one shop instance of `version` and waits until /healthz answers. */
export async function startShop(version: string, env: Record<string, string> = {}): Promise<ShopProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, [join(REPO_ROOT, 'examples', 'shop', 'server.js')], {
    env: { ...process.env, PORT: String(port), SHIPGATE_VERSION: version, ...env },
    stdio: 'ignore',
  });
  const url = `http://127.0.0.1:${port}`;
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) return { url, child, stop };
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  await stop();
  throw new Error(`shop ${version} did not start on ${url}`);
}
