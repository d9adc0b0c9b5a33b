/**
 * Shutdown with Node's own connection bookkeeping: sockets that never sent a request and idle
 * keep-alive sockets are closed as soon as no request is in flight, not at the drain timeout.
 */
import { once } from 'node:events';
import { connect } from 'node:net';
import { expect, it } from 'vitest';
import { startTestServer } from '../src/testing.js';
import { openStream } from './helpers.js';

it('closes unused and idle keep-alive sockets at once when no request is in flight', async () => {
  // A drain bound far above the test timeout: only the prompt path can make this test pass.
  const server = await startTestServer({ config: { drainTimeoutMs: 600_000 } });
  const unused = connect(server.port, '127.0.0.1');
  await once(unused, 'connect');
  const keepAlive = connect(server.port, '127.0.0.1');
  await once(keepAlive, 'connect');
  keepAlive.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
  const [reply] = (await once(keepAlive, 'data')) as [Buffer];
  expect(reply.toString()).toMatch(/^HTTP\/1\.1 200/);
  const stream = await openStream(`${server.url}/v1/notifications/stream`, {
    token: await server.token(),
  });
  expect(stream.response.status).toBe(200);

  const closedSockets = Promise.all([once(unused, 'close'), once(keepAlive, 'close')]);
  await server.close();
  await closedSockets;
  await stream.ended;
  expect(unused.destroyed && keepAlive.destroyed).toBe(true);
});
