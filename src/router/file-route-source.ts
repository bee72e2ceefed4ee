import { readFileSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import { formatIssue, isDomainError, type InputError } from '../core/errors';
import { parseRouteTables } from './route-table';
import type { Router } from './router';

/**
 * File mode: loads the route table file into the router, and reloads it when the file changes or
 * on SIGHUP. A file that fails to parse or validate is reported and the table in force stays.
 */
export class FileRouteSource {
  private watcher?: FSWatcher;
  private debounce?: NodeJS.Timeout;
  private readonly onHup = () => this.reload('SIGHUP');

  constructor(
    private readonly file: string,
    private readonly router: Router,
    private readonly report: (message: string) => void,
  ) {}

  /** Loads the file once; throws (InputError with located issues) when it is invalid. */
  load(): number {
    const text = readFileSync(this.file, 'utf8');
    return this.router.applyTable(parseRouteTables(text, this.file));
  }

  /** Reloads, reporting instead of throwing. Returns the new generation, or undefined when refused. */
  reload(why: string): number | undefined {
    try {
      const g = this.load();
      this.report(`route table reloaded (${why}): generation ${g}`);
      return g;
    } catch (e) {
      const issues = isDomainError(e) ? ((e as InputError).issues ?? []) : [];
      this.report(
        `route table refused (${why}), keeping generation ${this.router.current().generation}: ${issues.length ? issues.map(formatIssue).join('\n  ') : (e as Error).message}`,
      );
      return undefined;
    }
  }

  /** Watches the file (through its folder, so editors that replace the file are seen) and SIGHUP. */
  watch(debounceMs = 50): void {
    const name = basename(this.file);
    this.watcher = watch(dirname(this.file), (_event, changed) => {
      if (changed && changed.toString() !== name) return;
      clearTimeout(this.debounce);
      this.debounce = setTimeout(() => this.reload('file changed'), debounceMs);
    });
    // The folder removed or made unreadable: the table in force stays; SIGHUP still reloads.
    this.watcher.on('error', (e) => this.report(`stopped watching ${this.file} (${e.message}); SIGHUP still reloads it`));
    process.on('SIGHUP', this.onHup);
  }

  close(): void {
    clearTimeout(this.debounce);
    this.watcher?.close();
    process.off('SIGHUP', this.onHup);
  }
}
