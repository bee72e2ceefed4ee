/**
 * The egress policy of one server: the rules (egress-rules.ts) plus DNS, so that a URL is checked
 * when it is applied (its literal host) and again when a connection is opened (every address its
 * name resolves to; the socket connects to a checked address only).
 */
import dns from 'node:dns';
import type { LookupFunction } from 'node:net';
import { z } from 'zod';
import { RefusedError } from '../core/errors';
import { allowEntryProblem, decideAddress, decideHost, EGRESS_PURPOSES, type EgressPurpose, type EgressRules, type EgressVerdict } from './egress-rules';

/**
 * Settings under `options.egress` of the server (set by `shipgate server --allow-loopback-egress`
 * and `--egress-allow`). A server setting rather than a kind: a policy that bounds where the
 * server may connect must not be widened through the API it protects (a stolen admin token).
 */
export interface EgressOptions {
  /** `true` for every purpose, or the purposes for which loopback is allowed. Default: none. */
  allowLoopback?: boolean | EgressPurpose[];
  /** Hostnames, `*.domain`, IPs or CIDRs per purpose; see EgressRules.allow. */
  allow?: Partial<Record<EgressPurpose, string[]>>;
}

const purpose = z.enum(EGRESS_PURPOSES as [EgressPurpose, ...EgressPurpose[]]);
const entry = z.string().superRefine((s, c) => {
  const p = allowEntryProblem(s);
  if (p) c.addIssue({ code: 'custom', message: p });
});
const optionsSchema = z.strictObject({
  allowLoopback: z.union([z.boolean(), z.array(purpose)]).optional(),
  allow: z
    .strictObject(
      Object.fromEntries(EGRESS_PURPOSES.map((p) => [p, z.array(entry).optional()])) as Record<EgressPurpose, z.ZodOptional<z.ZodArray<typeof entry>>>,
    )
    .optional(),
});

/** One resolved address. */
export interface ResolvedAddress {
  address: string;
  family: number;
}
/** The DNS port: every address of a name (default: the system resolver, as sockets would use). */
export type Resolver = (host: string) => Promise<ResolvedAddress[]>;

const systemResolver: Resolver = (host) => dns.promises.lookup(host, { all: true, verbatim: true });

/** A connection the policy refused; `code` is the refusal code the API uses. */
export class EgressDeniedError extends Error {
  readonly code = 'EGRESS_DENIED';
  constructor(reason: string) {
    super(`egress denied: ${reason}`);
    this.name = 'EgressDeniedError';
  }
}

/** The host of a URL without credentials, path or query: what views may show of a target. */
export function urlHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '(invalid URL)';
  }
}

export class EgressPolicy {
  constructor(
    readonly rules: EgressRules,
    private readonly resolve: Resolver = systemResolver,
  ) {}

  /** Parses `options.egress`; throws on a bad setting (the server refuses to start rather than run open). */
  static fromOptions(options: unknown, resolve?: Resolver): EgressPolicy {
    const r = optionsSchema.safeParse(options ?? {});
    if (!r.success) throw new Error(`invalid egress settings: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    const o = r.data;
    const loopback = o.allowLoopback === true ? EGRESS_PURPOSES : o.allowLoopback === false || !o.allowLoopback ? [] : o.allowLoopback;
    const allow = Object.fromEntries(EGRESS_PURPOSES.map((p) => [p, o.allow?.[p] ?? []])) as Record<EgressPurpose, string[]>;
    return new EgressPolicy({ allowLoopback: new Set(loopback), allow }, resolve);
  }

  /** Apply-time check of a URL: scheme http(s) and its host (literal IP or name, not resolved). */
  checkUrl(purpose: EgressPurpose, url: string): EgressVerdict {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      return { allowed: false, reason: `"${url}" is not a URL` };
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return { allowed: false, reason: `only http and https URLs are allowed, not ${u.protocol}` };
    return decideHost(this.rules, purpose, u.hostname);
  }

  /** Throws EgressDeniedError when `checkUrl` refuses. */
  assertUrl(purpose: EgressPurpose, url: string): void {
    const v = this.checkUrl(purpose, url);
    if (!v.allowed) throw new EgressDeniedError(v.reason);
  }

  /** Throws the API's 403 EGRESS_DENIED naming `field` when `checkUrl` refuses. */
  refuseUrl(purpose: EgressPurpose, url: string, field: string): void {
    const v = this.checkUrl(purpose, url);
    if (!v.allowed) throw new RefusedError('EGRESS_DENIED', `${field}: ${v.reason}`, { purpose, field, host: urlHost(url) });
  }

  /**
   * A `lookup` for node:net / node:http that resolves the name, refuses the connection unless
   * every address passes (a name must not mix a public and a metadata address), and hands the
   * socket only checked addresses. IP literals never reach a lookup: check them with checkUrl.
   */
  lookup(purpose: EgressPurpose): LookupFunction {
    return ((hostname: string, options: dns.LookupOptions, callback: (...args: unknown[]) => void) => {
      this.resolve(hostname).then(
        (all) => {
          if (all.length === 0) return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }));
          for (const a of all) {
            const v = decideAddress(this.rules, purpose, a.address, hostname);
            if (!v.allowed) return callback(new EgressDeniedError(v.reason));
          }
          const usable = options?.family ? all.filter((a) => a.family === options.family) : all;
          if (usable.length === 0) return callback(Object.assign(new Error(`${hostname} has no IPv${options.family} address`), { code: 'ENOTFOUND' }));
          if (options?.all) callback(null, usable);
          else callback(null, usable[0].address, usable[0].family);
        },
        (err) => callback(err),
      );
    }) as unknown as LookupFunction;
  }
}

const policies = new WeakMap<object, EgressPolicy>();

/** The policy of a server, from `config.options.egress`, built once per server config. */
export function egressPolicyOf(config: { options: Record<string, unknown> }): EgressPolicy {
  let p = policies.get(config);
  if (!p) {
    p = EgressPolicy.fromOptions(config.options.egress);
    policies.set(config, p);
  }
  return p;
}
