import { readFileSync } from 'node:fs';

/**
 * What tells one process from a later one that got the same PID (Linux /proc): its start time,
 * in clock ticks after boot, and its command line. A PID alone is reused by the kernel, so a
 * recorded PID must never be signalled without checking both.
 */
export interface ProcessIdentity {
  /** Field 22 of /proc/PID/stat (starttime, clock ticks since boot), as text. */
  startTime: string;
  /** /proc/PID/cmdline split at NUL bytes. */
  cmdline: string[];
}

/**
 * Field 22 (starttime) of a /proc/PID/stat line. The second field (comm) is in parentheses and
 * may itself hold spaces and parentheses, so fields are counted after the last ')'.
 */
export function statStartTime(stat: string): string | undefined {
  const close = stat.lastIndexOf(')');
  if (close < 0) return undefined;
  // After ") " come fields 3, 4, …: field 22 is the 20th of them.
  const rest = stat.slice(close + 2).split(' ');
  const v = rest[22 - 3];
  return v !== undefined && /^\d+$/.test(v) ? v : undefined;
}

/** /proc/PID/cmdline as argv (the trailing NUL dropped). */
export function parseCmdline(raw: string): string[] {
  const parts = raw.split('\0');
  if (parts.length && parts[parts.length - 1] === '') parts.pop();
  return parts;
}

/** Reads a live process's identity, or undefined when it is gone or /proc cannot tell. */
export function readProcessIdentity(pid: number): ProcessIdentity | undefined {
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    const startTime = statStartTime(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    if (!startTime) return undefined;
    return { startTime, cmdline: parseCmdline(readFileSync(`/proc/${pid}/cmdline`, 'utf8')) };
  } catch {
    return undefined;
  }
}

/** Whether the process now at `pid` is the one recorded: same start time and same command line. */
export function isSameProcess(pid: number, recorded: { startTime?: string; command?: string[] }): boolean {
  if (!recorded.startTime || !recorded.command) return false;
  const now = readProcessIdentity(pid);
  if (!now || now.startTime !== recorded.startTime) return false;
  return now.cmdline.length === recorded.command.length && now.cmdline.every((a, i) => a === recorded.command![i]);
}
