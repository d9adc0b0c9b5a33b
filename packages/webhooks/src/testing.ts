/**
 * `startReceiver`: a real webhook receiver on a loopback port for tests, benchmarks and the
 * reliability suite. Each request is answered by a `respond` function (status, headers, delay,
 * or hang), recorded with its raw body and headers, and waiters resolve on arrival (no polling).
 * `createLoopbackWebhooks`: a sender allowed to deliver to that receiver (http, 127.0.0.1).
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import pino from 'pino';
import { Registry } from 'prom-client';
import { WEBHOOK_DEFAULTS, type WebhookConfig } from './config.js';
import { createWebhooks, type Webhooks, type WebhooksOptions } from './service.js';

/**
 * A sender for tests and benchmarks: http and private (loopback) destinations allowed over the
 * defaults, then `config`; a silent logger and a fresh registry unless given. Not started.
 * @example
 * const webhooks = createLoopbackWebhooks({ log, storage: { kind: 'memory' }, config: { concurrency: 1 } });
 * await webhooks.start();
 */
export function createLoopbackWebhooks(
  options: Omit<WebhooksOptions, 'config' | 'logger' | 'registry'> &
    Partial<Pick<WebhooksOptions, 'logger' | 'registry'>> & { config?: Partial<WebhookConfig> },
): Webhooks {
  return createWebhooks({
    logger: pino({ level: 'silent' }),
    registry: new Registry(),
    ...options,
    config: { ...WEBHOOK_DEFAULTS, allowHttp: true, allowPrivate: true, ...options.config },
  });
}

/** One request the receiver got. */
export interface ReceivedRequest {
  readonly at: number;
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** How to answer a request: a status (default 200), headers, a delay, or never (`hang`). */
export interface ReceiverAnswer {
  readonly status?: number;
  readonly headers?: Record<string, string>;
  readonly delayMs?: number;
  readonly hang?: boolean;
}

/** A running receiver. */
export interface Receiver {
  readonly url: string;
  readonly port: number;
  readonly requests: ReceivedRequest[];
  /** Resolves once `count` requests matching `predicate` arrived (rejects after `timeoutMs`). */
  waitFor(
    count: number,
    predicate?: (r: ReceivedRequest) => boolean,
    timeoutMs?: number,
  ): Promise<ReceivedRequest[]>;
  /** Stops listening (the port stays known: `listen()` again on the same port). */
  stop(): Promise<void>;
  listen(): Promise<void>;
  close(): Promise<void>;
}

type Respond = (request: ReceivedRequest, index: number) => ReceiverAnswer;

/** What the receiver's server and its waiters share. */
interface ReceiverState {
  readonly requests: ReceivedRequest[];
  readonly waiters: Set<() => void>;
  readonly sockets: Set<Socket>;
}

/** A server that records each request, wakes the waiters, then answers as `respond` says. */
function makeServer(state: ReceiverState, respond: Respond | undefined): Server {
  const s = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const request: ReceivedRequest = {
        at: Date.now(),
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      const index = state.requests.length;
      state.requests.push(request);
      for (const w of state.waiters) w();
      const answer = respond?.(request, index) ?? {};
      if (answer.hang) return;
      const send = () => {
        res.writeHead(answer.status ?? 200, answer.headers ?? {});
        res.end('ok');
      };
      if (answer.delayMs) setTimeout(send, answer.delayMs).unref();
      else send();
    });
  });
  s.on('connection', (socket: Socket) => {
    state.sockets.add(socket);
    socket.once('close', () => state.sockets.delete(socket));
  });
  return s;
}

/** Resolves once `count` recorded requests match `predicate` (rejects after `timeoutMs`). */
function waitForRequests(
  state: ReceiverState,
  count: number,
  predicate: (r: ReceivedRequest) => boolean,
  timeoutMs: number,
): Promise<ReceivedRequest[]> {
  const { requests, waiters } = state;
  return new Promise((resolve, reject) => {
    const check = () => {
      const matching = requests.filter(predicate);
      if (matching.length < count) return;
      done();
      resolve(matching);
    };
    const timer = setTimeout(() => {
      done();
      reject(
        new Error(
          `receiver: timed out with ${requests.filter(predicate).length}/${count} requests`,
        ),
      );
    }, timeoutMs);
    const done = () => {
      clearTimeout(timer);
      waiters.delete(check);
    };
    waiters.add(check);
    check();
  });
}

/**
 * Starts a receiver on 127.0.0.1 (`port` 0: ephemeral).
 * @example
 * let n = 0;
 * const receiver = await startReceiver({ respond: () => ({ status: ++n < 3 ? 500 : 200 }) });
 * await receiver.waitFor(3);
 */
export async function startReceiver(
  options: { respond?: Respond; port?: number } = {},
): Promise<Receiver> {
  const state: ReceiverState = { requests: [], waiters: new Set(), sockets: new Set() };
  let port = options.port ?? 0;
  let server: Server | undefined;
  async function listen(): Promise<void> {
    server = makeServer(state, options.respond);
    const s = server;
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => resolve());
    });
    port = (s.address() as AddressInfo).port;
  }
  async function stop(): Promise<void> {
    const s = server;
    server = undefined;
    if (s === undefined) return;
    const closed = new Promise<void>((resolve) => s.close(() => resolve()));
    for (const socket of state.sockets) socket.destroy();
    await closed;
  }
  await listen();
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests: state.requests,
    waitFor: (count, predicate = () => true, timeoutMs = 10_000) =>
      waitForRequests(state, count, predicate, timeoutMs),
    stop,
    listen,
    close: stop,
  };
}
