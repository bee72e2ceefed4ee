/**
 * HOOKS.instances: the process instances the rollout's process targets recorded for a service in
 * an environment (their ledgers under DATA/instances/SERVICE.ENVIRONMENT), for chaos experiments
 * that kill or pause some. A pid is signalled only while the process there is the one recorded
 * (start time and command line), never a process that took over a reused pid.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ServiceInstance, ServiceInstances } from '../core/hooks';
import { FileLedger } from '../targets/instance-ledger';
import { isSameProcess } from '../targets/process-identity';

export function instancesHook(dataDir: string): ServiceInstances {
  const list = async (input: { service: string; environment: string }): Promise<ServiceInstance[]> => {
    // The same folder RolloutRuntime.targetFor gives the service's process targets.
    const dir = join(dataDir, 'instances', `${input.service}.${input.environment}`);
    if (!existsSync(dir)) return [];
    const ledger = new FileLedger(dir);
    const out: ServiceInstance[] = [];
    for (const revisionId of ledger.revisions())
      for (const e of ledger.load(revisionId)) if (e.pid > 0 && isSameProcess(e.pid, e)) out.push({ id: `${revisionId}#${e.slot}`, revisionId, pid: e.pid });
    return out.sort((a, b) => a.id.localeCompare(b.id));
  };
  return {
    list,
    async signal(input, signal) {
      const inst = (await list(input)).find((i) => i.id === input.id);
      if (!inst) return false;
      try {
        process.kill(-inst.pid, signal);
      } catch {
        try {
          process.kill(inst.pid, signal);
        } catch {
          return false;
        }
      }
      return true;
    },
  };
}
