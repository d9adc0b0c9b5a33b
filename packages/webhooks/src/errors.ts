/**
 * The one error class of @causeflow/webhooks. `status` and `code` map straight onto the HTTP
 * error body `{"error":{"code","message","details?"}}`.
 */
export class WebhookError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: readonly unknown[] | undefined;

  /**
   * @example
   * throw new WebhookError(400, 'unsafe_url', 'the URL points at a private address');
   */
  constructor(
    status: number,
    code: string,
    message: string,
    options: { details?: readonly unknown[]; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'WebhookError';
    this.status = status;
    this.code = code;
    this.details = options.details;
  }
}
