import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** What the process target remembers about an instance, so a restarted server can adopt it. */
export interface LedgerEntry {
  slot: number;
  pid: number;
  port: number;
  startedAtMs: number;
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

/** One JSON file per revision in a folder, written atomically (temp file then rename). */
export class FileLedger implements InstanceLedger {
  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true });
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
    writeFileSync(tmp, JSON.stringify(entries));
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
