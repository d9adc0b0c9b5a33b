/** Shared pieces of the webhook integration tests: sample events, a sender on a memory log, polling. */
import { createMemoryEventLog, type EventLog } from '@causeflow/bus';
import { type CauseFlowEvent, eventCatalog } from '@causeflow/events';
import { Registry } from 'prom-client';
import { afterEach } from 'vitest';
import type { WebhookConfig } from '../src/config.js';
import type { Webhooks, WebhooksOptions } from '../src/service.js';
import { createLoopbackWebhooks } from '../src/testing.js';

let counter = 0;

/** A valid `incident.created` of `tenantId`. */
export function incident(tenantId: string, n = ++counter): CauseFlowEvent {
  return {
    event: 'incident.created',
    timestamp: '2024-04-01T14:30:00Z',
    tenantId,
    data: {
      incidentId: `inc_W${n}`,
      title: `Incident ${n}`,
      severity: 'high',
      status: 'open',
      source: 'automated',
    },
  };
}

/** A valid `user.created` of `tenantId`: the catalog's first example (one copy, from the schema). */
export function userCreated(tenantId: string): CauseFlowEvent {
  return { ...structuredClone(eventCatalog['user.created'].examples[0]!), tenantId };
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

/** Registers a cleanup run after the current test. */
export function onCleanup(fn: () => Promise<void>): void {
  cleanups.push(fn);
}

/** A started sender over a memory log; http and loopback allowed, a short schedule, no jitter. */
export async function startWebhooks(
  config: Partial<WebhookConfig> = {},
  options: Partial<WebhooksOptions> = {},
): Promise<{ log: EventLog; webhooks: Webhooks; registry: Registry }> {
  const log = options.log ?? createMemoryEventLog({ retention: 1000 });
  const registry = options.registry ?? new Registry();
  const webhooks = createLoopbackWebhooks({
    log,
    config: { retrySchedule: [50, 100], timeoutMs: 2000, sweepMs: 60_000, ...config },
    storage: { kind: 'memory' },
    registry,
    random: () => 0.5,
    ...options,
  });
  await webhooks.start();
  onCleanup(async () => {
    await webhooks.close();
    if (options.log === undefined) await log.close();
  });
  return { log, webhooks, registry };
}

/** Resolves when `check()` returns a value other than `undefined` (polls every 10 ms). */
export async function eventually<T>(
  check: () => Promise<T | undefined> | T | undefined,
  what = 'condition',
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
