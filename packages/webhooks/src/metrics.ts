/**
 * Prometheus metrics of the webhook sender, registered on the server's registry.
 * No tenant or endpoint labels (cardinality).
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** The metrics the sender updates. */
export interface WebhookMetrics {
  /** Final outcome of each delivery: `succeeded` or `failed`. */
  readonly deliveries: Counter<'outcome'>;
  /** Each attempt by result: `success`, `http_error`, `timeout`, `blocked_destination`, `connection_error`, `redirect`. */
  readonly attempts: Counter<'result'>;
  readonly attemptSeconds: Histogram;
  readonly endpointsDisabled: Counter;
}

/** Maps an attempt error to a low-cardinality result label. */
export function resultLabel(error: string | null): string {
  if (error === null) return 'success';
  if (error.startsWith('http_')) return 'http_error';
  if (['timeout', 'blocked_destination', 'redirect', 'endpoint_disabled'].includes(error))
    return error;
  return 'connection_error';
}

/**
 * Registers the webhook metrics; `stats` feeds the pending-deliveries and disabled-endpoints gauges at scrape time.
 * @example
 * const metrics = createWebhookMetrics({ registry, stats: () => store.stats() });
 */
export function createWebhookMetrics(options: {
  registry: Registry;
  stats: () => Promise<{ pending: number; disabled: number }>;
}): WebhookMetrics {
  const registers = [options.registry];
  let last: Promise<{ pending: number; disabled: number }> | undefined;
  const stats = () => {
    last ??= options.stats().finally(() => {
      last = undefined;
    });
    return last;
  };
  new Gauge({
    name: 'causeflow_webhook_pending_deliveries',
    help: 'Webhook deliveries not yet succeeded or failed (queue depth), all instances',
    registers,
    async collect() {
      this.set((await stats().catch(() => ({ pending: Number.NaN }))).pending);
    },
  });
  new Gauge({
    name: 'causeflow_webhook_endpoints_disabled',
    help: 'Webhook endpoints currently disabled',
    registers,
    async collect() {
      this.set((await stats().catch(() => ({ disabled: Number.NaN }))).disabled);
    },
  });
  return {
    deliveries: new Counter({
      name: 'causeflow_webhook_deliveries_total',
      help: 'Webhook deliveries finished, by outcome (succeeded, failed)',
      labelNames: ['outcome'],
      registers,
    }),
    attempts: new Counter({
      name: 'causeflow_webhook_attempts_total',
      help: 'Webhook delivery attempts, by result',
      labelNames: ['result'],
      registers,
    }),
    attemptSeconds: new Histogram({
      name: 'causeflow_webhook_attempt_duration_seconds',
      help: 'Duration of webhook delivery attempts',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    endpointsDisabled: new Counter({
      name: 'causeflow_webhook_endpoints_disabled_total',
      help: 'Webhook endpoints disabled after failing for WEBHOOK_DISABLE_AFTER_MS',
      registers,
    }),
  };
}
