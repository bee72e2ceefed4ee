/**
 * Where a BackupCheck's `source.file` may point: only inside the server's backup folder
 * (`options.dr.backupDir`, default DATA/backups). Whoever may write a BackupCheck must not make
 * the server read (and restore, and report on) an arbitrary file: the path is relative, has no
 * `..` segment, and once resolved (symbolic links followed) it is still inside the folder.
 */
import { realpathSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, sep } from 'node:path';

/** Why a `source.file` value is refused before anything touches the disk; undefined when it is acceptable. Pure. */
export function backupFileProblem(p: string): string | undefined {
  if (p.length === 0) return 'name a file in the server backup folder';
  if (p.includes('\0')) return 'a path has no NUL character';
  if (isAbsolute(p) || p.startsWith('/') || p.startsWith('\\') || /^[A-Za-z]:/.test(p))
    return 'must be relative to the server backup folder (options.dr.backupDir, default DATA/backups), not absolute';
  if (p.split(/[\\/]/).some((s) => s === '..')) return 'must not contain ".." segments: the file must stay inside the server backup folder';
  return undefined;
}

/** True when `child` is `root` or inside it (both already resolved). Pure. */
export function isInside(root: string, child: string): boolean {
  const r = relative(root, child);
  return r === '' || (!r.startsWith(`..${sep}`) && r !== '..' && !isAbsolute(r));
}

/**
 * The real path of a backup file, checked again at run time: a symbolic link placed in the folder
 * must not lead out of it. Returns an error message instead when the file is missing or outside.
 */
export function resolveBackupFile(root: string, p: string): { path: string; mtimeMs: number; bytes: number } | { error: string } {
  const problem = backupFileProblem(p);
  if (problem) return { error: problem };
  let realRoot: string;
  let real: string;
  try {
    realRoot = realpathSync(root);
  } catch {
    return { error: `the server backup folder ${root} does not exist` };
  }
  try {
    real = realpathSync(join(realRoot, p));
  } catch {
    return { error: `no file ${p} in the server backup folder` };
  }
  if (!isInside(realRoot, real)) return { error: `${p} leads outside the server backup folder` };
  const st = statSync(real);
  if (!st.isFile()) return { error: `${p} is not a regular file` };
  return { path: real, mtimeMs: st.mtimeMs, bytes: st.size };
}
