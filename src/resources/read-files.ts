import { readdirSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { CliError, EXIT } from '../cli/exit-codes';
import type { SourceFile } from './apply-service';

const MANIFEST_EXT = /\.(ya?ml|json)$/i;

/**
 * Reads manifest files for apply/diff: a file, or every .yaml/.yml/.json below a folder, sorted,
 * named relative to `cwd` so errors point where the user looks. `-` reads standard input text.
 */
export function readManifestFiles(paths: string[], cwd: string, stdin?: string): SourceFile[] {
  if (paths.length === 0) throw new CliError(EXIT.USAGE, 'name the manifests with -f FILE or -f DIR');
  const out: SourceFile[] = [];
  for (const p of paths) {
    if (p === '-') {
      out.push({ name: '<stdin>', content: stdin ?? '' });
      continue;
    }
    const abs = isAbsolute(p) ? p : join(cwd, p);
    let st: ReturnType<typeof statSync>;
    try {
      st = statSync(abs);
    } catch {
      throw new CliError(EXIT.USAGE, `${p}: no such file or folder`);
    }
    if (st.isDirectory()) {
      const found: string[] = [];
      walk(abs, found);
      if (found.length === 0) throw new CliError(EXIT.USAGE, `${p}: no .yaml, .yml or .json files in this folder`);
      for (const f of found.sort()) out.push({ name: relative(cwd, f) || f, content: readFileSync(f, 'utf8') });
    } else {
      out.push({ name: relative(cwd, abs) || p, content: readFileSync(abs, 'utf8') });
    }
  }
  return out;
}

function walk(dir: string, into: string[]): void {
  for (const name of readdirSync(dir)) {
    if (name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, into);
    else if (MANIFEST_EXT.test(name)) into.push(p);
  }
}
