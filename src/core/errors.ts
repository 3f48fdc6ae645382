/**
 * The one error type of readfirst. Every boundary (HTTP, DIMSE status, CLI exit code) maps
 * `code` once; handlers throw, they never build error responses themselves.
 */
export type ErrorCode =
  | 'invalid-input'
  | 'not-found'
  | 'conflict'
  | 'unauthenticated'
  | 'forbidden'
  | 'rate-limited'
  | 'too-large'
  | 'unsupported'
  /** The client's Accept header asks for a representation readfirst cannot give (HTTP 406). */
  | 'not-acceptable'
  | 'not-analysable'
  | 'unavailable'
  | 'timeout'
  | 'request-timeout'
  | 'config'
  | 'internal';

const HTTP_STATUS: Record<ErrorCode, number> = {
  'invalid-input': 400,
  'not-found': 404,
  conflict: 409,
  unauthenticated: 401,
  forbidden: 403,
  'rate-limited': 429,
  'too-large': 413,
  unsupported: 415,
  'not-acceptable': 406,
  'not-analysable': 422,
  unavailable: 503,
  timeout: 504,
  'request-timeout': 408,
  config: 500,
  internal: 500,
};

export class ReadfirstError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ReadfirstError';
  }

  get httpStatus(): number {
    return HTTP_STATUS[this.code];
  }
}

export function isReadfirstError(e: unknown): e is ReadfirstError {
  return e instanceof ReadfirstError;
}

/** A readable message for any thrown value. */
export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
