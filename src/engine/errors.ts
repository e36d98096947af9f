/**
 * Errors a person can act on. Every fault caused by input (a file, a config, a forget set)
 * is raised as an `UnlearnError` whose message names the thing and the fault; anything else
 * reaching the top is a bug and is reported as such.
 */
export type ErrorCode =
  | 'bad-file'
  | 'not-found'
  | 'bad-config'
  | 'bad-forget-set'
  | 'backend'
  | 'diverged'
  | 'cancelled'
  | 'io';

export class UnlearnError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'UnlearnError';
  }
}

/** A fault in a data file: the message always starts with the file's path. */
export function badFile(file: string, fault: string): UnlearnError {
  return new UnlearnError('bad-file', `${file}: ${fault}`);
}

export function isUnlearnError(e: unknown): e is UnlearnError {
  return e instanceof UnlearnError;
}
