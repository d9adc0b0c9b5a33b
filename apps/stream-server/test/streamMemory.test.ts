/**
 * Pins the point of the stream request handler (`src/streamHandler.ts`): once a stream is open,
 * nothing keeps its Koa context alive (Koa's own handler would, through its per-request
 * `on-finished` listener, ~3 KiB per open stream). Other requests keep Koa's handler.
 */
import { randomBytes } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createMemoryEventLog } from '@causeflow/bus';
import type { Context } from 'koa';
import pino from 'pino';
import { afterEach, expect, it } from 'vitest';
import { createApp } from '../src/app.js';
import { createConfig } from '../src/config.js';
import { signToken } from '../src/tokens.js';
import { openStream, type RawStream, until } from './helpers.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Collects garbage until `ref` is cleared or a few rounds have passed (each round yields first). */
async function collected(ref: WeakRef<object>): Promise<boolean> {
  for (let round = 0; round < 10 && ref.deref() !== undefined; round++) {
    await new Promise((resolve) => setImmediate(resolve));
    gc();
  }
  return ref.deref() === undefined;
}

async function startWithContextProbe(): Promise<{
  url: string;
  token: string;
  contexts: WeakRef<Context>[];
}> {
  const secret = randomBytes(32).toString('base64url');
  const log = createMemoryEventLog({ retention: 100 });
  const app = createApp({
    config: createConfig({ auth: { kind: 'secret', secret }, port: 0, logLevel: 'silent' }),
    log,
    logger: pino({ level: 'silent' }),
  });
  const contexts: WeakRef<Context>[] = [];
  // First in the chain: sees every request's context, holds it only weakly.
  app.app.middleware.unshift(async function probe(ctx, next) {
    contexts.push(new WeakRef(ctx));
    await next();
  });
  const running = await app.listen({ port: 0, host: '127.0.0.1' });
  cleanups.push(
    () => log.close(),
    () => app.close(),
    () => running.close(),
  );
  const token = await signToken({ secret, claims: { tenantId: 'ten_mem', scope: 'events:read' } });
  return { url: running.url, token, contexts };
}

it('an open stream does not keep its Koa context alive', async () => {
  const { url, token, contexts } = await startWithContextProbe();
  const stream: RawStream = await openStream(`${url}/v1/notifications/stream`, { token });
  cleanups.push(() => stream.close());
  await until(() => stream.retry() !== undefined, 5000, 'the stream to open');
  expect(stream.response.status).toBe(200);
  expect(contexts).toHaveLength(1);
  expect(await collected(contexts[0]!)).toBe(true);
  // Still open and served after the context is gone.
  expect(stream.response.body?.locked).toBe(true);
});

it('a stream request refused before it opens still gets its JSON error', async () => {
  const { url } = await startWithContextProbe();
  const res = await fetch(`${url}/v1/notifications/stream`);
  expect(res.status).toBe(401);
  expect(((await res.json()) as { error: { code: string } }).error.code).toBe('invalid_token');
});
