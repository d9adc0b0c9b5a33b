/**
 * `startTestServer`: a real stream server on an ephemeral port for integration tests of this and
 * other packages (client, Redis). Silent logger; nothing printed.
 */
import { randomBytes } from 'node:crypto';
import { createMemoryEventLog, type EventLog, type StoredEvent } from '@causeflow/bus';
import pino from 'pino';
import { type AppDeps, createApp, type StreamServerApp } from './app.js';
import { READ_SCOPE } from './auth.js';
import { type Config, createConfig } from './config.js';
import type { TicketStore } from './tickets.js';
import { signToken } from './tokens.js';

/** Options of `startTestServer`. */
export interface TestServerOptions {
  /** Port to listen on (127.0.0.1); default 0 (ephemeral). */
  port?: number;
  /** The event log; a memory log created (and closed) by the server when omitted. */
  log?: EventLog;
  heartbeatMs?: number;
  /** Retention of the memory log created when `log` is omitted. */
  retention?: number;
  /** HS256 secret; random when omitted. */
  jwtSecret?: string;
  issuer?: string;
  audience?: string;
  maxConnectionsPerTenant?: number;
  corsOrigins?: string[];
  /** Webhook test hooks (fake DNS resolver, Redis key prefix), passed to `createApp` (issue #12). */
  webhooks?: AppDeps['webhooks'];
  /** Any other config field (e.g. `maxBufferedBytes`, `maxBodyBytes`, `ticketTtlMs`). */
  config?: Partial<Config>;
  /** A ticket store to share (e.g. a Redis one between two servers); the caller closes it. */
  tickets?: TicketStore;
}

/** Claims for `TestServer.token`. Pass `tenantId: undefined` explicitly for a service token, `scope: undefined` for no scope. */
export interface TestTokenClaims {
  tenantId?: string;
  scope?: string;
  sub?: string;
  expiresInSeconds?: number;
}

/** A running test server. */
export interface TestServer {
  /** `http://127.0.0.1:PORT` */
  url: string;
  port: number;
  log: EventLog;
  /**
   * An HS256 token signed with the server's secret: default tenant `ten_test`, scope `events:read`
   * (pass `scope` to choose; `scope: undefined` for none), `exp` in 1 h.
   */
  token(claims?: TestTokenClaims): Promise<string>;
  /** Appends straight into the log (bypassing HTTP). */
  publish(events: unknown[]): Promise<StoredEvent[]>;
  /** Closes streams and the listener; the log only when this server created it. */
  close(): Promise<void>;
  /** The app, for stats and metrics in this package's own tests. */
  app: StreamServerApp;
}

/**
 * Starts a stream server for tests.
 * @example
 * const server = await startTestServer({ heartbeatMs: 50 });
 * const res = await fetch(`${server.url}/v1/notifications/stream`, {
 *   headers: { Authorization: `Bearer ${await server.token()}` },
 * });
 * await server.close();
 */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const ownsLog = options.log === undefined;
  const log = options.log ?? createMemoryEventLog({ retention: options.retention ?? 10_000 });
  const secret = options.jwtSecret ?? randomBytes(32).toString('base64url');
  const config = createConfig({
    host: '127.0.0.1',
    port: options.port ?? 0,
    auth: { kind: 'secret', secret },
    issuer: options.issuer,
    audience: options.audience,
    heartbeatMs: options.heartbeatMs ?? 30_000,
    retention: options.retention ?? 10_000,
    maxConnectionsPerTenant: options.maxConnectionsPerTenant ?? 1000,
    corsOrigins: options.corsOrigins ?? [],
    drainTimeoutMs: 2000,
    logLevel: 'silent',
    ...options.config,
  });
  const app = createApp({
    config,
    log,
    logger: pino({ level: 'silent' }),
    ...(options.tickets === undefined ? {} : { tickets: options.tickets }),
    ...(options.webhooks === undefined ? {} : { webhooks: options.webhooks }),
  });
  let running: Awaited<ReturnType<StreamServerApp['listen']>>;
  try {
    running = await app.listen({ port: config.port, host: config.host });
  } catch (error) {
    await app.close();
    if (ownsLog) await log.close();
    throw error;
  }
  let closed = false;
  return {
    url: running.url,
    port: running.port,
    log,
    app,
    token(claims = {}) {
      const tenantId = 'tenantId' in claims ? claims.tenantId : 'ten_test';
      const scope = 'scope' in claims ? claims.scope : READ_SCOPE;
      return signToken({
        secret,
        claims: { ...claims, tenantId, ...(scope === undefined ? {} : { scope }) },
        issuer: options.issuer,
        audience: options.audience,
      });
    },
    publish: (events) => log.append(events),
    async close() {
      if (closed) return;
      closed = true;
      await running.close();
      await app.close();
      if (ownsLog) await log.close();
    },
  };
}
