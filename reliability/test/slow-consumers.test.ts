/**
 * Slow consumers: stalled clients (raw sockets that never read) among healthy ones. The server
 * (its own process, measured from /proc) must keep memory bounded, cut the stalled ones within
 * seconds, keep healthy latency unchanged, and lose nothing for a stalled client that resumes.
 */
import { randomBytes } from 'node:crypto';
import { signToken } from '@causeflow/stream-server';
import { afterAll, describe, expect, it } from 'vitest';
import { bigEvent, ingest, type TaggedEvent } from '../src/events.js';
import { mib, quantile, report } from '../src/figures.js';
import { mapLimit, sleep, until } from '../src/net.js';
import { type ServerProcess, startServerProcess } from '../src/process.js';
import { sized } from '../src/scale.js';
import { Follower } from '../src/sse.js';
import { openStalled, type StalledClient } from '../src/stall.js';

const STALLED = 100;
const HEALTHY = sized(20, 50);
const RESUMED = sized(10, STALLED);
const FLOOD_EVENTS = sized(1200, 2400);
const EVENT_BYTES = 8 * 1024;
const MAX_BUFFERED = 256 * 1024;
const PROBE_MS = 20;

let server: ServerProcess | undefined;
const followers: Follower[] = [];
afterAll(async () => {
  for (const f of followers) await f.stop();
  await server?.kill();
});

