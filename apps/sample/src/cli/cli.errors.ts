/**
 * Exit statuses of `npm run revoke`, for scripts. Anything else (1) is an unexpected failure;
 * none of them is ever returned after a revocation that did not become durable.
 */
export const ExitCode = {
  ok: 0,
  failure: 1,
  /** Bad arguments or an invalid configuration: nothing was done. */
  usage: 2,
  /** The user or session named does not exist: nothing was done. */
  notFound: 3,
  /** The database could not be reached or refused the write: nothing was done. */
  storeUnavailable: 4,
} as const;

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** A failure the CLI reports with its own exit status and a stable `error` code. */
export class CliError extends Error {
  constructor(
    readonly exitCode: ExitCode,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'CliError';
  }

  static usage(message: string): CliError {
    return new CliError(ExitCode.usage, 'usage', message);
  }

  static notFound(message: string): CliError {
    return new CliError(ExitCode.notFound, 'not_found', message);
  }

  static storeUnavailable(message: string): CliError {
    return new CliError(ExitCode.storeUnavailable, 'store_unavailable', message);
  }
}
