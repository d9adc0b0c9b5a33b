/**
 * Tenant isolation: many tenants (with look-alike ids) publish canary-stamped traffic through
 * ingest while filtered, replaying and churning streams follow each of them. Not one event may
 * cross a tenant; every tenant's own matching events must all arrive, once, in order.
 */
import { randomBytes } from 'node:crypto';
import { signToken } from '@causeflow/stream-server';
import { afterAll, describe, expect, it } from 'vitest';
import { ingest, type TaggedEvent, tenantTraffic } from '../src/events.js';
import { report } from '../src/figures.js';
import { until } from '../src/net.js';
import {
  type RedisProcess,
  type ServerProcess,
  startRedis,
  startServerProcess,
} from '../src/process.js';
import { debug, sized } from '../src/scale.js';
import { Follower } from '../src/sse.js';

// Look-alikes on purpose: prefixes, case, a trailing underscore, digits.
const TENANTS = [
  'ten_a',
  'ten_a_',
  'ten_A',
  'ten_a1',
  'ten_1',
  'ten_10',
  'ten_victim',
  'ten_b',
  'ten_c',
  'ten_d',
  'ten_e',
  'ten_f',
];
const FILTER = 'incident.*,remediation.*';
const INCIDENT = 'inc_CANARY_10';

interface Plan {
  readonly bus: 'memory' | 'redis';
  readonly perTenant: number;
}

const PLANS: Plan[] = [
  { bus: 'memory', perTenant: sized(2000, 25_000) },
  { bus: 'redis', perTenant: sized(250, 5000) },
];

const cleanup: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const fn of cleanup.reverse()) await fn();
});

