/** Resident memory of a process, from Linux's /proc (undefined elsewhere, or when it is gone). */
import { readFile } from 'node:fs/promises';

export async function readRssBytes(pid: number): Promise<number | undefined> {
  if (!(pid > 0)) return undefined;
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB$/m.exec(await readFile(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}
