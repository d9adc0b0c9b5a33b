/**
 * Soak: steady publishing plus constant connection churn (bearer and ticket streams, replays,
 * refused requests) for RELIABILITY_SOAK_SECONDS. Heap and open file descriptors of the server
 * process must come back to where they started.
 */
import { randomBytes } from 'node:crypto';
import { signToken } from '@causeflow/stream-server';
import { afterAll, describe, expect, it } from 'vitest';
import { ingest, tenantTraffic } from '../src/events.js';
import { mib, report } from '../src/figures.js';
import { sleep, until } from '../src/net.js';
import { type ServerProcess, startServerProcess } from '../src/process.js';
import { SOAK_SECONDS, sized } from '../src/scale.js';

const RETENTION = 500;
let server: ServerProcess | undefined;
afterAll(async () => {
  await server?.kill();
});

interface Sample {
  readonly t: number;
  readonly fds: number;
  readonly rss: number;
  readonly heap: number;
  readonly connections: number;
}

describe('soak', () => {
  it(
    `keeps heap and file descriptors flat under ${SOAK_SECONDS} s of connection churn`,
    async ({ task }) => {
      const secret = randomBytes(32).toString('base64url');
      server = await startServerProcess({
        env: { JWT_SECRET: secret, RETENTION: String(RETENTION), HEARTBEAT_MS: '1000' },
      });
      const srv = server;
      const tenants = ['ten_k1', 'ten_k2', 'ten_k3', 'ten_k4', 'ten_k5'];
      const publisher = await signToken({ secret, claims: { scope: 'events:publish' } });
      const readTokens = await Promise.all(
        tenants.map((tenantId) =>
          signToken({ secret, claims: { tenantId, scope: 'events:read' } }),
        ),
      );
      const sample = async (): Promise<Sample> => {
        const m = await srv.metrics();
        return {
          t: Date.now(),
          fds: srv.fds(),
          rss: srv.rss(),
          heap: m.get('nodejs_heap_size_used_bytes') ?? Number.NaN,
          connections: m.get('causeflow_stream_connections') ?? Number.NaN,
        };
      };
      // warm-up: fill every tenant's retention, so the log's own (bounded) growth is over before the
      // first sample and whatever grows afterwards is a leak
      for (const [i, tenantId] of tenants.entries()) {
        const next = tenantTraffic({ tenantId, seed: 900 + i });
        for (let n = 0; n < RETENTION; n += 100)
          await ingest(srv.url, publisher, Array.from({ length: 100 }, next));
      }
      await sleep(500);
      const first = await sample();
      const samples: Sample[] = [first];
      const deadline = Date.now() + SOAK_SECONDS * 1000;
      let opened = 0;
      let refused = 0;
      let published = 0;
      let failures = 0;
      const cursors = new Map<string, string>();

      const publishLoop = (async () => {
        const next = tenants.map((tenantId, i) => tenantTraffic({ tenantId, seed: 500 + i }));
        let round = 0;
        while (Date.now() < deadline) {
          const batch = Array.from({ length: 10 }, () => next[round % tenants.length]!());
          round += 1;
          const result = await ingest(srv.url, publisher, batch);
          if (result.status === 202) published += batch.length;
          else failures += 1;
          await sleep(25);
        }
      })();
      const churnLoop = async (worker: number): Promise<void> => {
        let n = 0;
        while (Date.now() < deadline) {
          n += 1;
          const index = (worker + n) % tenants.length;
          const tenantId = tenants[index]!;
          const token = readTokens[index]!;
          const controller = new AbortController();
          try {
            let url = `${srv.url}/v1/notifications/stream`;
            const headers: Record<string, string> = {};
            if (n % 3 === 0) {
              const ticket = (await (
                await fetch(`${srv.url}/v1/notifications/tickets`, {
                  method: 'POST',
                  headers: { Authorization: `Bearer ${token}` },
                })
              ).json()) as { ticket: string };
              url += `?ticket=${ticket.ticket}`;
            } else {
              headers.Authorization = `Bearer ${n % 7 === 0 ? 'not.a.token' : token}`;
            }
            const cursor = cursors.get(tenantId);
            if (n % 2 === 0 && cursor !== undefined) headers['Last-Event-ID'] = cursor;
            const response = await fetch(url, { headers, signal: controller.signal });
            if (response.status !== 200) {
              refused += 1;
              await response.text();
              continue;
            }
            opened += 1;
            const reader = response.body!.getReader();
            const until = Date.now() + 50 + Math.random() * 400;
            let text = '';
            while (Date.now() < until) {
              const chunk = await Promise.race([
                reader.read(),
                sleep(until - Date.now()).then(() => undefined),
              ]);
              if (chunk === undefined || chunk.done) break;
              text += Buffer.from(chunk.value).toString('utf8');
            }
            const ids = [...text.matchAll(/^id: (.+)$/gm)];
            const last = ids.at(-1)?.[1];
            if (last !== undefined) cursors.set(tenantId, last);
          } catch {
            failures += 1;
          } finally {
            controller.abort();
          }
        }
      };
      const sampler = (async () => {
        while (Date.now() < deadline) {
          await sleep(500);
          samples.push(await sample());
        }
      })();
      await Promise.all([
        publishLoop,
        sampler,
        ...Array.from({ length: sized(20, 50) }, (_, i) => churnLoop(i)),
      ]);
      // settle: every stream closed, then sample once more
      await until(
        async () => ((await srv.metrics()).get('causeflow_stream_connections') ?? 1) === 0,
        { timeoutMs: 10_000, what: 'streams to close' },
      );
      // idle keep-alive sockets of the test's own fetch pool close after the server's keep-alive
      // timeout (5 s): wait for them, up to 8 s
      // The settled sample is the one checked: sampling fetches /metrics, which can open a socket
      // of its own between a bare fd check and a later sample.
      const settleStart = Date.now();
      let last = await sample();
      await until(
        async () => {
          last = await sample();
          return last.fds <= first.fds + 5;
        },
        { timeoutMs: 8000, intervalMs: 200 },
      ).catch(() => undefined);
      const settleMs = Date.now() - settleStart;
      samples.push(last);
      const peakFds = Math.max(...samples.map((s) => s.fds));
      const peakHeap = Math.max(...samples.map((s) => s.heap));
      const fdGrowth = last.fds - first.fds;
      const heapGrowth = last.heap - first.heap;
      report(
        { task },
        {
          check: 'Soak',
          name: `${SOAK_SECONDS} s of churn`,
          summary: `${opened} streams opened (${refused} refused), ${published} events; fds ${first.fds} → peak ${peakFds} → ${last.fds} (${fdGrowth >= 0 ? '+' : ''}${fdGrowth}); heap after GC ${mib(first.heap)} → ${mib(last.heap)} (peak ${mib(peakHeap)}); RSS ${mib(first.rss)} → ${mib(last.rss)}; settled in ${settleMs} ms`,
          data: {
            seconds: SOAK_SECONDS,
            opened,
            refused,
            published,
            failures,
            first,
            last,
            peakFds,
            peakHeap,
            fdGrowth,
            heapGrowth,
            settleMs,
            samples,
          },
        },
      );
      // Retention per closed stream: open and close a burst of streams with nothing else going on,
      // and compare the heap after a full GC before and after.
      const burst = sized(1000, 3000);
      const burstToken = readTokens[0]!;
      await srv.gc();
      const beforeBurst = (await sample()).heap;
      await Promise.all(
        Array.from({ length: 20 }, async () => {
          for (let i = 0; i < burst / 20; i++) {
            const controller = new AbortController();
            const response = await fetch(`${srv.url}/v1/notifications/stream`, {
              headers: { Authorization: `Bearer ${burstToken}` },
              signal: controller.signal,
            });
            await response.body?.getReader().read();
            controller.abort();
          }
        }),
      );
      await until(
        async () => ((await srv.metrics()).get('causeflow_stream_connections') ?? 1) === 0,
        { timeoutMs: 10_000, what: 'burst streams to close' },
      );
      await until(() => srv.fds() <= first.fds + 5, { timeoutMs: 8000, intervalMs: 200 }).catch(
        () => undefined,
      );
      await srv.gc();
      const afterBurst = (await sample()).heap;
      const perStream = Math.max(0, afterBurst - beforeBurst) / burst;
      report(
        { task },
        {
          check: 'Soak',
          name: 'heap retained per closed stream',
          summary: `${Math.round(perStream)} bytes/stream after ${burst} streams opened and closed (heap after GC ${mib(beforeBurst)} → ${mib(afterBurst)}; bound 2048)`,
          data: { burst, beforeBurst, afterBurst, perStream },
        },
      );
      expect(opened).toBeGreaterThan(0);
      expect(perStream).toBeLessThan(2048);
      expect(last.connections).toBe(0);
      expect(fdGrowth).toBeLessThanOrEqual(5);
      expect(heapGrowth).toBeLessThan(32 * 1024 * 1024);
    },
    (SOAK_SECONDS + 60) * 1000,
  );
});
