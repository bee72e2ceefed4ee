/** Reads the migration files a user named: one .sql file, or every .sql file under a folder in name order. */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { CliError, EXIT } from '../../cli/exit-codes';
import type { CheckedFile } from './migration-result';
import { parseMigration, type SqlStatement } from './sql-statements';

export interface MigrationFile extends CheckedFile {
  statementsParsed: SqlStatement[];
  /** The file as read (sent to the server when the result is recorded as evidence). */
  text: string;
}

function sqlFilesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && e.name.endsWith('.sql')) out.push(p);
    }
  };
  walk(dir);
  return out;
}

/** Reads and parses one file; `shown` is the name findings carry. */
export function readMigrationFile(absolute: string, shown: string): MigrationFile {
  let bytes: Buffer;
  try {
    bytes = readFileSync(absolute);
  } catch (e) {
    throw new CliError(EXIT.USAGE, `cannot read ${shown}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const text = bytes.toString('utf8');
  const statementsParsed = parseMigration(text, shown);
  return { file: shown, sha256: createHash('sha256').update(bytes).digest('hex'), statements: statementsParsed.length, statementsParsed, text };
}

/** The files named by `typed` (a file or a folder), resolved against `cwd`; parse errors are InputErrors naming file:line:column. */
export function readMigrationPath(absolute: string, typed: string): MigrationFile[] {
  let isDir: boolean;
  try {
    isDir = statSync(absolute).isDirectory();
  } catch (e) {
    throw new CliError(EXIT.USAGE, `cannot read ${typed}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  if (!isDir) return [readMigrationFile(absolute, typed)];
  const files = sqlFilesUnder(absolute);
  if (files.length === 0) throw new CliError(EXIT.USAGE, `${typed}: no .sql files`);
  // named as the user typed the folder, so findings point where they look
  return files.map((f) => readMigrationFile(f, join(typed, relative(absolute, f))));
}
