/**
 * Egress rules: which outbound addresses the server may connect to on behalf of users, per
 * purpose. Pure (no DNS, no sockets): the policy and the connection-time lookup call these with
 * names and addresses they already have, so every decision is table-testable.
 */
import ipaddr from 'ipaddr.js';

/** Why the server opens a connection: the allowlist and the loopback setting are per purpose. */
export type EgressPurpose = 'webhook' | 'metricSource' | 'backend' | 'synthetic' | 'database';
export const EGRESS_PURPOSES: readonly EgressPurpose[] = ['webhook', 'metricSource', 'backend', 'synthetic', 'database'];

/** Address classes refused unless an allowlist entry (a CIDR or IP) names the address explicitly. */
export type AddressClass = 'unspecified' | 'linkLocal' | 'metadata' | 'loopback' | 'multicast' | 'broadcast' | 'other';

/** The settings, as parsed from `options.egress` or the server flags. */
export interface EgressRules {
  /** Purposes for which loopback (127.0.0.0/8, ::1, `localhost`) is allowed. Default: none. */
  allowLoopback: ReadonlySet<EgressPurpose>;
  /**
   * Allowlist per purpose: hostnames (`hooks.slack.com`, `*.example.com`), IPs or CIDRs. Empty:
   * any address outside the refused classes. Non-empty: only what it names. A CIDR or IP entry also
   * lets a refused class through (the only way to reach e.g. a link-local address).
   */
  allow: Readonly<Record<EgressPurpose, readonly string[]>>;
}

/** A decision: allowed, or refused with a reason a person can act on. */
export type EgressVerdict = { allowed: true } | { allowed: false; reason: string };

/** Cloud instance metadata endpoints (AWS, GCP, Azure, OCI: 169.254.169.254; AWS IPv6; Alibaba). */
const METADATA_ADDRESSES = new Set(['169.254.169.254', 'fd00:ec2::254', '100.100.100.200', '169.254.170.2']);
/** Names that resolve to metadata services inside clouds. */
const METADATA_NAMES = new Set([
  'metadata.google.internal',
  'metadata.goog',
  'metadata',
  'instance-data',
  'instance-data.ec2.internal',
  'metadata.azure.internal',
]);

/** Lowercase, without brackets or a trailing dot. */
export function normalizeHost(host: string): string {
  return host
    .trim()
    .toLowerCase()
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '');
}

/** The address as ipaddr parses it, IPv4-mapped IPv6 (`::ffff:127.0.0.1`) turned into IPv4 so it cannot hide a class. */
function parseAddress(ip: string): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
  const s = normalizeHost(ip);
  if (!ipaddr.isValid(s)) return undefined;
  // ipaddr accepts "127.1" and other classful IPv4 forms the way inet_aton does, as do sockets.
  const a = ipaddr.parse(s);
  if (a.kind() === 'ipv6' && (a as ipaddr.IPv6).isIPv4MappedAddress()) return (a as ipaddr.IPv6).toIPv4Address();
  return a;
}

/** True when `host` is an IP literal (IPv4, IPv6 with or without brackets). */
export function isIpLiteral(host: string): boolean {
  return parseAddress(host) !== undefined;
}

/** The class of one IP address; `other` for everything not refused by default (public, private ranges). */
export function classifyAddress(ip: string): AddressClass {
  const a = parseAddress(ip);
  if (!a) throw new Error(`not an IP address: ${ip}`);
  const canonical = a.toString();
  if (METADATA_ADDRESSES.has(canonical)) return 'metadata';
  const range = a.range();
  if (range === 'unspecified') return 'unspecified';
  if (range === 'loopback') return 'loopback';
  if (range === 'linkLocal') return 'linkLocal';
  if (range === 'multicast') return 'multicast';
  if (range === 'broadcast') return 'broadcast';
  return 'other';
}

/** The class a hostname has by its name alone (RFC 6761 `localhost`, metadata names); `other` otherwise. */
export function classifyName(host: string): AddressClass {
  const h = normalizeHost(host);
  if (isIpLiteral(h)) return classifyAddress(h);
  if (h === 'localhost' || h.endsWith('.localhost')) return 'loopback';
  if (METADATA_NAMES.has(h)) return 'metadata';
  return 'other';
}

