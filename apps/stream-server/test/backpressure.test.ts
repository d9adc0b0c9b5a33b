import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../src/testing.js';
import { bigEvent, openStream, type RawStream, until } from './helpers.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A client that sends the request and then never reads a byte. */
async function stalledClient(
  server: TestServer,
  token: string,
): Promise<{ socket: Socket; closed: Promise<void> }> {
  const socket = connect(server.port, '127.0.0.1');
  socket.on('error', () => {}); // the server resets us; that is the point
  cleanups.push(() => socket.destroy());
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  socket.pause();
  socket.write(
    `GET /v1/notifications/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\nAccept: text/event-stream\r\n\r\n`,
  );
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return { socket, closed };
}

describe('a client that cannot keep up', () => {
  it('is disconnected as a slow consumer while server-side pending bytes stay bounded, and others keep receiving', async () => {
    const maxBufferedBytes = 512 * 1024; // ~10 frames of the ~50 KB events below
    const server = await startTestServer({ retention: 50, config: { maxBufferedBytes } });
    cleanups.push(() => server.close());
    const tenant = 'ten_slow';
    const token = await server.token({ tenantId: tenant });
    const stalled = await stalledClient(server, token);
    await until(() => server.app.stats().connections === 1, 2000, 'the stalled stream to open');
    const healthy: RawStream = await openStream(`${server.url}/v1/notifications/stream`, { token });
    cleanups.push(() => healthy.close());

    const frameBytes = 60 * 1024; // upper bound of one bigEvent frame
    let published = 0;
    let maxPending = 0;
    // The stalled client never reads, so it cannot notice the reset: watch the server side.
    const disconnected = (): boolean => server.app.stats().connections < 2;
    // Kernel socket buffers absorb a few MB first; keep publishing until the server gives up.
    while (!disconnected() && published < 1500) {
      await server.publish([bigEvent(tenant, 50_000), bigEvent(tenant, 50_000)]);
      published += 2;
      maxPending = Math.max(maxPending, server.app.stats().maxPendingBytes);
      await new Promise((r) => setImmediate(r));
    }
    expect(disconnected()).toBe(true);
    expect(published).toBeLessThan(1500);
    expect(maxPending).toBeLessThanOrEqual(maxBufferedBytes + 2 * frameBytes);
    const disconnects = await server.app.metrics.registry.getSingleMetricAsString(
      'causeflow_stream_disconnects_total',
    );
    expect(disconnects).toMatch(/reason="slow_consumer"} 1/);

    // The healthy client of the same tenant got every event, unaffected.
    await healthy.waitFor(published, (m) => m.event === 'investigation.completed', 20_000);
    expect(server.app.stats().connections).toBe(1);
    expect(server.app.stats().pendingBytes).toBeLessThan(maxBufferedBytes);
    // Once it reads again, the stalled client finds its connection reset by the server.
    stalled.socket.resume();
    await stalled.closed;
  });
});
