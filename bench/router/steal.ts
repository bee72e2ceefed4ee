// CPU time the hypervisor gave to other guests ("steal" in /proc/stat). On a shared VM it is what
// moves tail latency most: a vCPU held back for a few milliseconds delays every request that needs it.
import { readFileSync } from 'node:fs';

export interface CpuTicks {
  steal: number;
  total: number;
}

/** All CPUs' time counters (clock ticks) from /proc/stat; zeros where there is no /proc. */
export function cpuTicks(): CpuTicks {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal guest guest_nice; guest time is already in user.
    return { steal: fields[7] ?? 0, total: fields.slice(0, 8).reduce((a, b) => a + b, 0) };
  } catch {
    return { steal: 0, total: 0 };
  }
}

/** Share of the CPU time between two readings that was stolen (0 when unknown). */
export function stolenShare(before: CpuTicks, after: CpuTicks): number {
  const total = after.total - before.total;
  return total > 0 ? (after.steal - before.steal) / total : 0;
}
