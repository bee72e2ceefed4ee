/**
 * A verification the server can compute itself from the inputs a pipeline sends (migration files,
 * two OpenAPI documents, scanner reports). The server never takes a verdict on trust: it runs
 * the same pure check the CLI runs, on the inputs it received, and records their SHA-256.
 */
import type { z } from 'zod';
import type { VerificationKind } from './evidence';

/** What a check concluded, as stored in the evidence record. */
export interface VerifierOutcome {
  verdict: 'pass' | 'fail';
  summary: string;
  /** The whole result (findings…), stored as JSON. */
  result: unknown;
  /** A change that cannot be undone (a DROP): two approvers are required for it. */
  irreversible?: boolean;
  /** The other party of a contract verification (the pact's consumer and its version). */
  counterpart?: { service: string; version: string };
}

export interface Verifier<I = unknown> {
  kind: VerificationKind;
  /** The request's `input`, bounded (sizes, counts); errors name the field at fault. */
  input: z.ZodType<I>;
  /** The inputs by name, as text, for their SHA-256 in the record (e.g. file name → content). */
  texts(input: I): Record<string, string>;
  /**
   * Runs the check: no network I/O; it may read stored resources through `ctx` (a ScanPolicy by
   * name). Throws InputError (naming file, line, column) on unreadable input.
   */
  run(input: I, ctx: VerifierContext): VerifierOutcome | Promise<VerifierOutcome>;
}

/** What a check may read on the server: stored resources, today's date (UTC). */
export interface VerifierContext {
  resource(kind: string, name: string): Promise<{ spec: unknown } | undefined>;
  /** YYYY-MM-DD. */
  today: string;
  /** The service's newest passing evidence of `kind` for another version or artifact: the last accepted revision's. */
  previous(kind: VerificationKind): Promise<{ id: string; version: string; result: unknown } | undefined>;
}
