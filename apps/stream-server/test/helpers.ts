/**
 * Test helpers: a raw-fetch SSE reader (eventsource-parser over the response body) and valid
 * sample events.
 */
import { type CauseFlowEvent, eventCatalog } from '@causeflow/events';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { startTestServer, type TestServer } from '../src/testing.js';

/** An open stream read with plain `fetch`. */
export interface RawStream {
  readonly response: Response;
  readonly messages: EventSourceMessage[];
  /** The `retry:` value received, if any. */
  readonly retry: () => number | undefined;
  /** Resolves once the server ended the body (or it errored). */
  readonly ended: Promise<void>;
  /** Waits until `count` messages matching `predicate` arrived; returns them. */
  waitFor(
    count: number,
    predicate?: (m: EventSourceMessage) => boolean,
    timeoutMs?: number,
  ): Promise<EventSourceMessage[]>;
  /** Messages that are events of the catalog (not ping / stream.reset). */
  events(): EventSourceMessage[];
  close(): void;
}

/** Opens `GET url` with optional bearer token and headers; reads SSE frames in the background. */
export async function openStream(
  url: string,
  options: { token?: string; headers?: Record<string, string> } = {},
): Promise<RawStream> {
  const controller = new AbortController();
  const headers: Record<string, string> = { Accept: 'text/event-stream', ...options.headers };
  if (options.token !== undefined) headers.Authorization = `Bearer ${options.token}`;
  const response = await fetch(url, { headers, signal: controller.signal });
  const messages: EventSourceMessage[] = [];
  let retry: number | undefined;
  const waiters = new Set<() => void>();
  const notify = (): void => {
    for (const w of waiters) w();
  };
  const parser = createParser({
    onEvent: (m) => {
      messages.push(m);
      notify();
    },
    onRetry: (ms) => {
      retry = ms;
    },
  });
  let done = false;
  const ended = (async () => {
    if (response.body === null) return;
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    try {
      for (;;) {
        const { value, done: finished } = await reader.read();
        if (finished) break;
        parser.feed(decoder.decode(value, { stream: true }));
      }
    } catch {
      // aborted or reset: treated as the end
    } finally {
      done = true;
      notify();
    }
  })();
  return {
    response,
    messages,
    retry: () => retry,
    ended,
    events: () => messages.filter((m) => m.event !== 'ping' && m.event !== 'stream.reset'),
    waitFor(count, predicate = () => true, timeoutMs = 5000) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const matching = messages.filter(predicate);
          if (matching.length >= count) {
            cleanup();
            resolve(matching);
          } else if (done) {
            cleanup();
            reject(new Error(`stream ended with ${matching.length}/${count} matching messages`));
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(
            new Error(
              `timed out with ${messages.filter(predicate).length}/${count} matching messages`,
            ),
          );
        }, timeoutMs);
        const cleanup = (): void => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    close() {
      controller.abort();
    },
  };
}

/** Resolves when `predicate()` holds, polling every 10 ms; rejects after `timeoutMs`. */
export async function until(
  predicate: () => boolean,
  timeoutMs = 5000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

let counter = 0;

/** A valid `incident.created` for `tenantId`; `n` becomes part of the incident id. */
export function incidentCreated(
  tenantId: string,
  n = ++counter,
  incidentId = `inc_T${n}`,
): CauseFlowEvent {
  return {
    event: 'incident.created',
    timestamp: '2024-04-01T14:30:00Z',
    tenantId,
    data: {
      incidentId,
      title: `Incident ${n}`,
      severity: 'high',
      status: 'open',
      source: 'automated',
    },
  };
}

/** A valid `remediation.approved` for `tenantId`. */
export function remediationApproved(tenantId: string, incidentId = 'inc_T0'): CauseFlowEvent {
  return {
    event: 'remediation.approved',
    timestamp: '2024-04-01T14:45:00Z',
    tenantId,
    data: {
      remediationId: 'rem_01HX9VTPQR3KF8MZWBYD5N6JCE',
      approvedBy: 'user_01HX9VTPQR3KF8MZWBYD5N6JCE',
      incidentId,
    },
  };
}

/** A valid `user.created` of `tenantId`: the catalog's first example (one copy, from the schema). */
export function userCreated(tenantId: string): CauseFlowEvent {
  return { ...structuredClone(eventCatalog['user.created'].examples[0]!), tenantId };
}

/** An `investigation.completed` of roughly `bytes` bytes (large frames for backpressure tests). */
export function bigEvent(tenantId: string, bytes: number): CauseFlowEvent {
  const actions = Array.from({ length: Math.min(50, Math.ceil(bytes / 1000)) }, (_, i) =>
    `${i}`.padEnd(1000, 'x'),
  );
  return {
    event: 'investigation.completed',
    timestamp: '2024-04-01T14:40:00Z',
    tenantId,
    data: {
      incidentId: 'inc_BIG',
      rootCause: 'r'.repeat(4000),
      confidence: 0.5,
      recommendedActions: actions,
    },
  };
}

/**
 * A `server(options)` that starts a test server and queues its close on `cleanups` (run by the
 * test file's own afterEach, in reverse order with its other cleanups).
 * @example
 * const server = serverStarter(cleanups);
 * const s = await server({ heartbeatMs: 50 });
 */
export function serverStarter(
  cleanups: (() => unknown)[],
): (options?: Parameters<typeof startTestServer>[0]) => Promise<TestServer> {
  return async (options = {}) => {
    const s = await startTestServer(options);
    cleanups.push(() => s.close());
    return s;
  };
}
