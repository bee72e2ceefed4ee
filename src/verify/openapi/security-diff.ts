/**
 * Security requirements: a list of alternatives (any one will do), each naming the schemes a
 * client must all present, with OAuth/OpenID scopes. A client that met an old alternative keeps
 * working when some new alternative asks no more of it. Pure.
 */
import type { CheckId } from './checks';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** One alternative: scheme name → scopes. */
type Alternative = Map<string, Set<string>>;

function alternatives(list: unknown[]): Alternative[] {
  return list.filter(isObj).map((req) => new Map(Object.entries(req).map(([k, v]) => [k, new Set(Array.isArray(v) ? v.map(String) : [])])));
}

/** True when a client holding `have` satisfies `need`. */
function satisfies(have: Alternative, need: Alternative): boolean {
  for (const [scheme, scopes] of need) {
    const h = have.get(scheme);
    if (!h) return false;
    for (const s of scopes) if (!h.has(s)) return false;
  }
  return true;
}

const altText = (a: Alternative) => (a.size === 0 ? 'no credentials' : [...a].map(([k, s]) => (s.size ? `${k} [${[...s].join(', ')}]` : k)).join(' + '));

/** Compares the effective security of one operation before and after. */
export function diffSecurity(fromList: unknown[], toList: unknown[], emit: (id: CheckId, text: string) => void): void {
  const a = alternatives(fromList);
  const b = alternatives(toList);
  // No requirement at all, or an empty alternative, means anonymous access.
  const anyA = a.length === 0 ? [new Map()] : a;
  const anyB = b.length === 0 ? [new Map()] : b;
  let broke = false;
  for (const alt of anyA) {
    if (anyB.some((n) => satisfies(alt, n))) continue;
    broke = true;
    if (alt.size === 0) emit('api-security-added', `now needs ${anyB.map(altText).join(' or ')} where it needed no credentials`);
    else {
      const sameSchemes = anyB.find((n) => n.size === alt.size && [...n.keys()].every((k) => alt.has(k)));
      if (sameSchemes) {
        const added = [...sameSchemes].flatMap(([k, s]) => [...s].filter((x) => !alt.get(k)!.has(x)).map((x) => `${k}:${x}`));
        emit('api-security-scope-added', `clients with ${altText(alt)} now also need the scope${added.length > 1 ? 's' : ''} ${added.join(', ')}`);
      } else emit('api-security-changed', `clients with ${altText(alt)} are refused; it now needs ${anyB.map(altText).join(' or ')}`);
    }
  }
  if (!broke && anyB.some((n) => !anyA.some((o) => satisfies(n, o))))
    emit(
      'api-security-removed',
      `now also accepts ${anyB
        .filter((n) => !anyA.some((o) => satisfies(n, o)))
        .map(altText)
        .join(' or ')}`,
    );
}

/** Schemes the `from` document's requirements name, compared with the `to` document's definitions. */
export function diffSecuritySchemes(from: Obj, to: Obj, emit: (id: CheckId, text: string, location: string) => void): void {
  const schemes = (root: Obj): Obj => (isObj(root.components) && isObj(root.components.securitySchemes) ? root.components.securitySchemes : {});
  const sa = schemes(from);
  const sb = schemes(to);
  const used = new Set<string>();
  const collect = (list: unknown) => {
    if (Array.isArray(list)) for (const r of list) if (isObj(r)) for (const k of Object.keys(r)) used.add(k);
  };
  collect(from.security);
  if (isObj(from.paths))
    for (const item of Object.values(from.paths)) if (isObj(item)) for (const op of Object.values(item)) if (isObj(op)) collect(op.security);
  for (const name of [...used].sort()) {
    const a = sa[name];
    const b = sb[name];
    if (!isObj(a)) continue;
    const loc = `components.securitySchemes.${name}`;
    if (!isObj(b)) {
      emit('security-scheme-removed', `removed the security scheme ${'`' + name + '`'}, which operations require`, loc);
      continue;
    }
    const facts = (s: Obj) => [
      s.type,
      typeof s.scheme === 'string' ? s.scheme.toLowerCase() : s.scheme,
      s.in,
      typeof s.name === 'string' && s.in === 'header' ? s.name.toLowerCase() : s.name,
    ];
    const fa = facts(a);
    const fb = facts(b);
    const labels = ['type', 'scheme', 'in', 'name'];
    const diffs = labels.flatMap((l, i) => (fa[i] !== fb[i] ? [`${l} ${JSON.stringify(fa[i] ?? null)} → ${JSON.stringify(fb[i] ?? null)}`] : []));
    if (diffs.length) emit('security-scheme-changed', `the security scheme ${'`' + name + '`'} changed: ${diffs.join(', ')}`, loc);
  }
}
