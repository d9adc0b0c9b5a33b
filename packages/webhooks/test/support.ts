/** Shared pieces of the webhook integration tests: sample events, a sender on a memory log, polling. */
import { createMemoryEventLog, type EventLog } from '@causeflow/bus';
import type { CauseFlowEvent } from '@causeflow/events';
import pino from 'pino';
import { Registry } from 'prom-client';
import { afterEach } from 'vitest';
import { WEBHOOK_DEFAULTS, type WebhookConfig } from '../src/config.js';
import { createWebhooks, type Webhooks, type WebhooksOptions } from '../src/service.js';

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

/** A valid `user.created` of `tenantId`. */
export function userCreated(tenantId: string): CauseFlowEvent {
  return {
    event: 'user.created',
    timestamp: '2024-04-01T10:05:00Z',
    tenantId,
    data: {
      userId: 'user_01HX9VTPQR3KF8MZWBYD5N6JCE',
      email: 'ada@example.com',
      name: 'Ada',
      role: 'admin',
    },
  };
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
  const registry = new Registry();
  const webhooks = createWebhooks({
    log,
    config: {
      ...WEBHOOK_DEFAULTS,
      allowHttp: true,
      allowPrivate: true,
      retrySchedule: [50, 100],
      timeoutMs: 2000,
      sweepMs: 60_000,
      ...config,
    },
    storage: { kind: 'memory' },
    logger: pino({ level: 'silent' }),
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
