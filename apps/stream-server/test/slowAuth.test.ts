/**
 * A client that goes away while its token is still being checked (here: a JWKS endpoint that
 * answers only after the client has disconnected) must leave no stream registered behind it.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createMemoryEventLog } from '@causeflow/bus';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import pino from 'pino';
import { afterEach, expect, it } from 'vitest';
import { createApp } from '../src/app.js';
import { createConfig } from '../src/config.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A JWKS endpoint that holds every request until `release()`. */
async function slowJwks(jwks: object) {
  const held: ServerResponse[] = [];
  let requested: () => void = () => {};
  const firstRequest = new Promise<void>((resolve) => {
    requested = resolve;
  });
  const server = createServer((_req: IncomingMessage, res: ServerResponse) => {
    held.push(res);
    requested();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`,
    firstRequest,
    release() {
      for (const res of held.splice(0)) {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(jwks));
      }
    },
  };
}

it('a client that disconnects while its token is checked leaves no registered stream', async () => {
  const keys = await generateKeyPair('ES256');
  const jwk = { ...(await exportJWK(keys.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
  const jwks = await slowJwks({ keys: [jwk] });
  const log = createMemoryEventLog({ retention: 100 });
  const app = createApp({
    config: createConfig({ auth: { kind: 'jwks', url: jwks.url }, port: 0, logLevel: 'silent' }),
    log,
    logger: pino({ level: 'silent' }),
  });
  let handled: () => void = () => {};
  const requestHandled = new Promise<void>((resolve) => {
    handled = resolve;
  });
  // First in the chain: tells when the stream request's middleware has run to its end.
  app.app.middleware.unshift(async function probe(_ctx, next) {
    try {
      await next();
    } finally {
      handled();
    }
  });
  const running = await app.listen({ port: 0, host: '127.0.0.1' });
  cleanups.push(
    () => log.close(),
    () => app.close(),
    () => running.close(),
  );

  const token = await new SignJWT({ tenantId: 'ten_slow_auth', scope: 'events:read' })
    .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
    .setExpirationTime('5m')
    .sign(keys.privateKey);
  const socketClosed = new Promise<void>((resolve) => {
    running.server.once('connection', (socket) => socket.once('close', () => resolve()));
  });
  const controller = new AbortController();
  const response = fetch(`${running.url}/v1/notifications/stream`, {
    headers: { Authorization: `Bearer ${token}` },
    signal: controller.signal,
  }).catch((error: unknown) => error);

  await jwks.firstRequest;
  controller.abort();
  expect(await response).toBeInstanceOf(Error);
  await socketClosed;

  jwks.release();
  await requestHandled;
  expect(app.stats().connections).toBe(0);
  expect(
    await app.metrics.registry.getSingleMetricAsString('causeflow_stream_connections'),
  ).toMatch(/causeflow_stream_connections 0/);
});
