// What the selected tests need from the machine, set up before any test runs: Debian packages
// (installed when we are root and apt-get exists, otherwise one message naming the package and
// the command), and PostgreSQL started when it is installed but down. A missing tool fails here at
// once, never as a timeout deep inside a test.
import { existsSync, readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { connect } from 'node:net';

/** Each system package, how to tell it is there, and which test files need it. */
export const SYSTEM_PACKAGES = [
  {
    pkg: 'prometheus',
    present: () => onPath('prometheus') && onPath('promtool'),
    neededBy: ['prometheus-agreement', 'alertmanager-loop', 'prometheus-rules'],
    why: 'the Prometheus agreement, rules and alerting tests run a real Prometheus and promtool',
  },
  {
    pkg: 'chromium',
    present: () => existsSync(process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'),
    neededBy: ['dashboard.e2e'],
    why: 'the console test drives a real browser',
  },
  {
    pkg: 'prometheus-alertmanager',
    present: () => onPath('prometheus-alertmanager'),
    neededBy: ['alertmanager-loop'],
    why: 'the alerting loop test sends a real Prometheus alert through a real Alertmanager to Shipgate',
  },
  { pkg: 'procps', present: () => onPath('pgrep'), neededBy: ['kill-resume'], why: 'the kill-and-resume test finds orphaned instances with pgrep' },
  { pkg: 'hyperfine', present: () => onPath('hyperfine'), neededBy: ['perf-tools'], why: 'the perf gate test reads real hyperfine --export-json output' },
  { pkg: 'wrk', present: () => onPath('wrk'), neededBy: ['perf-tools'], why: 'the perf gate test reads real wrk output against a loopback server' },
  {
    pkg: 'postgresql-client',
    present: () => onPath('pg_dump') && onPath('pg_restore'),
    neededBy: ['src/dr/', 'bench/dr/'],
    why: 'the backup check tests and bench take real pg_dump -Fc dumps and time real pg_restore runs',
  },
];

function onPath(cmd) {
  return (process.env.PATH ?? '').split(':').some((d) => d && existsSync(`${d}/${cmd}`));
}

function isRoot() {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** Installs or names the packages the selected test files need. Returns an error message or undefined. */
export function ensurePackages(files) {
  const needed = SYSTEM_PACKAGES.filter((p) => files.some((f) => p.neededBy.some((n) => f.includes(n))));
  const missing = needed.filter((p) => !p.present());
  if (missing.length === 0) return undefined;
  const names = missing.map((p) => p.pkg);
  const command = `apt-get update && apt-get install -y ${names.join(' ')}`;
  if (isRoot() && onPath('apt-get')) {
    console.error(`preflight: installing ${names.join(', ')} (${missing.map((p) => p.why).join('; ')})`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    const update = spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
    const install = update.status === 0 ? spawnSync('apt-get', ['install', '-y', '-qq', ...names], { stdio: 'inherit', env }) : update;
    const still = missing.filter((p) => !p.present());
    if (install.status === 0 && still.length === 0) return undefined;
    return `preflight: could not install ${names.join(', ')}; run \`${command}\` and read its errors`;
  }
  return [
    `preflight: missing system package${names.length > 1 ? 's' : ''} ${names.join(', ')}:`,
    ...missing.map((p) => `  ${p.pkg}: ${p.why}`),
    `install with: sudo ${command}`,
    `(or run only other tests: npm test -- src/catalog …)`,
  ].join('\n');
}

function portOpen(host, port, timeoutMs) {
  return new Promise((resolve) => {
    const s = connect({ host, port });
    const done = (ok) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(timeoutMs, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

/**
 * PostgreSQL at 127.0.0.1:5432 (or SHIPGATE_TEST_PG_URL's host): started with pg_ctlcluster when
 * the cluster is installed but down and we may start it. Returns a note for the user, or undefined.
 */
export async function ensurePostgres() {
  const url = new URL(process.env.SHIPGATE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
  const host = url.hostname;
  const port = Number(url.port || 5432);
  if (await portOpen(host, port, 1000)) return undefined;
  const local = host === '127.0.0.1' || host === 'localhost';
  const versions = existsSync('/etc/postgresql') ? readdirSync('/etc/postgresql') : [];
  if (local && versions.length && onPath('pg_ctlcluster') && isRoot()) {
    console.error(`preflight: starting PostgreSQL ${versions[0]} (installed but down)`);
    spawnSync('pg_ctlcluster', ['--skip-systemctl-redirect', versions[0], 'main', 'start'], { stdio: 'inherit' });
    for (let i = 0; i < 30; i++) {
      if (await portOpen(host, port, 1000)) return undefined;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  const how = versions.length ? `start it: sudo pg_ctlcluster ${versions[0]} main start` : 'install it: sudo apt-get install -y postgresql';
  return `PostgreSQL is not reachable at ${host}:${port}; ${how}`;
}
