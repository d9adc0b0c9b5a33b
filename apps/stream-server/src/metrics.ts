/**
 * Prometheus metrics of one app instance, on its own registry (never prom-client's global one).
 * Labels are low-cardinality on purpose: no tenant label anywhere.
 */
import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';

/** Why a stream connection ended. */
export type DisconnectReason =
  | 'client_closed'
  | 'slow_consumer'
  | 'token_expired'
  | 'shutdown'
  | 'error';

/** The metrics the server updates. */
export interface ServerMetrics {
  readonly registry: Registry;
  readonly connections: Gauge;
  readonly eventsIngested: Counter<'event'>;
  readonly eventsDelivered: Counter;
  readonly eventsReplayed: Counter;
  readonly disconnects: Counter<'reason'>;
  readonly streamResets: Counter<'reason'>;
  /** Unreadable Redis entries / notifications the bus skipped (`onCorrupt`), by source. */
  readonly busCorrupt: Counter<'source'>;
}

/**
 * Registers the server's metrics on `registry` (a fresh one when omitted; default process metrics
 * are collected only into a registry created here). `pendingBytes` feeds a gauge at scrape time.
 * @example
 * const metrics = createMetrics({ pendingBytes: () => hub.stats().pendingBytes });
 * const text = await metrics.registry.metrics();
 */
export function createMetrics(options: {
  registry?: Registry;
  pendingBytes: () => number;
}): ServerMetrics {
  const registry = options.registry ?? new Registry();
  if (options.registry === undefined) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  new Gauge({
    name: 'causeflow_stream_pending_bytes',
    help: 'Bytes queued for stream connections that are not keeping up',
    registers,
    collect() {
      this.set(options.pendingBytes());
    },
  });
  return {
    registry,
    connections: new Gauge({
      name: 'causeflow_stream_connections',
      help: 'Open SSE stream connections',
      registers,
    }),
    eventsIngested: new Counter({
      name: 'causeflow_events_ingested_total',
      help: 'Events accepted by POST /v1/events',
      labelNames: ['event'],
      registers,
    }),
    eventsDelivered: new Counter({
      name: 'causeflow_events_delivered_total',
      help: 'Event frames written to stream connections (live and replayed)',
      registers,
    }),
    eventsReplayed: new Counter({
      name: 'causeflow_events_replayed_total',
      help: 'Event frames written while replaying after a Last-Event-ID',
      registers,
    }),
    disconnects: new Counter({
      name: 'causeflow_stream_disconnects_total',
      help: 'Stream connections ended, by reason',
      labelNames: ['reason'],
      registers,
    }),
    streamResets: new Counter({
      name: 'causeflow_stream_resets_total',
      help: 'stream.reset control events sent, by reason',
      labelNames: ['reason'],
      registers,
    }),
    busCorrupt: busCorruptCounter(registers),
  };
}

/** `causeflow_bus_corrupt_total{source}`, both sources shown from the start (at 0). */
function busCorruptCounter(registers: Registry[]): Counter<'source'> {
  const counter = new Counter({
    name: 'causeflow_bus_corrupt_total',
    help: 'Unreadable Redis stream entries or notifications skipped by the event log, by source',
    labelNames: ['source'],
    registers,
  });
  for (const source of ['entry', 'notification']) counter.inc({ source }, 0);
  return counter;
}
