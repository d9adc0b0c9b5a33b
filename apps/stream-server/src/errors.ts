/**
 * The one error class of the stream server. Route code throws it; the error middleware turns it
 * into `{"error":{"code","message","details?"}}` with `status` and any extra `headers`.
 */
export class StreamServerError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: readonly unknown[] | undefined;
  /** What `details` leaves out when it was capped (counts), sent as `error.omitted`. */
  readonly omitted: Readonly<Record<string, number>> | undefined;
  readonly headers: Readonly<Record<string, string>>;

  /**
   * @example
   * throw new StreamServerError(403, 'forbidden', 'token has no tenant');
   */
  constructor(
    status: number,
    code: string,
    message: string,
    options: {
      details?: readonly unknown[];
      omitted?: Readonly<Record<string, number>>;
      headers?: Record<string, string>;
      cause?: unknown;
    } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'StreamServerError';
    this.status = status;
    this.code = code;
    this.details = options.details;
    this.omitted = options.omitted;
    this.headers = options.headers ?? {};
  }
}

/** The `WWW-Authenticate` value sent with every 401. */
export const INVALID_TOKEN_CHALLENGE = 'Bearer error="invalid_token"';

/**
 * A 401 `invalid_token` error with the Bearer challenge header.
 * @example
 * throw unauthorized('token expired');
 */
export function unauthorized(message: string, cause?: unknown): StreamServerError {
  return new StreamServerError(401, 'invalid_token', message, {
    headers: { 'WWW-Authenticate': INVALID_TOKEN_CHALLENGE },
    cause,
  });
}

/**
 * The 403 `invalid_tenant` error: a verified token whose `tenantId` claim is not a valid tenant id.
 * @example
 * if (principal.tenantClaim === 'invalid') throw invalidTenant();
 */
export function invalidTenant(): StreamServerError {
  return new StreamServerError(
    403,
    'invalid_tenant',
    "the token's tenantId claim is not a valid tenant id",
  );
}

/**
 * The 403 `insufficient_scope` error with its Bearer challenge naming the missing scope.
 * @example
 * throw insufficientScope('events:publish');
 */
export function insufficientScope(scope: string): StreamServerError {
  return new StreamServerError(403, 'insufficient_scope', `the token lacks the scope "${scope}"`, {
    headers: { 'WWW-Authenticate': `Bearer error="insufficient_scope", scope="${scope}"` },
  });
}