describe.each(PLANS)('tenant isolation ($bus bus)', (plan) => {
  it(
    `delivers each tenant exactly its own matching events (${TENANTS.length} tenants × ${plan.perTenant} events)`,
    async ({ task }) => {
      const secret = randomBytes(32).toString('base64url');
      let redis: RedisProcess | undefined;
      if (plan.bus === 'redis') {
        redis = await startRedis({ appendOnly: false });
        cleanup.push(() => redis!.stop());
      }
      const server: ServerProcess = await startServerProcess({
        env: {
          JWT_SECRET: secret,
          BUS: plan.bus,
          RETENTION: String(plan.perTenant * 2),
          ...(redis === undefined ? {} : { REDIS_URL: redis.url }),
        },
      });
      cleanup.push(() => server.kill());
      const sign = (claims: Parameters<typeof signToken>[0]['claims']) =>
        signToken({ secret, claims });
      const serviceToken = await sign({ scope: 'events:publish', sub: 'svc_ingest' });

      const published = new Map<string, TaggedEvent[]>(TENANTS.map((t) => [t, []]));
      const followers = new Map<
        string,
        { all: Follower; filtered: Follower; incident: Follower; churn: Follower; late?: Follower }
      >();
      for (const tenantId of TENANTS) {
        const token = await sign({ tenantId, scope: 'events:read' });
        const make = (query?: string) =>
          new Follower({ urls: [server.url], tenantId, token, ...(query ? { query } : {}) });
        const set = {
          all: make(),
          filtered: make(`events=${encodeURIComponent(FILTER)}`),
          incident: make(`incidentId=${INCIDENT}`),
          churn: make(),
        };
        followers.set(tenantId, set);
        await Promise.all([
          set.all.start(),
          set.filtered.start(),
          set.incident.start(),
          set.churn.start(),
        ]);
      }
      // The churn followers drop their connection every ~150 ms and resume with Last-Event-ID (once
      // they hold a cursor: a client that has seen nothing has nothing to resume from).
      const churnTimer = setInterval(() => {
        for (const set of followers.values())
          if (set.churn.lastCursor !== undefined && Math.random() < 0.5) set.churn.drop();
      }, 150);

      // Publish: one sequential publisher per tenant (tenant token or service token, alternating),
      // random batch sizes; each tenant's publisher also tries to publish into a neighbour.
      const lateFrom = new Map<string, number>();
      let forgedTried = 0;
      let forgedAccepted = 0;
      let batches = 0;
      const startedAt = Date.now();
      await Promise.all(
        TENANTS.map(async (tenantId, index) => {
          const next = tenantTraffic({
            tenantId,
            seed: index + 1,
            idPrefix: `evt_${plan.bus}_${index}`,
          });
          const tenantToken = await sign({ tenantId, scope: 'events:publish' });
          const neighbour = TENANTS[(index + 1) % TENANTS.length]!;
          const list = published.get(tenantId)!;
          let batchNo = 0;
          while (list.length < plan.perTenant) {
            batchNo += 1;
            const size = Math.min(
              plan.perTenant - list.length,
              1 + Math.floor(Math.random() * 200),
            );
            const batch = Array.from({ length: size }, next);
            const result = await ingest(
              server.url,
              batchNo % 2 === 0 ? serviceToken : tenantToken,
              batch,
            );
            if (result.status !== 202)
              throw new Error(
                `ingest ${result.status}: ${JSON.stringify(result.body).slice(0, 300)}`,
              );
            list.push(...batch);
            batches += 1;
            if (batchNo % 10 === 0)
              debug(
                plan.bus,
                tenantId,
                'published',
                list.length,
                'all got',
                followers.get(tenantId)!.all.count,
              );
            if (batchNo === 3) {
              // a late follower joins with the cursor the 'all' follower has reached by now
              const set = followers.get(tenantId)!;
              debug(tenantId, 'waiting for all to reach', list.length, 'has', set.all.count);
              await until(() => set.all.count >= list.length, {
                timeoutMs: 30_000,
                what: `${tenantId} to catch up`,
              });
              const late = new Follower({
                urls: [server.url],
                tenantId,
                token: await sign({ tenantId, scope: 'events:read' }),
                lastEventId: set.all.lastCursor!,
              });
              set.late = late;
              lateFrom.set(tenantId, set.all.count);
              await late.start();
            }
            if (batchNo % 2 === 0) {
              forgedTried += 1;
              const forged = tenantTraffic({
                tenantId: neighbour,
                seed: 999,
                idPrefix: `evt_forged_${index}_${batchNo}`,
              })();
              const mixed = [next(), forged];
              const attempt = await ingest(
                server.url,
                tenantToken,
                batchNo % 4 === 0 ? mixed : [forged],
              );
              if (attempt.status === 202) forgedAccepted += 1;
            }
          }
        }),
      );
      const publishMs = Date.now() - startedAt;
      clearInterval(churnTimer);

      const expectedOf = (
        tenantId: string,
        which: 'all' | 'filtered' | 'incident' | 'churn',
      ): string[] => {
        const list = published.get(tenantId)!;
        if (which === 'filtered')
          return list.filter((e) => /^(incident|remediation)\./.test(e.event)).map((e) => e.id);
        if (which === 'incident')
          return list
            .filter((e) => (e.data as { incidentId?: string }).incidentId === INCIDENT)
            .map((e) => e.id);
        return list.map((e) => e.id);
      };
      const kinds = ['all', 'filtered', 'incident', 'churn', 'late'] as const;
      await until(
        () =>
          TENANTS.every((t) =>
            kinds.every((k) => {
              const f = followers.get(t)![k];
              return f === undefined || k === 'late' || f.count >= expectedOf(t, k).length;
            }),
          ),
        {
          timeoutMs: sized(60_000, 600_000),
          intervalMs: 100,
          what: 'every follower to receive its events',
        },
      ).catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 300));

      let frames = 0;
      let crossTenant = 0;
      let expectedTotal = 0;
      let deliveredExpected = 0;
      let unexpected = 0;
      let duplicates = 0;
      let outOfOrder = 0;
      let resets = 0;
      let churnReconnects = 0;
      const problems: string[] = [];
      for (const tenantId of TENANTS) {
        const set = followers.get(tenantId)!;
        for (const kind of kinds) {
          const follower = set[kind];
          if (follower === undefined) continue;
          await follower.stop();
          frames += follower.count + follower.duplicates;
          crossTenant += follower.foreignTenant + follower.foreignCanaries;
          duplicates += follower.duplicates;
          resets += follower.resets;
          if (kind === 'churn') churnReconnects += follower.connects - 1;
          let expected: string[];
          if (kind === 'late') {
            // late joined after cursor C: it must receive exactly the events after C
            // joined with the cursor of the all-follower's n-th event: exactly the events after it
            expected = set.all.ids.slice(lateFrom.get(tenantId) ?? 0);
          } else {
            expected = expectedOf(tenantId, kind);
          }
          const got = new Set(follower.ids);
          const want = new Set(expected);
          expectedTotal += expected.length;
          for (const id of expected) if (got.has(id)) deliveredExpected += 1;
          for (const id of follower.ids) if (!want.has(id)) unexpected += 1;
          const inOrder = follower.ids.filter((id) => want.has(id));
          const expectedOrder = expected.filter((id) => got.has(id));
          if (inOrder.join() !== expectedOrder.join()) outOfOrder += 1;
          const missing = expected.length - expected.filter((id) => got.has(id)).length;
          if (missing > 0) {
            problems.push(
              `${tenantId}/${kind}: ${missing} of ${expected.length} missing (connects ${follower.connects}, failures ${follower.failures}, refusals ${JSON.stringify(Object.fromEntries(follower.refusals))}, first missing at #${expected.findIndex((id) => !got.has(id))})`,
            );
          }
        }
      }
      const totalPublished = [...published.values()].reduce((n, l) => n + l.length, 0);
      const pct = expectedTotal === 0 ? 0 : (100 * deliveredExpected) / expectedTotal;
      report(
        { task },
        {
          check: 'Isolation',
          name: `cross-tenant deliveries (${plan.bus})`,
          summary: `${crossTenant} of ${frames} frames to ${TENANTS.length * 5} streams (${totalPublished} events, ${TENANTS.length} tenants)`,
          data: {
            crossTenant,
            frames,
            tenants: TENANTS.length,
            published: totalPublished,
            batches,
            publishMs,
          },
        },
      );
      report(
        { task },
        {
          check: 'Isolation',
          name: `own matching events delivered (${plan.bus})`,
          summary: `${pct.toFixed(2)}% (${deliveredExpected}/${expectedTotal}), ${unexpected} unexpected, ${duplicates} duplicates, ${outOfOrder} streams out of order`,
          data: {
            expectedTotal,
            deliveredExpected,
            unexpected,
            duplicates,
            outOfOrder,
            resets,
            churnReconnects,
            problems,
          },
        },
      );
      report(
        { task },
        {
          check: 'Isolation',
          name: `forged cross-tenant publishes (${plan.bus})`,
          summary: `${forgedTried} tried, ${forgedAccepted} accepted`,
          data: { forgedTried, forgedAccepted },
        },
      );
      expect(crossTenant).toBe(0);
      expect(forgedAccepted).toBe(0);
      expect(problems).toEqual([]);
      expect(deliveredExpected).toBe(expectedTotal);
      expect(unexpected).toBe(0);
      expect(duplicates).toBe(0);
      expect(outOfOrder).toBe(0);
      expect(resets).toBe(0);
    },
    sized(150_000, 1_800_000),
  );
});
