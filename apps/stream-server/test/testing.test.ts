import type { EventLog, StoredEvent } from '@causeflow/bus';
import { decodeJwt } from 'jose';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { startTestServer, type TestServer } from '../src/testing.js';
import { incidentCreated } from './helpers.js';

describe('startTestServer', () => {
  it('has the shared contract other packages rely on', () => {
    expectTypeOf<NonNullable<Parameters<typeof startTestServer>[0]>>().toMatchTypeOf<{
      port?: number;
      log?: EventLog;
      heartbeatMs?: number;
      retention?: number;
      jwtSecret?: string;
      issuer?: string;
      audience?: string;
      maxConnectionsPerTenant?: number;
      corsOrigins?: string[];
    }>();
    expectTypeOf<TestServer>().toMatchTypeOf<{
      url: string;
      port: number;
      log: EventLog;
      token(claims?: {
        tenantId?: string;
        scope?: string;
        sub?: string;
        expiresInSeconds?: number;
      }): Promise<string>;
      publish(events: unknown[]): Promise<StoredEvent[]>;
      close(): Promise<void>;
    }>();
    // Type-level only: never called.
    const invalid = () =>
      // @ts-expect-error the port is a number, not a string
      startTestServer({ port: '8080' });
    expectTypeOf(invalid).returns.toEqualTypeOf<Promise<TestServer>>();
  });

  it('listens on 127.0.0.1 and mints tokens for ten_test valid for an hour by default', async () => {
    const server = await startTestServer();
    try {
      expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
      const claims = decodeJwt(await server.token());
      expect(claims.tenantId).toBe('ten_test');
      expect((claims.exp ?? 0) - Math.floor(Date.now() / 1000)).toBeGreaterThan(3500);
      expect(decodeJwt(await server.token({ tenantId: undefined })).tenantId).toBeUndefined();
    } finally {
      await server.close();
    }
  });

  it('simulates a restart with state kept when given the same log and port', async () => {
    const first = await startTestServer();
    const { log, port } = first;
    const [stored] = await first.publish([incidentCreated('ten_test', 1)]);
    // The first server created the log, so it closes it: hand a kept log to the restarted one.
    await first.close();
    expect(await log.isReady()).toBe(false);

    const { createMemoryEventLog } = await import('@causeflow/bus');
    const kept = createMemoryEventLog();
    const a = await startTestServer({ log: kept });
    const [event] = await a.publish([incidentCreated('ten_test', 2)]);
    await a.close();
    expect(await kept.isReady()).toBe(true);
    const b = await startTestServer({ log: kept, port: a.port });
    try {
      expect(b.port).toBe(a.port);
      const page = await b.log.readAfter('ten_test', null, 10);
      expect(page.status === 'ok' && page.events.map((e) => e.cursor)).toEqual([event?.cursor]);
    } finally {
      await b.close();
      await kept.close();
    }
    expect(stored?.cursor).toBeDefined();
    expect(port).toBeGreaterThan(0);
  });
});
