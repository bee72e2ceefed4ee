import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ensurePrivateDir, openPrivateAppend } from '../core/private-files';
import type { Revision } from '../core/revision';
import { TargetError, type DeployTarget, type Instance, type RevisionHealth } from './deploy-target';
import { freePort, probeHttp, sleep } from './http-probe';
import { listensOn } from './listen-check';
import { MemoryLedger, type InstanceLedger, type LedgerEntry } from './instance-ledger';
import { restartBackoffMs } from './restart-backoff';
import type { ProcessTargetSpec } from './target-spec';
import { parseCommandTemplate, renderCommand, usesPlaceholder } from './command-template';
import { referenceProblem } from './artifact-reference';
import { instanceEnvironment } from './instance-env';
import { isSameProcess, readProcessIdentity } from './process-identity';

/** Settings beyond the manifest: where state and logs go, and how often to look. */
export interface ProcessTargetOptions {
  /** Records instances so a restarted server adopts them instead of starting duplicates. */
  ledger?: InstanceLedger;
  /** Folder for instance logs (stdout and stderr); none when unset. */
  logDir?: string;
  /** Working folder commands resolve against when the spec has no `cwd`. */
  baseDir?: string;
  /** Supervision period, ms. */
  superviseEveryMs?: number;
  /** First restart delay, ms (doubles per restart, capped at 10 s). */
  restartBaseMs?: number;
}

interface Slot {
  slot: number;
  pid: number;
  port: number;
  child?: ChildProcess;
  exited: boolean;
  ready: boolean;
  /** Was ready once: the router may know its URL, so a restart keeps the port. */
  everReady: boolean;
  startedAtMs: number;
  nextRestartAtMs: number;
  /** The argv spawned (program first). */
  command: string[];
  /** Start time from /proc/PID/stat when spawned: with `command`, what proves a PID is still ours. */
  startTime?: string;
}

interface Unit {
  revision: Revision;
  desired: number;
  slots: Map<number, Slot>;
  restarts: number;
  failed: boolean;
  reason?: string;
}

/**
 * Runs revisions as local processes: N instances of the spec's command template (rendered with
 * the revision's version and artifact, spawned without a shell), each with an environment of
 * PATH, HOME, TZ, LANG, PORT, SHIPGATE_VERSION and the revision's config only (never the
 * server's secrets). Restarts crashed instances with a doubling
 * back-off and counts the restarts; past `maxRestarts` the revision is reported failed. Stops
 * gracefully: SIGTERM to the process group, SIGKILL after the grace period.
 */
export class ProcessTarget implements DeployTarget {
  private readonly units = new Map<string, Unit>();
  private readonly loading = new Map<string, Promise<Unit>>();
  private readonly ledger: InstanceLedger;
  private readonly timer: NodeJS.Timeout;
  private closed = false;
  private supervising = false;

  constructor(
    private readonly spec: ProcessTargetSpec,
    private readonly opts: ProcessTargetOptions = {},
  ) {
    this.ledger = opts.ledger ?? new MemoryLedger();
    this.timer = setInterval(() => void this.supervise(), opts.superviseEveryMs ?? 250);
    this.timer.unref();
  }

  async deploy(revision: Revision, replicas: number): Promise<Instance[]> {
    const unit = await this.unit(revision);
    unit.desired = replicas;
    const stops: Promise<void>[] = [];
    for (const s of [...unit.slots.values()]) {
      if (s.slot >= replicas) {
        unit.slots.delete(s.slot);
        stops.push(this.stop(s));
      }
    }
    for (let i = 0; i < replicas; i++) if (!unit.slots.has(i)) await this.spawnSlot(unit, i);
    this.persist(unit);
    await Promise.all(stops);
    await this.waitReady(unit);
    return this.list(unit);
  }

  async instances(revision: Revision): Promise<Instance[]> {
    return this.list(await this.unit(revision));
  }

  async health(revision: Revision): Promise<RevisionHealth> {
    const u = await this.unit(revision);
    const ready = [...u.slots.values()].filter((s) => s.ready && !s.exited).length;
    return { desired: u.desired, ready, restarts: u.restarts, failed: u.failed, reason: u.reason };
  }

  async teardown(revision: Revision): Promise<void> {
    const unit = await this.unit(revision);
    unit.desired = 0;
    const slots = [...unit.slots.values()];
    unit.slots.clear();
    this.persist(unit);
    await Promise.all(slots.map((s) => this.stop(s)));
    this.units.delete(revision.id);
  }