function cidrMatches(entry: string, ip: string): boolean {
  const a = parseAddress(ip);
  if (!a) return false;
  try {
    if (entry.includes('/')) {
      const [net, bits] = ipaddr.parseCIDR(entry);
      return a.kind() === net.kind() && a.match(net, bits);
    }
    const e = parseAddress(entry);
    return !!e && e.kind() === a.kind() && e.toString() === a.toString();
  } catch {
    return false;
  }
}

function nameMatches(entry: string, host: string): boolean {
  const e = normalizeHost(entry);
  if (isIpLiteral(e) || e.includes('/')) return false;
  if (e.startsWith('*.')) return host.endsWith(e.slice(1)) && host.length > e.length - 1;
  return e === host;
}

/** A refused class passes only for loopback with the loopback setting; the callers let a CIDR/IP entry through first. */
function classVerdict(rules: EgressRules, purpose: EgressPurpose, cls: AddressClass, what: string): EgressVerdict {
  if (cls === 'other') return { allowed: true };
  if (cls === 'loopback' && rules.allowLoopback.has(purpose)) return { allowed: true };
  const hint =
    cls === 'loopback'
      ? `start the server with --allow-loopback-egress or allowlist the address for ${purpose}`
      : `allowlist the address itself (IP or CIDR) for ${purpose} if this is intended`;
  return { allowed: false, reason: `${what} is a ${CLASS_WORDS[cls]} address, refused for ${purpose} egress; ${hint}` };
}

const CLASS_WORDS: Record<AddressClass, string> = {
  unspecified: 'unspecified (0.0.0.0, ::)',
  linkLocal: 'link-local',
  metadata: 'cloud metadata',
  loopback: 'loopback',
  multicast: 'multicast',
  broadcast: 'broadcast',
  other: 'routable',
};

/**
 * Apply-time decision on a URL's host (an IP literal or a name, not resolved). A name passes when
 * its name class and the allowlist allow it; its addresses are checked again at connection time.
 */
export function decideHost(rules: EgressRules, purpose: EgressPurpose, host: string): EgressVerdict {
  const h = normalizeHost(host);
  if (!h) return { allowed: false, reason: 'the URL has no host' };
  if (isIpLiteral(h)) return decideAddress(rules, purpose, h, undefined);
  const list = rules.allow[purpose];
  const byName = list.some((e) => nameMatches(e, h));
  const cls = classifyName(h);
  if (cls !== 'other') {
    if (cls === 'loopback' && rules.allowLoopback.has(purpose)) return { allowed: true };
    // A metadata name on the allowlist passes here; its addresses still need a CIDR entry.
    return byName ? { allowed: true } : classVerdict(rules, purpose, cls, `"${h}"`);
  }
  if (list.length && !byName) return { allowed: false, reason: `"${h}" is not on the ${purpose} egress allowlist (${list.join(', ')})` };
  return { allowed: true };
}

/**
 * Connection-time decision on one resolved address of `host` (undefined when the URL named the
 * address itself). Every address a name resolves to must pass, so a name that rebinds to
 * 169.254.169.254 is refused even though the name was allowed when it was applied. A refused
 * class is let through only by a CIDR/IP entry naming the address, never by a hostname entry.
 */
export function decideAddress(rules: EgressRules, purpose: EgressPurpose, ip: string, host: string | undefined): EgressVerdict {
  const list = rules.allow[purpose];
  if (list.some((e) => cidrMatches(e, ip))) return { allowed: true };
  const addr = normalizeHost(ip);
  const name = host ? normalizeHost(host) : undefined;
  const cls = classifyAddress(addr);
  if (cls !== 'other') return classVerdict(rules, purpose, cls, name ? `"${name}" resolves to ${addr}, which` : addr);
  if (list.length && !(name && list.some((e) => nameMatches(e, name)))) {
    return { allowed: false, reason: `${name ? `"${name}" (${addr})` : addr} is not on the ${purpose} egress allowlist (${list.join(', ')})` };
  }
  return { allowed: true };
}

/** Checks one allowlist entry's syntax: a CIDR, an IP, a hostname or `*.domain`. Returns a message when invalid. */
export function allowEntryProblem(entry: string): string | undefined {
  const e = normalizeHost(entry);
  if (e.includes('/')) {
    try {
      ipaddr.parseCIDR(e);
      return undefined;
    } catch {
      return `"${entry}" is not a CIDR (e.g. 10.0.0.0/8, fd00::/8)`;
    }
  }
  if (isIpLiteral(e)) return undefined;
  if (/^(\*\.)?([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)*[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(e)) return undefined;
  return `"${entry}" is not a hostname, *.domain, IP or CIDR`;
}
