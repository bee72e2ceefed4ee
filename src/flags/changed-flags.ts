/**
 * Which flag keys differ between two configurations (pure). A flag changes when its definition
 * changes, when it appears or disappears, or when a segment its rules use changes.
 */
import type { FlagConfig } from './flag-model';

/** Serialised flags and segments of a configuration, computed once per configuration object. */
const fingerprints = new WeakMap<FlagConfig, { flags: Map<string, string>; segments: Map<string, string> }>();

function fingerprint(c: FlagConfig) {
  let f = fingerprints.get(c);
  if (!f) {
    f = {
      flags: new Map(c.flags.map((x) => [x.key, JSON.stringify(x)])),
      segments: new Map(Object.entries(c.segments).map(([k, v]) => [k, JSON.stringify(v)])),
    };
    fingerprints.set(c, f);
  }
  return f;
}

export function changedFlagKeys(before: FlagConfig | undefined, after: FlagConfig): string[] {
  const a = fingerprint(after);
  const b = before ? fingerprint(before) : { flags: new Map<string, string>(), segments: new Map<string, string>() };
  const changedSegments = new Set<string>();
  for (const n of new Set([...a.segments.keys(), ...b.segments.keys()])) {
    if (a.segments.get(n) !== b.segments.get(n)) changedSegments.add(n);
  }
  const out = new Set<string>();
  for (const f of after.flags) {
    if (b.flags.get(f.key) !== a.flags.get(f.key)) out.add(f.key);
    else if (changedSegments.size > 0 && f.environment.rules.some((r) => r.segments.some((s) => changedSegments.has(s)))) out.add(f.key);
  }
  for (const k of b.flags.keys()) if (!a.flags.has(k)) out.add(k);
  return [...out].sort();
}
