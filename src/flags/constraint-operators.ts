/**
 * Constraint operators over an evaluation context, with Unleash's semantics. Pure, no I/O.
 * Constraints are compiled once per configuration into predicates, so evaluation does no parsing.
 */
import ipaddr from 'ipaddr.js';
import semver from 'semver';
import type { RE2JS } from 're2js';
import { compileRegex } from '../core/safe-regex';
import type { Constraint, Operator } from './flag-model';

/** The attributes an evaluation sees: flat fields, and Unleash-style `properties` as a fallback. */
export type EvaluationContext = Record<string, unknown>;

/** A compiled constraint; `nowMs` is the evaluation time used when the context has no `currentTime`. */
export type ContextPredicate = (ctx: EvaluationContext, nowMs: number) => boolean;

/** The value of a context field as a string, as Unleash resolves it (`ctx[f] ?? ctx.properties[f]`). */
export function contextValue(ctx: EvaluationContext, field: string): string | undefined {
  let v = ctx[field];
  if (v === undefined || v === null) {
    const props = ctx.properties as Record<string, unknown> | undefined;
    v = props && typeof props === 'object' ? props[field] : undefined;
  }
  if (v === undefined || v === null) return undefined;
  if (v instanceof Date) return v.toISOString();
  return String(v);
}

const cleanValues = (values: string[]): string[] => values.filter((v) => !!v).map((v) => v.trim());

type Compiler = (c: Constraint) => ContextPredicate;

const never: ContextPredicate = () => false;

const inList: Compiler = (c) => {
  const set = new Set(cleanValues(c.values));
  const field = c.contextName;
  const isIn: ContextPredicate = (ctx) => {
    const v = contextValue(ctx, field);
    return v !== undefined && set.has(v);
  };
  return c.operator === 'IN' ? isIn : (ctx, now) => !isIn(ctx, now);
};

const stringOp: Compiler = (c) => {
  const lower = c.caseInsensitive;
  const values = cleanValues(c.values).map((v) => (lower ? v.toLocaleLowerCase() : v));
  const field = c.contextName;
  const test =
    c.operator === 'STR_STARTS_WITH'
      ? (s: string, v: string) => s.startsWith(v)
      : c.operator === 'STR_ENDS_WITH'
        ? (s: string, v: string) => s.endsWith(v)
        : (s: string, v: string) => s.includes(v);
  return (ctx) => {
    let s = contextValue(ctx, field);
    if (s === undefined) return false;
    if (lower) s = s.toLocaleLowerCase();
    for (const v of values) if (test(s, v)) return true;
    return false;
  };
};

const numberOp: Compiler = (c) => {
  const target = Number(c.value);
  const field = c.contextName;
  if (Number.isNaN(target)) return never;
  const cmp = {
    NUM_EQ: (a: number) => a === target,
    NUM_GT: (a: number) => a > target,
    NUM_GTE: (a: number) => a >= target,
    NUM_LT: (a: number) => a < target,
    NUM_LTE: (a: number) => a <= target,
  }[c.operator as 'NUM_EQ'];
  return (ctx) => {
    const a = Number(contextValue(ctx, field));
    return !Number.isNaN(a) && cmp(a);
  };
};

const dateOp: Compiler = (c) => {
  const targetMs = new Date(c.value ?? '').getTime();
  const after = c.operator === 'DATE_AFTER';
  return (ctx, nowMs) => {
    const raw = ctx.currentTime;
    const t = raw !== undefined && raw !== null && raw !== '' ? new Date(raw as string).getTime() : nowMs;
    if (Number.isNaN(t) || Number.isNaN(targetMs)) return false;
    return after ? t > targetMs : t < targetMs;
  };
};

