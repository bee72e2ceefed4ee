import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';

const REPO = resolve(import.meta.dirname, '..', '..');

/** The repository this checkout was cloned from, when it is a local folder. */
function localOrigin(): string | undefined {
  try {
    const url = execFileSync('git', ['-C', REPO, 'remote', 'get-url', 'origin'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return isAbsolute(url) ? url : undefined;
  } catch {
    return undefined;
  }
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
