import { bucketOf } from './buckets';
import type { CompiledRoute, CompiledVersion } from './compiled-table';

/** Value of cookie `name` in a Cookie header, or undefined. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  let i = 0;
  while (i < header.length) {
    while (header.charCodeAt(i) === 32) i++;
    const eq = header.indexOf('=', i);
    if (eq < 0) return undefined;
    let end = header.indexOf(';', eq);
    if (end < 0) end = header.length;
    if (eq - i === name.length && header.startsWith(name, i)) {
      let v = header.slice(eq + 1, end).trim();
      if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) v = v.slice(1, -1);
      return v;
    }
    i = end + 1;
  }
  return undefined;
}

/** A random stickiness key for a client that brought none (12 base-36 characters). */
export function randomKey(): string {
  return (Math.random().toString(36).slice(2, 8) + Math.random().toString(36).slice(2, 8)).padEnd(12, '0');
}

export interface VersionChoice {
  version: CompiledVersion;
  /** Set-Cookie values to add to the response (new stickiness key, session pin). */
  cookies?: string[];
  /** Why: header (tester override), pinned, sticky (by key) or assigned (new random key). */
  reason: 'header' | 'pinned' | 'sticky' | 'assigned';
}

/** First value of a request header by lower-case name. */
export type HeaderLookup = (name: string) => string | undefined;

/** A lookup over node:http's header object. */
export function headersOf(h: Record<string, string | string[] | undefined>): HeaderLookup {
  return (name) => {
    const v = h[name];
    return Array.isArray(v) ? v[0] : v;
  };
}

/**
 * Chooses the version for a request: a tester header first, then an existing session pin (while
 * its version is still in the table), then the sticky bucket of the key (header, else cookie, else
 * a new random key set as a cookie).
 */
export function chooseVersion(route: CompiledRoute, header: HeaderLookup): VersionChoice {
  const spec = route.spec;
  if (spec.versionHeader) {
    const v = header('x-shipgate-version');
    const hit = v !== undefined ? route.byName.get(v) : undefined;
    if (hit) return { version: hit, reason: 'header' };
  }
  for (const h of spec.headerRoutes) {
    if (header(h.header) === h.value) {
      const hit = route.byName.get(h.version);
      if (hit) return { version: hit, reason: 'header' };
    }
  }
  const cookieHeader = header('cookie');
  let pinned: string | undefined;
  if (spec.sessionPinning) {
    pinned = readCookie(cookieHeader, spec.pinCookie);
    const hit = pinned !== undefined ? route.byName.get(pinned) : undefined;
    if (hit) return { version: hit, reason: 'pinned' };
  }
  let cookies: string[] | undefined;
  let key = spec.stickiness.header ? header(spec.stickiness.header) : undefined;
  let reason: VersionChoice['reason'] = 'sticky';
  if (!key) key = readCookie(cookieHeader, spec.stickiness.cookie);
  if (!key) {
    key = randomKey();
    reason = 'assigned';
    cookies = [`${spec.stickiness.cookie}=${key}; Path=/; Max-Age=31536000; HttpOnly; SameSite=Lax`];
  }
  const version = route.versions[route.owner[bucketOf(key)]];
  if (spec.sessionPinning) (cookies ??= []).push(`${spec.pinCookie}=${version.name}; Path=/; HttpOnly; SameSite=Lax`);
  return { version, cookies, reason };
}