const semverOp: Compiler = (c) => {
  const target = c.value ?? '';
  const field = c.contextName;
  if (!semver.valid(target)) return never;
  const cmp = {
    SEMVER_EQ: semver.eq,
    SEMVER_GT: semver.gt,
    SEMVER_GTE: semver.gte,
    SEMVER_LT: semver.lt,
    SEMVER_LTE: semver.lte,
  }[c.operator as 'SEMVER_EQ'];
  return (ctx) => {
    const v = contextValue(ctx, field);
    if (!v || v.startsWith('v') || !semver.valid(v)) return false;
    return cmp(v, target);
  };
};

/**
 * Regular expressions use RE2 syntax, like Unleash, matched anywhere in the value (anchor with
 * ^…$). Applying a flag or segment refuses a pattern RE2 cannot compile; one stored before that
 * check never matches.
 */
const regexOp: Compiler = (c) => {
  let re: RE2JS;
  try {
    re = compileRegex(c.value ?? '', c.caseInsensitive);
  } catch {
    return never;
  }
  const field = c.contextName;
  return (ctx) => {
    const v = contextValue(ctx, field);
    return v !== undefined && re.test(v);
  };
};

type Range = { kind: 'ipv4' | 'ipv6'; addr: ipaddr.IPv4 | ipaddr.IPv6; bits: number };

function parseAddress(text: string): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
  if (ipaddr.IPv4.isValidFourPartDecimal(text)) return ipaddr.IPv4.parse(text);
  if (ipaddr.IPv6.isValid(text)) return ipaddr.IPv6.parse(text);
  return undefined;
}

function parseRange(text: string): Range | undefined {
  try {
    if (text.includes('/')) {
      const [addr, bits] = ipaddr.parseCIDR(text);
      return { kind: addr.kind(), addr, bits };
    }
    const addr = parseAddress(text);
    return addr ? { kind: addr.kind(), addr, bits: addr.kind() === 'ipv4' ? 32 : 128 } : undefined;
  } catch {
    return undefined;
  }
}

const cidrOp: Compiler = (c) => {
  const ranges = cleanValues(c.values)
    .map(parseRange)
    .filter((r): r is Range => r !== undefined);
  const field = c.contextName;
  return (ctx) => {
    const v = contextValue(ctx, field);
    if (v === undefined) return false;
    const addr = parseAddress(v);
    if (!addr) return false;
    const kind = addr.kind();
    for (const r of ranges) {
      if (r.kind === kind && (addr as ipaddr.IPv4).match(r.addr as ipaddr.IPv4, r.bits)) return true;
    }
    return false;
  };
};

const COMPILERS: Record<Operator, Compiler> = {
  IN: inList,
  NOT_IN: inList,
  STR_CONTAINS: stringOp,
  STR_STARTS_WITH: stringOp,
  STR_ENDS_WITH: stringOp,
  NUM_EQ: numberOp,
  NUM_GT: numberOp,
  NUM_GTE: numberOp,
  NUM_LT: numberOp,
  NUM_LTE: numberOp,
  DATE_AFTER: dateOp,
  DATE_BEFORE: dateOp,
  SEMVER_EQ: semverOp,
  SEMVER_GT: semverOp,
  SEMVER_GTE: semverOp,
  SEMVER_LT: semverOp,
  SEMVER_LTE: semverOp,
  REGEX: regexOp,
  IN_CIDR: cidrOp,
};

/** Compiles one constraint into a predicate; `inverted` negates it. Unknown operators never match. */
export function compileConstraint(c: Constraint): ContextPredicate {
  const compiler = COMPILERS[c.operator];
  if (!compiler) return never;
  const p = compiler({ ...c, values: c.values ?? [] });
  return c.inverted ? (ctx, now) => !p(ctx, now) : p;
}

/** Compiles a list of constraints (all must hold). */
export function compileConstraints(list: Constraint[]): ContextPredicate {
  const ps = list.map(compileConstraint);
  if (ps.length === 0) return () => true;
  if (ps.length === 1) return ps[0];
  if (ps.length === 2) {
    const [a, b] = ps;
    return (ctx, now) => a(ctx, now) && b(ctx, now);
  }
  return (ctx, now) => {
    for (const p of ps) if (!p(ctx, now)) return false;
    return true;
  };
}
