/**
 * Ticket flooding: one tenant asks for tickets as fast as four keep-alive connections allow.
 * Its quota holds (exactly TICKET_MAX_PER_TENANT issued, the rest 429), other tenants still get
 * tickets and open streams, the global bound holds, and refusals cost no more than issues (no
 * scan of the store per request). Latencies are reported, not asserted.
 */
import { randomBytes } from 'node:crypto';
import { signToken } from '@causeflow/stream-server';
import { afterAll, describe, expect, it } from 'vitest';
import { quantile, report } from '../src/figures.js';
import { mapLimit } from '../src/net.js';
import { healthProbe, requestTicket } from '../src/probes.js';
import { type ServerProcess, startServerProcess } from '../src/process.js';
import { sized } from '../src/scale.js';

const PER_TENANT = 1000;
const GLOBAL = 5000;
let server: ServerProcess | undefined;
afterAll(async () => {
  await server?.kill();
});

describe('ticket flooding', () => {
  it('holds the per-tenant quota and the global bound without locking out other tenants', async ({
    task,
  }) => {
    const secret = randomBytes(32).toString('base64url');
    server = await startServerProcess({
      env: {
        JWT_SECRET: secret,
        TICKET_MAX_PER_TENANT: String(PER_TENANT),
        TICKET_MAX_OUTSTANDING: String(GLOBAL),
        // Long enough that no ticket expires during the check (expiry frees quota by design).
        TICKET_TTL_MS: '3600000',
      },
    });
    const { url } = server;
    const tokenOf = (tenantId: string) =>
      signToken({ secret, claims: { tenantId, scope: 'events:read' } });
    const ask = (token: string) => requestTicket(url, token);
    const probe = healthProbe(url);

    const floodSize = sized(PER_TENANT * 3, PER_TENANT * 10);
    const greedy = await tokenOf('ten_greedy');
    const flood = await mapLimit(Array.from({ length: floodSize }), 4, () => ask(greedy));
    const other = await ask(await tokenOf('ten_modest'));
    // The other tenant's ticket opens its stream while the greedy tenant sits at its quota.
    const controller = new AbortController();
    const stream = await fetch(
      `${url}/v1/notifications/stream?ticket=${encodeURIComponent(other.ticket ?? '')}`,
      { signal: controller.signal },
    );
    controller.abort();
    // Fill the rest of the global bound with other tenants, then one more tenant is refused.
    const fillers = Array.from({ length: GLOBAL / PER_TENANT - 1 }, (_, i) => `ten_fill${i}`);
    const fill = await mapLimit(fillers, 4, async (tenantId) => {
      const token = await tokenOf(tenantId);
      return mapLimit(Array.from({ length: PER_TENANT }), 4, () => ask(token));
    });
    const late = await ask(await tokenOf('ten_late'));
    const healthz = await probe.stop();

    const issued = flood.filter((a) => a.status === 200);
    const refused = flood.filter((a) => a.status === 429);
    const fillIssued = fill.flat().filter((a) => a.status === 200).length;
    report(
      { task },
      {
        check: 'Tickets',
        name: 'ticket flooding',
        summary:
          `one tenant: ${issued.length} issued / ${refused.length} refused (quota ${PER_TENANT}); ` +
          `other tenant ${other.status}, its stream ${stream.status}; global ${GLOBAL}: next tenant ${late.status}; ` +
          `refusal p99 ${quantile(
            refused.map((a) => a.ms),
            0.99,
          ).toFixed(1)} ms vs issue p99 ` +
          `${quantile(
            issued.map((a) => a.ms),
            0.99,
          ).toFixed(1)} ms; /healthz max ${Math.max(...healthz).toFixed(1)} ms`,
        data: {
          flood: floodSize,
          issued: issued.length,
          refused: refused.length,
          issueMs: {
            p50: quantile(
              issued.map((a) => a.ms),
              0.5,
            ),
            p99: quantile(
              issued.map((a) => a.ms),
              0.99,
            ),
          },
          refusalMs: {
            p50: quantile(
              refused.map((a) => a.ms),
              0.5,
            ),
            p99: quantile(
              refused.map((a) => a.ms),
              0.99,
            ),
          },
          healthzMs: {
            p50: quantile(healthz, 0.5),
            p99: quantile(healthz, 0.99),
            max: Math.max(...healthz),
            n: healthz.length,
          },
          otherTenant: other.status,
          otherStream: stream.status,
          globalFill: fillIssued,
          lateTenant: late.status,
        },
      },
    );
    expect(issued).toHaveLength(PER_TENANT);
    expect(refused).toHaveLength(floodSize - PER_TENANT);
    expect(new Set(refused.map((a) => a.code))).toEqual(new Set(['too_many_tickets']));
    expect(refused.every((a) => /^\d+$/.test(a.retryAfter ?? ''))).toBe(true);
    expect(other.status).toBe(200);
    expect(stream.status).toBe(200);
    expect(fillIssued).toBe(GLOBAL - PER_TENANT);
    expect(late).toMatchObject({ status: 429, code: 'too_many_tickets' });
  });
});
