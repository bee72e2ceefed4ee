import { readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensurePrivateDir, PRIVATE_FILE_MODE } from '../core/private-files';

/**
 * What the process target remembers about an instance, so a restarted server can adopt it.
 * Written as an intent (`pid` 0) before the instance is spawned and completed with its pid and
 * start time right after, so a crash between the two leaves a record, never an unknown process.
 */
export interface LedgerEntry {
  slot: number;
  /** OS process id; 0 while the spawn is only intended. Never signalled unless the identity matches. */
  pid: number;
  /** TCP port the instance listens on. */
  port: number;
  /** When the spawn was asked for, ms since the epoch. */
  startedAtMs: number;
  /** The argv spawned, compared with /proc/PID/cmdline before adopting. */
  command?: string[];
  /** Field 22 of /proc/PID/stat when spawned (clock ticks after boot), compared before adopting. */
  startTime?: string;
}

/** Where the process target records its instances (survives a `kill -9` of the server). */
export interface InstanceLedger {
  load(revisionId: string): LedgerEntry[];
  save(revisionId: string, entries: LedgerEntry[]): void;
  /** Every revision id with recorded instances. */
  revisions(): string[];
}

/** Keeps entries in memory only (unit tests). */
export class MemoryLedger implements InstanceLedger {
  private readonly map = new Map<string, LedgerEntry[]>();
  load(id: string): LedgerEntry[] {
    return [...(this.map.get(id) ?? [])];
  }
  save(id: string, entries: LedgerEntry[]): void {
    if (entries.length) this.map.set(id, [...entries]);
    else this.map.delete(id);
  }
  revisions(): string[] {
    return [...this.map.keys()];
  }
}

/** One JSON file per revision in a folder (0700, files 0600), written atomically (temp file then rename). */
export class FileLedger implements InstanceLedger {
  constructor(private readonly dir: string) {
    ensurePrivateDir(dir);
  }
  private file(id: string): string {
    return join(this.dir, `${encodeURIComponent(id)}.json`);
  }
  load(id: string): LedgerEntry[] {
    try {
      return JSON.parse(readFileSync(this.file(id), 'utf8')) as LedgerEntry[];
    } catch {
      return [];
    }
  }
  save(id: string, entries: LedgerEntry[]): void {
    const f = this.file(id);
    if (!entries.length) {
      rmSync(f, { force: true });
      return;
    }
    const tmp = `${f}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(entries), { mode: PRIVATE_FILE_MODE });
    renameSync(tmp, f);
  }
  revisions(): string[] {
    try {
      return readdirSync(this.dir)
        .filter((n) => n.endsWith('.json'))
        .map((n) => decodeURIComponent(n.slice(0, -5)));
    } catch {
      return [];
    }
  }
}
