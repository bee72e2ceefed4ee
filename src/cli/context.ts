import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import type { Command } from 'commander';
import { ApiClient } from './api-client';
import { CliError, EXIT, type ExitCode } from './exit-codes';
import { renderTable } from './table';
import type { KindRegistry } from '../core/kinds';

/** Where a command writes and what environment it sees; tests pass their own. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  env: Record<string, string | undefined>;
  cwd: string;
  /** True when stdout is a terminal (progress bars, colours). */
  isTTY: boolean;
}

export type OutputFormat = 'table' | 'json' | 'yaml';

export const DEFAULT_SERVER = 'http://127.0.0.1:7070';

/** What every command gets: I/O, the API client, output helpers and the exit code to return. */
export class CliContext {
  exitCode: ExitCode = EXIT.OK;

  constructor(
    readonly io: CliIo,
    private readonly program: Command,
    /** Every registered kind, for commands that name kinds. */
    readonly kinds: KindRegistry,
  ) {}

  /** The API client, from --server/--token, SHIPGATE_SERVER/SHIPGATE_TOKEN or ./.shipgate/admin.token. */
  api(): ApiClient {
    const opts = this.program.opts<{ server?: string; token?: string }>();
    const server = opts.server ?? this.io.env.SHIPGATE_SERVER ?? DEFAULT_SERVER;
    let token = opts.token ?? this.io.env.SHIPGATE_TOKEN;
    if (!token) {
      const dataDir = this.io.env.SHIPGATE_DATA ?? join(this.io.cwd, '.shipgate');
      const file = join(dataDir, 'admin.token');
      if (existsSync(file)) token = readFileSync(file, 'utf8').trim();
    }
    return new ApiClient(server, token);
  }

  /** Resolves a path the user typed against the working directory. */
  path(p: string): string {
    return resolve(this.io.cwd, p);
  }

  out(text: string): void {
    this.io.stdout(text.endsWith('\n') ? text : text + '\n');
  }

  err(text: string): void {
    this.io.stderr(text.endsWith('\n') ? text : text + '\n');
  }

  /**
   * Prints data: a table for people (default), JSON or YAML for machines.
   * `table` turns the data into headers and rows.
   */
  print(data: unknown, format: string | undefined, table: () => { headers: string[]; rows: unknown[][] }): void {
    const f = parseFormat(format, ['table', 'json', 'yaml']);
    if (f === 'json') this.out(JSON.stringify(data, null, 2));
    else if (f === 'yaml') this.out(stringify(data));
    else {
      const t = table();
      this.out(renderTable(t.headers, t.rows as (string | number | null | undefined)[][]));
    }
  }

  /** Sets the exit code (the highest-priority non-zero code wins: usage > no > undecided). */
  fail(code: ExitCode): void {
    if (this.exitCode === EXIT.OK || code === EXIT.USAGE) this.exitCode = code;
  }
}

/** Checks an `-o` value against the formats a command supports. */
export function parseFormat<T extends string>(format: string | undefined, allowed: readonly T[]): T {
  const f = (format ?? allowed[0]) as T;
  if (!allowed.includes(f)) throw new CliError(EXIT.USAGE, `unknown output format "${format}"; use one of: ${allowed.join(', ')}`);
  return f;
}