  async close(opts: { stopInstances?: boolean } = {}): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    if (opts.stopInstances) {
      const units = [...this.units.values()];
      await Promise.all(units.map((u) => this.teardown(u.revision)));
    }
  }

  /** Loads a unit, adopting live instances a previous server process recorded (once, even when asked concurrently). */
  private unit(revision: Revision): Promise<Unit> {
    const u = this.units.get(revision.id);
    if (u) return Promise.resolve(u);
    let loading = this.loading.get(revision.id);
    if (!loading) {
      loading = this.adopt(revision).finally(() => this.loading.delete(revision.id));
      this.loading.set(revision.id, loading);
    }
    return loading;
  }

  private async adopt(revision: Revision): Promise<Unit> {
    const u: Unit = { revision, desired: 0, slots: new Map(), restarts: 0, failed: false };
    for (const e of this.ledger.load(revision.id)) {
      // Adopted only when the PID is still the process spawned: same start time and command line.
      // Anything else (an intent never completed, a PID the kernel gave to another process) is
      // dropped from the ledger and never signalled.
      if (!(e.pid > 0 && alive(e.pid) && isSameProcess(e.pid, e))) continue;
      const ready = await this.probe(e);
      u.slots.set(e.slot, {
        slot: e.slot,
        pid: e.pid,
        port: e.port,
        startedAtMs: e.startedAtMs,
        command: e.command!,
        startTime: e.startTime,
        exited: false,
        ready,
        everReady: ready,
        nextRestartAtMs: 0,
      });
    }
    u.desired = u.slots.size;
    this.persist(u);
    this.units.set(revision.id, u);
    return u;
  }

  private list(u: Unit): Instance[] {
    return [...u.slots.values()]
      .sort((a, b) => a.slot - b.slot)
      .map((s) => ({
        id: `${u.revision.id}#${s.slot}`,
        revisionId: u.revision.id,
        version: u.revision.version,
        url: `http://127.0.0.1:${s.port}`,
        ready: s.ready && !s.exited,
        pid: s.pid,
      }));
  }

  /** Ready = answers the readiness GET and the port is really this instance's (not another process's). */
  private async probe(s: { pid: number; port: number }): Promise<boolean> {
    if (!(await probeHttp(this.probeUrl(s.port), 1000))) return false;
    return listensOn(s.pid, s.port) !== false;
  }

  private probeUrl(port: number): string {
    return `http://127.0.0.1:${port}${this.spec.readiness.httpGet}`;
  }

  private async spawnSlot(u: Unit, slot: number, previous?: Slot): Promise<void> {
    // A port another process took before the instance could bind it is given up for a new one.
    const port = previous?.everReady ? previous.port : await freePort();
    const cwd = resolve(this.opts.baseDir ?? process.cwd(), this.spec.cwd ?? '.');
    const argv = this.argv(u.revision);
    const startedAtMs = Date.now();
    // The intent is recorded before the spawn: a server killed in between leaves an entry with
    // no pid (dropped on restart), never a process nobody knows about.
    this.persist(u, { slot, pid: 0, port, startedAtMs, command: argv });
    let out: number | 'ignore' = 'ignore';
    if (this.opts.logDir) {
      ensurePrivateDir(this.opts.logDir);
      out = openPrivateAppend(join(this.opts.logDir, `${u.revision.id}.${slot}.log`));
    }
    const child = spawn(argv[0], argv.slice(1), {
      cwd,
      env: instanceEnvironment(process.env, u.revision.config, port, u.revision.version),
      detached: true,
      shell: false,
      stdio: ['ignore', out, out],
    });
    if (typeof out === 'number') closeSync(out);
    const pid = child.pid ?? -1;
    const s: Slot = {
      slot,
      pid,
      port,
      child,
      exited: false,
      ready: false,
      everReady: false,
      startedAtMs,
      nextRestartAtMs: 0,
      command: argv,
      startTime: readProcessIdentity(pid)?.startTime,
    };
    child.on('exit', () => {
      s.exited = true;
      s.ready = false;
    });
    child.on('error', () => {
      s.exited = true;
      s.ready = false;
    });
    child.unref();
    u.slots.set(slot, s);
    this.persist(u);
  }

  /** The argv of a revision's instances; throws TargetError for an artifact that is not a reference (an old stored revision). */
  private argv(revision: Revision): string[] {
    const t = parseCommandTemplate(this.spec.command);
    if ('error' in t) throw new TargetError(`spec.target.command: ${t.error}`);
    if (revision.artifact && usesPlaceholder(t.argv, 'artifact')) {
      const problem = referenceProblem(revision.artifact);
      if (problem) throw new TargetError(`${revision.id}: artifact ${problem}`);
    }
    return renderCommand(t.argv, { version: revision.version, artifact: revision.artifact });
  }

  /** Records the unit's slots, plus `intent` (a spawn about to happen) when given. */
  private persist(u: Unit, intent?: LedgerEntry): void {
    const entries: LedgerEntry[] = [...u.slots.values()]
      .filter((s) => s.slot !== intent?.slot)
      .map((s) => ({ slot: s.slot, pid: s.pid, port: s.port, startedAtMs: s.startedAtMs, command: s.command, startTime: s.startTime }));
    if (intent) entries.push(intent);
    this.ledger.save(u.revision.id, entries);
  }

  /** Waits until every desired slot is ready; throws TargetError past the readiness timeout or on failure. */
  private async waitReady(u: Unit): Promise<void> {
    const deadline = Date.now() + this.spec.readiness.timeout;
    for (;;) {
      if (u.failed) throw new TargetError(`${u.revision.id}: ${u.reason ?? 'instances failed'}`);
      const pending = [...u.slots.values()].filter((s) => !s.ready);
      if (pending.length === 0) return;
      await Promise.all(
        pending.map(async (s) => {
          if (!s.exited && (await this.probe(s))) s.ready = s.everReady = !s.exited;
        }),
      );
      if ([...u.slots.values()].every((s) => s.ready)) return;
      if (Date.now() > deadline) {
        throw new TargetError(
          `${u.revision.id}: ${pending.length} of ${u.desired} instance(s) not ready after ${this.spec.readiness.timeout} ms (GET ${this.spec.readiness.httpGet})`,
        );
      }
      await sleep(100);
    }
  }

  /** Restarts exited instances (with back-off) and notices adopted ones that died. */
  private async supervise(): Promise<void> {
    if (this.closed || this.supervising) return;
    this.supervising = true;
    try {
      const now = Date.now();
      for (const u of this.units.values()) {
        for (const s of [...u.slots.values()]) {
          if (!s.child && !s.exited && !this.stillOurs(s)) {
            s.exited = true;
            s.ready = false;
          }
          if (!s.exited || u.failed) continue;
          if (s.nextRestartAtMs === 0) {
            if (u.restarts >= this.spec.maxRestarts) {
              u.failed = true;
              u.reason = `instance ${s.slot} crashed; restarted ${u.restarts} time(s), the limit`;
              continue;
            }
            // Not cockatiel's retry: a restart is a due time per slot that the supervision tick checks, not a call awaited in a loop.
            s.nextRestartAtMs = now + restartBackoffMs(u.restarts, this.opts.restartBaseMs ?? 200, 10_000);
            continue;
          }
          if (now < s.nextRestartAtMs) continue;
          u.restarts++;
          if (u.slots.get(s.slot) !== s) continue;
          try {
            await this.spawnSlot(u, s.slot, s);
            this.persist(u);
          } catch (e) {
            // No file descriptors, a full disk, a data folder gone: the restart counts, and the
            // back-off (then the restart limit) applies as for a crash.
            u.reason = `restarting instance ${s.slot} failed: ${(e as Error).message}`;
            if (u.slots.get(s.slot) === s) s.nextRestartAtMs = 0;
            continue;
          }
          const fresh = u.slots.get(s.slot)!;
          void this.readyLater(fresh);
        }
      }
    } finally {
      this.supervising = false;
    }
  }

  private async readyLater(s: Slot): Promise<void> {
    const deadline = Date.now() + this.spec.readiness.timeout;
    while (!s.exited && !this.closed && Date.now() < deadline) {
      if (await this.probe(s)) {
        s.ready = s.everReady = !s.exited;
        return;
      }
      await sleep(100);
    }
  }

  /** SIGTERM to the instance's process group, SIGKILL after the grace period. */
  private async stop(s: Slot): Promise<void> {
    if (s.exited || !this.stillOurs(s)) return;
    signal(s.pid, 'SIGTERM');
    const deadline = Date.now() + this.spec.gracePeriod;
    while (Date.now() < deadline) {
      if (s.exited || !this.stillOurs(s)) return;
      await sleep(25);
    }
    if (!this.stillOurs(s)) return;
    signal(s.pid, 'SIGKILL');
    for (let i = 0; i < 40 && this.stillOurs(s); i++) await sleep(25);
  }

  /**
   * Whether the slot's PID still is its instance: our own child until it exits; an adopted one
   * while start time and command line match what was recorded (after it dies the kernel may give
   * the PID to an unrelated process, which must never be signalled).
   */
  private stillOurs(s: Slot): boolean {
    if (s.pid <= 0 || s.exited || !alive(s.pid)) return false;
    return s.child ? true : isSameProcess(s.pid, s);
  }
}

function alive(pid: number): boolean {
  // kill(0 or negative) would signal a process group, never one process.
  if (pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pid, sig);
  } catch {
    try {
      process.kill(pid, sig);
    } catch {
      /* already gone */
    }
  }
}
