import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';

const REPO = resolve(import.meta.dirname, '..', '..');

const git = (...args: string[]): string | undefined => {
  try {
    return execFileSync('git', ['-C', REPO, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
};

/** The repository this checkout was cloned from (a local folder), or the one a worktree belongs to. */
function localOrigin(): string | undefined {
  const url = git('remote', 'get-url', 'origin');
  if (url && isAbsolute(url)) return url;
  const common = git('rev-parse', '--path-format=absolute', '--git-common-dir');
  return common ? resolve(common, '..') : undefined;
}

function locate(): string {
  const beside = resolve(REPO, '..', 'shared', 'fixtures');
  if (process.env.SHIPGATE_FIXTURES) return resolve(process.env.SHIPGATE_FIXTURES);
  if (existsSync(beside)) return beside;
  // A clone made elsewhere (a temporary folder) finds them beside the repository it came from.
  const origin = localOrigin();
  const besideOrigin = origin && resolve(origin, '..', 'shared', 'fixtures');
  return besideOrigin && existsSync(besideOrigin) ? besideOrigin : beside;
}

/**
 * The shared third-party fixtures (../shared/fixtures beside the repository; SHIPGATE_FIXTURES
 * overrides). Tests that read them fail, not skip, when they are missing.
 */
export const FIXTURES = locate();