describe('slow consumers', () => {
  it(
    `cuts ${STALLED} stalled clients with bounded memory, without slowing healthy ones or losing their events`,
    async ({ task }) => {
      const secret = randomBytes(32).toString('base64url');
      server = await startServerProcess({
        env: {
          JWT_SECRET: secret,
          MAX_BUFFERED_BYTES: String(MAX_BUFFERED),
          RETENTION: String(FLOOD_EVENTS * 3),
          HEARTBEAT_MS: '5000',
        },
      });
      const srv = server;
      const sign = (claims: Parameters<typeof signToken>[0]['claims']) =>
        signToken({ secret, claims });
      const publisher = await sign({ scope: 'events:publish' });
      const probeToken = await sign({ tenantId: 'ten_probe', scope: 'events:read' });
      const slowToken = await sign({ tenantId: 'ten_slow', scope: 'events:read' });

      // healthy followers: latency probes on ten_probe, plus fast readers of the flood
      const sentAt = new Map<string, number>();
      let latencies: number[] = [];
      for (let i = 0; i < HEALTHY; i++) {
        const f = new Follower({
          urls: [srv.url],
          tenantId: 'ten_probe',
          token: probeToken,
          onEvent: (d) => {
            const t0 = sentAt.get(d.id);
            if (t0 !== undefined) latencies.push(d.receivedAt - t0);
          },
        });
        followers.push(f);
      }
      const fastSlowTenant = new Follower({
        urls: [srv.url],
        tenantId: 'ten_slow',
        token: slowToken,
      });
      followers.push(fastSlowTenant);
      await Promise.all(followers.map((f) => f.start()));

      let probeN = 0;
      const probe = async (stop: () => boolean): Promise<void> => {
        while (!stop()) {
          probeN += 1;
          const id = `evt_probe_${probeN}`;
          const event: TaggedEvent = {
            id,
            event: 'incident.status_changed',
            timestamp: new Date().toISOString(),
            tenantId: 'ten_probe',
            data: { incidentId: 'inc_PROBE', previousStatus: 'open', newStatus: 'investigating' },
          };
          sentAt.set(id, Date.now());
          await ingest(srv.url, publisher, [event]);
          await sleep(PROBE_MS);
        }
      };
      let floodN = 0;
      const flood = async (phase: string): Promise<string[]> => {
        const ids: string[] = [];
        const batches = Array.from({ length: FLOOD_EVENTS / 20 }, () =>
          Array.from({ length: 20 }, () =>
            bigEvent('ten_slow', `evt_${phase}_${++floodN}`, EVENT_BYTES),
          ),
        );
        await mapLimit(batches, 2, async (batch) => {
          const result = await ingest(srv.url, publisher, batch);
          if (result.status !== 202) throw new Error(`flood refused: ${result.status}`);
          ids.push(...batch.map((e) => e.id));
        });
        return ids;
      };
      const runPhase = async (
        phase: string,
      ): Promise<{ ids: string[]; p50: number; p99: number; samples: number }> => {
        latencies = [];
        let done = false;
        const probing = probe(() => done);
        const ids = await flood(phase);
        await sleep(300);
        done = true;
        await probing;
        return {
          ids,
          p50: quantile(latencies, 0.5),
          p99: quantile(latencies, 0.99),
          samples: latencies.length,
        };
      };

      // phase A (control): the same number of raw clients on ten_slow, reading and discarding
      const readers: StalledClient[] = [];
      for (let i = 0; i < STALLED; i++)
        readers.push(await openStalled({ port: srv.port, token: slowToken, read: true }));
      await sleep(300);
      const rssBaseline = srv.rss();
      const baseline = await runPhase('base');
      const rssAfterBaseline = srv.rss();
      for (const reader of readers) reader.socket.destroy();
      await until(
        async () => ((await srv.metrics()).get('causeflow_stream_connections') ?? 0) <= HEALTHY + 1,
        {
          timeoutMs: 10_000,
          what: 'the control readers to be gone',
        },
      );

      // phase B: the same load plus the stalled clients on ten_slow
      const stalled: StalledClient[] = [];
      for (let i = 0; i < STALLED; i++)
        stalled.push(await openStalled({ port: srv.port, token: slowToken }));
      await until(
        async () =>
          ((await srv.metrics()).get('causeflow_stream_connections') ?? 0) >= HEALTHY + 1 + STALLED,
        {
          timeoutMs: 10_000,
          what: 'the stalled clients to be registered',
        },
      );
      const slowBefore =
        (await srv.metrics()).get('causeflow_stream_disconnects_total{reason="slow_consumer"}') ??
        0;
      let rssPeak = srv.rss();
      let pendingPeak = 0;
      let cutAllAt: number | undefined;
      const floodStart = Date.now();
      let sampling = true;
      const sampler = (async () => {
        while (sampling) {
          rssPeak = Math.max(rssPeak, srv.rss());
          const m = await srv.metrics();
          pendingPeak = Math.max(pendingPeak, m.get('causeflow_stream_pending_bytes') ?? 0);
          const cut =
            (m.get('causeflow_stream_disconnects_total{reason="slow_consumer"}') ?? 0) - slowBefore;
          if (cutAllAt === undefined && cut >= STALLED) cutAllAt = Date.now();
          await sleep(100);
        }
      })();
      const withStalled = await runPhase('stall');
      await until(() => cutAllAt !== undefined, {
        timeoutMs: 15_000,
        what: 'every stalled client to be cut',
      }).catch(() => undefined);
      sampling = false;
      await sampler;
      const metrics = await srv.metrics();
      const cut =
        (metrics.get('causeflow_stream_disconnects_total{reason="slow_consumer"}') ?? 0) -
        slowBefore;

      // resume: read what reached each stalled socket, reconnect with its last cursor, compare
      let lost = 0;
      let duplicates = 0;
      let resumedEvents = 0;
      const resumers: Follower[] = [];
      const expectedIds = withStalled.ids;
      const partials = await Promise.all(stalled.map((s) => s.drainAll(5000)));
      await mapLimit(partials.slice(0, RESUMED), 5, async (partial) => {
        const resumer = new Follower({
          urls: [srv.url],
          tenantId: 'ten_slow',
          token: slowToken,
          ...(partial.lastCursor === undefined ? {} : { lastEventId: partial.lastCursor }),
        });
        resumers.push(resumer);
        await resumer.start();
        const want = new Set(expectedIds);
        const have = new Set(partial.ids.filter((id) => want.has(id)));
        await until(
          () => resumer.ids.filter((id) => want.has(id)).length + have.size >= want.size,
          {
            timeoutMs: sized(60_000, 300_000),
            what: 'a resumed client to catch up',
          },
        ).catch(() => undefined);
        await resumer.stop();
        for (const id of resumer.ids) {
          if (have.has(id)) duplicates += 1;
          else have.add(id);
        }
        resumedEvents += resumer.count;
        for (const id of want) if (!have.has(id)) lost += 1;
      });
      const healthyMissing = expectedIds
        .concat(baseline.ids)
        .filter((id) => !fastSlowTenant.idSet.has(id)).length;

      const rssGrowth = rssPeak - rssBaseline;
      const bound = STALLED * MAX_BUFFERED + 64 * 1024 * 1024;
      const cutMs = cutAllAt === undefined ? Number.NaN : cutAllAt - floodStart;
      report(
        { task },
        {
          check: 'Slow consumers',
          name: 'server memory',
          summary: `RSS ${mib(rssBaseline)} → peak ${mib(rssPeak)} (+${mib(rssGrowth)}; bound +${mib(bound)} = ${STALLED} × ${MAX_BUFFERED / 1024} KiB + 64 MiB)`,
          data: {
            rssBaseline,
            rssAfterBaseline,
            rssPeak,
            rssGrowth,
            bound,
            pendingPeak,
            maxBufferedBytes: MAX_BUFFERED,
          },
        },
      );
      report(
        { task },
        {
          check: 'Slow consumers',
          name: 'stalled clients cut',
          summary: `${cut}/${STALLED} disconnected as slow consumers, all within ${Number.isNaN(cutMs) ? 'NEVER' : `${(cutMs / 1000).toFixed(1)} s`} of the flood start`,
          data: { stalled: STALLED, cut, cutMs },
        },
      );
      report(
        { task },
        {
          check: 'Slow consumers',
          name: 'healthy latency p99',
          summary: `${baseline.p99} ms with ${STALLED} reading peers, ${withStalled.p99} ms with ${STALLED} stalled (p50 ${baseline.p50} / ${withStalled.p50} ms; ${HEALTHY} healthy clients)`,
          data: {
            baseline,
            withStalled: { ...withStalled, ids: withStalled.ids.length },
            baselineIds: baseline.ids.length,
            healthy: HEALTHY,
            healthyMissing,
          },
        },
      );
      report(
        { task },
        {
          check: 'Slow consumers',
          name: 'stalled clients resumed',
          summary: `${RESUMED} resumed with their cursor: ${lost} events lost, ${duplicates} duplicates (${resumedEvents} replayed)`,
          data: {
            resumed: RESUMED,
            lost,
            duplicates,
            resumedEvents,
            expectedPerClient: expectedIds.length,
          },
        },
      );
      expect(cut).toBe(STALLED);
      expect(cutMs).toBeLessThan(10_000);
      expect(rssGrowth).toBeLessThan(bound);
      expect(lost).toBe(0);
      expect(duplicates).toBe(0);
      expect(healthyMissing).toBe(0);
      // "unaffected": p99 within 2× the baseline plus 50 ms of scheduling noise on a shared machine
      expect(withStalled.p99).toBeLessThan(baseline.p99 * 2 + 50);
    },
    sized(120_000, 900_000),
  );
});
