/**
 * Reads one manifest of a given kind from a file for an offline verify command (a ScanPolicy, a
 * SyntheticCheck), checked by the kind registry as `apply` would check it, every problem located
 * in the file.
 */
import type { CliContext } from '../cli/context';
import { InputError } from '../core/errors';
import { parseDocuments } from '../core/manifest';

export function readKindFile<S>(cli: CliContext, text: string, file: string, kind: string): { name: string; spec: S } {
  const docs = parseDocuments(text, file);
  if (docs.length !== 1)
    throw new InputError(`${file}: expected one ${kind} document, found ${docs.length}`, [{ file, path: '', message: 'one document only' }]);
  const r = cli.kinds.check(docs[0]);
  if (r.issues.length) throw new InputError(`${file}: invalid ${kind}`, r.issues);
  if (r.def?.kind !== kind)
    throw new InputError(`${file}: expected kind ${kind}, got ${r.def?.kind}`, [
      { file, ...docs[0].locate(['kind']), path: 'kind', message: `expected ${kind}` },
    ]);
  const issues = (r.def.validate?.(r.manifest as never, { find: async () => undefined }) ?? []) as { path: string; message: string }[];
  if (Array.isArray(issues) && issues.length)
    throw new InputError(
      `${file}: invalid ${kind}`,
      issues.map((i) => ({ ...i, file })),
    );
  return { name: r.manifest!.metadata.name, spec: r.manifest!.spec as S };
}
