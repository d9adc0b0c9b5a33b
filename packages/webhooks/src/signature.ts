/**
 * Standard Webhooks signing (https://www.standardwebhooks.com/): HMAC-SHA256 over
 * `${webhook-id}.${webhook-timestamp}.${body}` with the base64-decoded part of a `whsec_` secret;
 * the header carries one `v1,<base64>` entry per active secret, space-separated.
 */
import { createHmac, randomBytes } from 'node:crypto';

const PREFIX = 'whsec_';

/**
 * A new endpoint secret: `whsec_` + base64 of 32 random bytes.
 * @example
 * const secret = generateSecret(); // 'whsec_…'
 */
export function generateSecret(): string {
  return `${PREFIX}${randomBytes(32).toString('base64')}`;
}

/** The HMAC key of a `whsec_` secret (the bytes of its base64 part). */
function keyOf(secret: string): Buffer {
  return Buffer.from(secret.startsWith(PREFIX) ? secret.slice(PREFIX.length) : secret, 'base64');
}

/**
 * The `webhook-signature` header value for one attempt: `v1,<sig>` per secret, space-separated.
 * @example
 * sign({ secrets: [secret], id: 'evt_1', timestamp: 1712000000, body: '{"…"}' }); // 'v1,K5o…='
 */
export function sign(options: {
  secrets: readonly string[];
  id: string;
  timestamp: number;
  body: string;
}): string {
  const content = `${options.id}.${options.timestamp}.${options.body}`;
  return options.secrets
    .map((secret) => `v1,${createHmac('sha256', keyOf(secret)).update(content).digest('base64')}`)
    .join(' ');
}
