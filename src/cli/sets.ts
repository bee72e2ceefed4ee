// `--set KEY=VALUE` arguments, shared by `rollout release` and `change create` (both name config keys).

/** Parses `--set KEY=VALUE` arguments; returns the pairs or the first bad argument. */
export function parseSets(args: string[]): { sets: Record<string, string> } | { bad: string } {
  const sets: Record<string, string> = {};
  for (const a of args) {
    const eq = a.indexOf('=');
    if (eq <= 0 || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(a.slice(0, eq))) return { bad: a };
    sets[a.slice(0, eq)] = a.slice(eq + 1);
  }
  return { sets };
}
