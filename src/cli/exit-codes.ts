/** Exit codes every command follows; documented in `shipgate help` and the README. */
export const EXIT = {
  /** Success; for gates and verdicts: the answer is yes. */
  OK: 0,
  /** The answer is "no": a gate blocked, a verification failed, a release was rolled back. */
  NO: 1,
  /** Usage or input error: bad flags, invalid file, refused request. */
  USAGE: 2,
  /** The server could not be reached (or failed internally). */
  UNREACHABLE: 3,
  /** Undecided: e.g. an inconclusive verdict. */
  UNDECIDED: 4,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** An error that ends the command with a given exit code and a message for people. */
export class CliError extends Error {
  constructor(
    readonly exitCode: ExitCode,
    message: string,
  ) {
    super(message);
  }
}
