/**
 * Domain errors know nothing of HTTP; the API layer maps them to status codes and the CLI to exit codes.
 * Each has a stable `code` documented in docs/errors.md.
 */

/** One precise problem in user input: where (file, line, column, field path) and what. */
export interface Issue {
  /** Field path, dotted with [index] for arrays, e.g. `spec.dependencies[2].kind`. */
  path: string;
  message: string;
  file?: string;
  /** 1-based line in `file`. */
  line?: number;
  /** 1-based column in `file`. */
  column?: number;
}

export class DomainError extends Error {
  readonly brand = 'shipgate.DomainError';
  constructor(
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Bad input from the caller: 400. */
export class InputError extends DomainError {
  constructor(
    message: string,
    readonly issues: Issue[] = [],
  ) {
    super('INPUT_INVALID', message, issues.length ? { issues } : undefined);
  }
}

/** Something named does not exist: 404. */
export class NotFoundError extends DomainError {
  constructor(message: string) {
    super('NOT_FOUND', message);
  }
}

/** The request conflicts with current state (wrong phase, concurrent change): 409. */
export class ConflictError extends DomainError {
  constructor(message: string, details?: unknown) {
    super('CONFLICT', message, details);
  }
}

/** The caller is known but may not do this (role, segregation of duties, policy): 403. */
export class NotAllowedError extends DomainError {
  constructor(message: string, details?: unknown) {
    super('NOT_ALLOWED', message, details);
  }
}

/**
 * Stable codes of refusals by a rule (the one authorisation path, egress policy, identity rules),
 * each a 403 whose `details.rule` repeats the code (SOD_VIOLATION's names the rule instead, e.g.
 * `sod.author-approves`). docs/errors.md lists what each means.
 */
export const REFUSAL_CODES = [
  /** The error budget policy halts releases of the service in the environment. */
  'BUDGET_FROZEN',
  /** The error budget policy asks for an approved change before this may ship. */
  'BUDGET_REQUIRES_APPROVAL',
  /** A freeze, blackout or outside a maintenance window. */
  'OUTSIDE_WINDOW',
  /** No approved change request authorises this action. */
  'CHANGE_NOT_APPROVED',
  /** The change request authorises another revision (version, artifact, config) or target. */
  'CHANGE_MISMATCH',
  /** The actor's role may not take this action. */
  'ROLE_NOT_ALLOWED',
  /** An emergency change was asked for without what it needs (oncall role, a reason). */
  'EMERGENCY_NOT_ALLOWED',
  /** A standard change names no template, or one that does not cover it. */
  'STANDARD_TEMPLATE_REQUIRED',
  /** An outbound address is not allowed by the egress policy. */
  'EGRESS_DENIED',
  /** Segregation of duties: the same person may not take both parts. */
  'SOD_VIOLATION',
  /** A name reserved for the system, or a user that does not exist. */
  'IDENTITY_REFUSED',
  /** A verification the Rollout or the approval policy requires is missing or failing for this exact revision. */
  'VERIFICATION_REQUIRED',
  /** The databases a release's connection pools reach have no room for its peak of instances, or could not be read. */
  'CAPACITY_EXCEEDED',
] as const;
export type RefusalCode = (typeof REFUSAL_CODES)[number];

/** A rule refused the action: 403 with a stable code naming the rule (see REFUSAL_CODES). */
export class RefusedError extends DomainError {
  constructor(code: RefusalCode, message: string, details: Record<string, unknown> = {}) {
    super(code, message, { rule: code, ...details });
  }
}

/** Too many requests from one client or token: 429. */
export class RateLimitedError extends DomainError {
  constructor(
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super('RATE_LIMITED', message, retryAfterSeconds !== undefined ? { retryAfterSeconds } : undefined);
  }
}

/** No or invalid credentials: 401. */
export class UnauthenticatedError extends DomainError {
  constructor(message = 'a valid bearer token is required (Authorization: Bearer …)') {
    super('UNAUTHENTICATED', message);
  }
}

export function isDomainError(e: unknown): e is DomainError {
  return typeof e === 'object' && e !== null && (e as DomainError).brand === 'shipgate.DomainError';
}

/** Formats an issue the way compilers do: `file:line:col path: message`. */
export function formatIssue(i: Issue): string {
  const where = i.file ? `${i.file}${i.line ? `:${i.line}${i.column ? `:${i.column}` : ''}` : ''} ` : '';
  return `${where}${i.path ? `${i.path}: ` : ''}${i.message}`;
}
