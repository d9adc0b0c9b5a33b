/**
 * Traffic for the checks: realistic per-tenant events from the server's own generator, stamped
 * with an explicit unique `id` and the tenant's canary, plus an ingest client with retries.
 */
import type { CauseFlowEvent } from '@causeflow/events';
import { createEventGenerator, seededRandom } from '@causeflow/stream-server';
import { canary } from './sse.js';

/** An event as published by the checks: always with an `id`. */
export type TaggedEvent = CauseFlowEvent & { id: string };

/**
 * An endless source of one tenant's events: the simulator's incident lifecycles with the
 * tenant's canary in every incident title, every 10th event a canary incident `inc_CANARY_<n>`.
 * @example
 * const next = tenantTraffic({ tenantId: 'ten_a', seed: 1 }); next(); // TaggedEvent
 */
export function tenantTraffic(options: {
  tenantId: string;
  seed: number;
  idPrefix?: string;
}): () => TaggedEvent {
  const { tenantId } = options;
  const generator = createEventGenerator({ tenantId, random: seededRandom(options.seed) });
  const prefix = options.idPrefix ?? `evt_${options.seed.toString(36)}`;
  let n = 0;
  return () => {
    n += 1;
    const id = `${prefix}_${n}`;
    if (n % 10 === 0) {
      return {
        id,
        event: 'incident.created',
        timestamp: new Date().toISOString(),
        tenantId,
        data: {
          incidentId: `inc_CANARY_${n % 50}`,
          title: `${canary(tenantId)} canary incident ${n}`,
          severity: 'critical',
          status: 'open',
          source: 'automated',
        },
      };
    }
    const event = generator.next() as TaggedEvent;
    const data = event.data as { title?: unknown };
    if (typeof data.title === 'string')
      data.title = `${canary(tenantId)} ${data.title}`.slice(0, 500);
    event.id = id;
    return event;
  };
}

/** A big event (~`bytes`), for backpressure: an `investigation.completed` full of text. */
export function bigEvent(tenantId: string, id: string, bytes: number): TaggedEvent {
  const actions = Array.from(
    { length: Math.min(50, Math.max(1, Math.ceil((bytes - 4000) / 1000))) },
    (_, i) => `${i} ${canary(tenantId)}`.padEnd(1000, 'x'),
  );
  return {
    id,
    event: 'investigation.completed',
    timestamp: new Date().toISOString(),
    tenantId,
    data: {
      incidentId: 'inc_BIG',
      rootCause: `${canary(tenantId)}`.padEnd(3000, 'r'),
      confidence: 0.5,
      recommendedActions: actions,
    },
  };
}

/** Outcome of one POST /v1/events. */
export interface IngestResult {
  readonly status: number;
  readonly body: unknown;
}

/**
 * POSTs a body to `/v1/events` (JSON-encoded unless a string is given).
 * @example
 * const { status } = await ingest(url, token, [event]);
 */
export async function ingest(
  url: string,
  token: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<IngestResult> {
  const response = await fetch(`${url}/v1/events`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}`, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: kept as text
  }
  return { status: response.status, body: parsed };
}

/**
 * Publishes a batch, retrying (same ids) on 5xx and network errors until `deadline`: an
 * at-least-once producer. Returns the number of attempts; throws on 4xx or past the deadline.
 */
export async function publishWithRetry(options: {
  urls: readonly string[];
  token: string;
  events: readonly TaggedEvent[];
  deadline: number;
}): Promise<{ attempts: number }> {
  let attempts = 0;
  for (;;) {
    const url = options.urls[attempts % options.urls.length]!;
    attempts += 1;
    try {
      const result = await ingest(url, options.token, options.events);
      if (result.status === 202) return { attempts };
      if (result.status < 500)
        throw new Error(`ingest refused: ${result.status} ${JSON.stringify(result.body)}`);
    } catch (error) {
      if (error instanceof Error && error.message.startsWith('ingest refused')) throw error;
    }
    if (Date.now() > options.deadline)
      throw new Error(`could not publish after ${attempts} attempts`);
    await new Promise((resolve) => setTimeout(resolve, Math.min(500, 25 * attempts)));
  }
}
