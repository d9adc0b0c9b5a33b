import { createMemoryEventLog, type StoredEvent } from '@causeflow/bus';
import pino from 'pino';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import type { StreamConnection } from './connection.js';
import { createStreamHub } from './hub.js';
import { createMetrics } from './metrics.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A stand-in connection recording what it was handed; `throws` makes its delivery fail. */
function fakeConnection(tenantId: string, throws?: 'filter' | 'deliver') {
  const received: string[] = [];
  const closed: string[] = [];
  const connection = {
    tenantId,
    expiresAtMs: Date.now() + 3_600_000,
    filter:
      throws === 'filter'
        ? () => {
            throw new Error('filter broke');
          }
        : undefined,
    deliverLive(stored: StoredEvent) {
      if (throws === 'deliver') throw new Error('socket broke');
      received.push(stored.cursor);
      return true;
    },
    write() {
      if (throws === 'deliver') throw new Error('socket broke');
      return true;
    },
    close(reason: string) {
      closed.push(reason);
    },
    replaying: false,
    pendingBytes: 0,
  };
  return { connection: connection as unknown as StreamConnection, received, closed };
}

function setup() {
  const log = createMemoryEventLog({ retention: 100 });
  const metrics = createMetrics({ registry: new Registry(), pendingBytes: () => 0 });
  const errors: string[] = [];
  const logger = pino({ level: 'error' }, { write: (line: string) => errors.push(line) });
  const hub = createStreamHub({ log, metrics, logger, heartbeatMs: 10, now: Date.now });
  cleanups.push(
    () => log.close(),
    () => hub.stop(),
  );
  return { log, hub, errors };
}

const event = {
  event: 'user.created',
  timestamp: '2024-04-01T10:05:00Z',
  tenantId: 'ten_hub',
  data: {
    userId: 'user_01HX9VTPQR3KF8MZWBYD5N6JCE',
    email: 'a@example.com',
    name: 'A',
    role: 'admin',
  },
};

describe('fan-out isolation', () => {
  it.each(['deliver', 'filter'] as const)(
    'still delivers to the tenant’s other connections when one connection’s %s throws, and closes that one',
    async (where) => {
      const { log, hub, errors } = setup();
      const before = fakeConnection('ten_hub');
      const broken = fakeConnection('ten_hub', where);
      const after = fakeConnection('ten_hub');
      for (const c of [before, broken, after]) hub.add(c.connection);
      const [stored] = await log.append([event]);
      expect(before.received).toEqual([stored!.cursor]);
      expect(after.received).toEqual([stored!.cursor]);
      expect(broken.closed).toEqual(['error']);
      expect(hub.count('ten_hub')).toBe(2);
      expect(errors.join('')).toContain('delivery failed; closing the stream');
    },
  );

  it('keeps pinging the other connections when one ping write throws', async () => {
    const { hub } = setup();
    const broken = fakeConnection('ten_hub', 'deliver');
    const pinged: number[] = [];
    const healthy = fakeConnection('ten_hub');
    (healthy.connection as unknown as { write: () => boolean }).write = () => {
      pinged.push(1);
      return true;
    };
    hub.add(broken.connection);
    hub.add(healthy.connection);
    await new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (pinged.length > 0) {
          clearInterval(check);
          resolve();
        }
      }, 5);
    });
    expect(broken.closed).toEqual(['error']);
    expect(hub.count('ten_hub')).toBe(1);
  });
});
