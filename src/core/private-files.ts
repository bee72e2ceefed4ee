import { chmodSync, closeSync, mkdirSync, openSync, statSync } from 'node:fs';

/**
 * The data folder holds the database, the bootstrap admin token, instance logs and the instance
 * ledger: readable by the server's user only, whatever the umask. Folders are 0700 and files
 * 0600; an existing one that is wider is tightened (never widened).
 */

/** Folder mode: owner only. */
export const PRIVATE_DIR_MODE = 0o700;
/** File mode: owner read and write only. */
export const PRIVATE_FILE_MODE = 0o600;

/** Creates `dir` (and missing parents) 0700, or tightens it to 0700 when group or others have any access. */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  tighten(dir, PRIVATE_DIR_MODE);
}

/** Creates `file` empty 0600 when missing, or tightens it to 0600 (contents untouched). */
export function ensurePrivateFile(file: string): void {
  closeSync(openSync(file, 'a', PRIVATE_FILE_MODE));
  tighten(file, PRIVATE_FILE_MODE);
}

/** Opens `file` for appending, created 0600 or tightened to 0600; returns the descriptor. */
export function openPrivateAppend(file: string): number {
  const fd = openSync(file, 'a', PRIVATE_FILE_MODE);
  tighten(file, PRIVATE_FILE_MODE);
  return fd;
}

/** Tightens an existing path to `mode` when it is wider; missing paths are left alone. */
export function tighten(path: string, mode: number): void {
  let current: number;
  try {
    current = statSync(path).mode & 0o777;
  } catch {
    return;
  }
  if ((current & ~mode) !== 0) chmodSync(path, current & mode);
}
