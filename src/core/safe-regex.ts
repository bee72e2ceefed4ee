/** Regular expressions from users' files, compiled so that no pattern can stall the process. */
import { RE2JS } from 're2js';

/** Longest REGEX pattern accepted, characters (a compiled program grows with the pattern). */
export const MAX_REGEX_LENGTH = 4096;

/**
 * Compiles a pattern someone else wrote (a flag's REGEX constraint, a Pact regex matcher) with
 * RE2 (re2js), as Unleash does: linear time in the input whatever the pattern, so a deployer's
 * `(a+)+$` cannot stall the server. RE2 has no backreferences or lookaround; such a pattern does
 * not compile.
 */
export function compileRegex(pattern: string, caseInsensitive = false): RE2JS {
  if (pattern.length > MAX_REGEX_LENGTH) throw new Error(`pattern is ${pattern.length} characters, over ${MAX_REGEX_LENGTH}`);
  return RE2JS.compile(pattern, caseInsensitive ? RE2JS.CASE_INSENSITIVE : 0);
}

/** Why a pattern is refused (RE2 cannot compile it, or it is too long), else undefined. */
export function regexProblem(pattern: string, caseInsensitive = false): string | undefined {
  try {
    compileRegex(pattern, caseInsensitive);
    return undefined;
  } catch (e) {
    return `not an RE2 regular expression (no backreferences or lookaround): ${(e as Error).message}`;
  }
}
