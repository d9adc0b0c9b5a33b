/** The webhook data model: endpoints, deliveries and attempts, as the API shows them. */

/** A registered endpoint, as the API returns it (never with secrets). */
export interface Endpoint {
  readonly id: string;
  readonly url: string;
  /** Filter patterns (stream syntax); empty = every event. */
  readonly events: readonly string[];
  readonly description: string;
  readonly enabled: boolean;
  readonly createdAt: string;
  readonly disabledReason?: string;
}

/** One signing secret; `expiresAt` (ms) set on the previous secret after a rotation. */
export interface SecretEntry {
  readonly secret: string;
  readonly expiresAt?: number;
}

/** An endpoint as stored: the public fields plus secrets and dispatch state. */
export interface StoredEndpoint extends Endpoint {
  readonly tenantId: string;
  readonly secrets: readonly SecretEntry[];
  /** Events at or before this cursor are older than the endpoint (never delivered by dispatch). */
  readonly since: string | null;
  /** When the current run of failed attempts started (ms), `null` after a success. */
  readonly failingSince: number | null;
}

/** One attempt of a delivery. */
export interface Attempt {
  readonly at: string;
  readonly statusCode: number | null;
  readonly durationMs: number;
  readonly error: string | null;
}

/** Where a delivery stands. */
export type DeliveryStatus = 'pending' | 'succeeded' | 'failed';

/** One event to one endpoint, as the delivery log shows it. */
export interface Delivery {
  readonly id: string;
  readonly eventId: string;
  /** The event name, e.g. `incident.created`. */
  readonly event: string;
  readonly cursor: string;
  readonly status: DeliveryStatus;
  readonly attempts: readonly Attempt[];
  readonly nextAttemptAt: string | null;
}

/** The work item of one attempt: everything needed to send it without another read. */
export interface DeliveryJob {
  readonly tenantId: string;
  readonly endpointId: string;
  readonly deliveryId: string;
  readonly eventId: string;
  readonly event: string;
  readonly cursor: string;
  /** The envelope JSON exactly as on the stream's `data:` line. */
  readonly body: string;
  /** 0 for the first attempt. */
  readonly attempt: number;
}
