/**
 * The four hand-overs of issue #13 that involve webhooks (memory log and memory webhook storage,
 * a real receiver on loopback, `allowHttp` / `allowPrivate` as in dev mode):
 * - a `causeflow-cursor` header of a delivery resumes the stream (`Last-Event-ID`) and pages REST
 *   (`after=`);
 * - a cursor from a stream frame and from a REST page replays a webhook endpoint (`/replay`).
 * Events keep being published throughout; "no duplicate" is proven with a sentinel (publisher
 * stopped, sentinel published, read until it arrives), never with sleeps. Webhooks are at least
 * once by contract (receivers de-duplicate on `webhook-id`): where live delivery and a replay can
 * both carry an event, the test checks that every copy is identical, and that what only the
 * replay could deliver arrived exactly once.
 */
import type { StoredEvent } from '@causeflow/bus';
import { type ReceivedRequest, type Receiver, startReceiver } from '@causeflow/webhooks/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { CONFIG_DEFAULTS } from '../src/config.js';
import { startTestServer, type TestServer } from '../src/testing.js';
import {
  EVERYTHING,
  expectExactly,
  type HandoverSetup,
  keepPublishing,
  logAfter,
  sentinel,
  stream,
} from './handover.support.js';
import { until, userCreated } from './helpers.js';
import { page, READ_SCOPE } from './rest.support.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** One item as a consumer received it: its cursor and the envelope. */
interface Item {
  readonly cursor: string;
  readonly event: unknown;
}

/** A server with webhooks allowed to loopback over http, a receiver, and a registered endpoint. */
interface HookSetup extends HandoverSetup {
  readonly server: TestServer;
  readonly receiver: Receiver;
  /** The status the receiver answered each request with, by request index. */
  readonly answers: number[];
  /** While false the receiver answers 503 (it is "down"). */
  up: boolean;
  /** Registers the endpoint (every event) for the receiver; returns its id. */
  createEndpoint(): Promise<string>;
}

let tenants = 0;

async function hookSetup(options: { up: boolean }): Promise<HookSetup> {
  const server = await startTestServer({
    config: {
      webhooks: {
        ...CONFIG_DEFAULTS.webhooks,
        allowHttp: true,
        allowPrivate: true,
        // A failed attempt is not retried within a test: only a replay can deliver it again.
        retrySchedule: [3_600_000],
      },
    },
  });
  cleanups.push(() => server.close());
  const answers: number[] = [];
  const setup: HookSetup = {
    tenant: `ten_hook_${++tenants}`,
    token: '',
    server,
    answers,
    up: options.up,
    receiver: await startReceiver({
      respond: (_request, index) => {
        answers[index] = setup.up ? 200 : 503;
        return { status: answers[index] };
      },
    }),
    publish: (events) => server.publish(events),
    log: server.log,
    restUrls: [server.url],
    streamUrl: server.url,
    cleanup: (fn) => cleanups.push(fn),
    async createEndpoint() {
      const manage = await server.token({ tenantId: setup.tenant, scope: 'webhooks:manage' });
      const res = await fetch(`${server.url}/v1/webhooks`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${manage}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ url: `${setup.receiver.url}/hooks` }),
      });
      expect(res.status).toBe(201);
      return ((await res.json()) as { id: string }).id;
    },
  };
  cleanups.push(() => setup.receiver.close());
  (setup as { token: string }).token = await server.token({
    tenantId: setup.tenant,
    scope: READ_SCOPE,
  });
  return setup;
}

const cursorOf = (r: ReceivedRequest) => String(r.headers['causeflow-cursor']);
const asItem = (r: ReceivedRequest): Item => ({
  cursor: cursorOf(r),
  event: JSON.parse(r.body) as unknown,
});

/** The requests the receiver answered with 200. */
function accepted(setup: HookSetup): ReceivedRequest[] {
  return setup.receiver.requests.filter((_, i) => setup.answers[i] === 200);
}

/**
 * Waits, one delivery at a time, until `done(log after `after`, requests so far)` holds.
 * Event-driven: each round waits for the receiver's next request.
 */
async function untilDelivered(
  setup: HookSetup,
  after: string,
  what: string,
  done: (log: readonly StoredEvent[], requests: readonly ReceivedRequest[]) => boolean,
): Promise<readonly StoredEvent[]> {
  for (;;) {
    const log = await logAfter(setup.log, setup.tenant, after);
    if (done(log, setup.receiver.requests)) return log;
    await setup.receiver
      .waitFor(setup.receiver.requests.length + 1, () => true, 10_000)
      .catch((error: Error) => {
        throw new Error(`waiting for ${what}: ${error.message}`);
      });
  }
}

/** The longest run of the log (from its start) whose every event reached the receiver. */
function deliveredPrefix(log: readonly StoredEvent[], requests: readonly ReceivedRequest[]) {
  const got = new Set(requests.map(cursorOf));
  const end = log.findIndex((s) => !got.has(s.cursor));
  return log.slice(0, end === -1 ? log.length : end);
}

/** Webhook → stream or REST: resume from a delivery's `causeflow-cursor` header. */
async function webhookThen(setup: HookSetup, next: 'stream' | 'rest'): Promise<void> {
  const [start] = await setup.publish([userCreated(setup.tenant)]);
  await setup.createEndpoint();
  const publisher = keepPublishing(setup);
  // The consumer processed deliveries up to X, every one before it included (deliveries are not
  // ordered, so X is the end of the delivered run from the start).
  const log = await untilDelivered(
    setup,
    start!.cursor,
    'ten deliveries in a row (headers carrying the log cursors)',
    (l, requests) => deliveredPrefix(l, requests).length >= 10,
  );
  const run = deliveredPrefix(log, setup.receiver.requests);
  const byCursor = new Map(setup.receiver.requests.map((r) => [cursorOf(r), asItem(r)]));
  const fromHooks = run.map((s) => byCursor.get(s.cursor)!);
  const x = fromHooks.at(-1)!.cursor;
  const mark = sentinel(setup.tenant);
  const rest: Item[] = [];
  if (next === 'stream') {
    const live = await stream(setup, EVERYTHING, x);
    const seen = publisher.count();
    await until(() => publisher.count() >= seen + 10, 10_000, 'more events while streaming');
    await publisher.stop();
    await setup.publish([mark.event]);
    await live.waitFor(1, (m) => m.event === 'incident.created' && mark.is(JSON.parse(m.data)));
    expect(live.messages.some((m) => m.event === 'stream.reset')).toBe(false);
    rest.push(...live.events().map((m) => ({ cursor: m.id!, event: JSON.parse(m.data) })));
  } else {
    let after = x;
    for (let pages = 1; !rest.some((item) => mark.is(item.event)); pages++) {
      const p = await page(setup.restUrls[0]!, setup.token, { after, limit: '5' });
      expect(p.reset).toBe(false);
      rest.push(...p.events);
      after = p.next;
      if (pages === 1) {
        const seen = publisher.count();
        await until(() => publisher.count() >= seen + 10, 10_000, 'more events while paging');
      }
      if (pages === 3) {
        await publisher.stop();
        await setup.publish([mark.event]);
      }
      if (pages > 10_000) throw new Error('the sentinel never came');
    }
  }
  await expectExactly(setup, EVERYTHING, start!.cursor, [...fromHooks, ...rest]);
}

/**
 * Stream or REST → webhook replay. The receiver is down (503, no retry within the test) while the
 * consumer reads the stream or REST up to cursor C; once every event up to C and several after it
 * were attempted and failed, the receiver comes back and the consumer replays the endpoint from C.
 */
async function replayAfter(setup: HookSetup, from: 'stream' | 'rest'): Promise<void> {
  const [start] = await setup.publish([userCreated(setup.tenant)]);
  const endpoint = await setup.createEndpoint();
  const publisher = keepPublishing(setup);
  const taken: Item[] = [];
  if (from === 'stream') {
    const live = await stream(setup, EVERYTHING, start!.cursor);
    await live.waitFor(10, (m) => m.event === 'incident.created');
    taken.push(...live.events().map((m) => ({ cursor: m.id!, event: JSON.parse(m.data) })));
    live.close();
  } else {
    let after = start!.cursor;
    for (let pages = 0; pages < 3 || taken.length === 0; pages++) {
      const p = await page(setup.restUrls[0]!, setup.token, { after, limit: '5' });
      taken.push(...p.events);
      after = p.next;
    }
  }
  const c = taken.at(-1)!.cursor;
  // Every live attempt up to C, and at least 5 after it, failed: those after C can reach the
  // receiver only through the replay (no retry within the test).
  await untilDelivered(
    setup,
    start!.cursor,
    'failed attempts up to C and after',
    (log, requests) => {
      const attempted = new Set(requests.map(cursorOf));
      const upTo = log.findIndex((s) => s.cursor === c);
      return upTo >= 0 && deliveredPrefix(log, requests).length >= upTo + 6 && attempted.has(c);
    },
  );
  setup.up = true;
  const failedBeforeUp = new Set(setup.receiver.requests.map(cursorOf));
  const manage = await setup.server.token({ tenantId: setup.tenant, scope: 'webhooks:manage' });
  const replay = await fetch(`${setup.server.url}/v1/webhooks/${endpoint}/replay`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${manage}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ after: c }),
  });
  expect(replay.status).toBe(202);
  const seen = publisher.count();
  await until(() => publisher.count() >= seen + 10, 10_000, 'more events after the replay');
  await publisher.stop();
  const mark = sentinel(setup.tenant);
  await setup.publish([mark.event]);
  // No gap: every event after C, sentinel included, was accepted by the receiver.
  const afterC = await untilDelivered(setup, c, 'no gap: every event after C accepted', (log) => {
    const ok = new Set(accepted(setup).map(cursorOf));
    return log.some((s) => mark.is(s.event)) && log.every((s) => ok.has(s.cursor));
  });
  const ok = accepted(setup);
  const inRange = new Set(afterC.map((s) => s.cursor));
  // Nothing at or before C came back: the replay started strictly after the cursor.
  expect(ok.filter((r) => !inRange.has(cursorOf(r))).map(cursorOf)).toEqual([]);
  // What only the replay could deliver arrived exactly once.
  const replayOnly = afterC.filter((s) => failedBeforeUp.has(s.cursor));
  expect(replayOnly.length).toBeGreaterThanOrEqual(5);
  for (const s of replayOnly) {
    expect(
      ok.filter((r) => cursorOf(r) === s.cursor),
      s.cursor,
    ).toHaveLength(1);
  }
  // Live and replay copies of one event are identical (webhook-id, cursor, body): de-duplicating
  // on webhook-id, as receivers do, loses nothing.
  const byId = new Map<string, ReceivedRequest>();
  for (const r of ok) {
    const id = String(r.headers['webhook-id']);
    const first = byId.get(id);
    if (first === undefined) byId.set(id, r);
    else expect([cursorOf(r), r.body]).toEqual([cursorOf(first), first.body]);
  }
  const order = new Map(afterC.map((s, i) => [s.cursor, i]));
  const fromHooks = [...byId.values()]
    .map(asItem)
    .sort((a, b) => order.get(a.cursor)! - order.get(b.cursor)!);
  await expectExactly(setup, EVERYTHING, start!.cursor, [...taken, ...fromHooks]);
}

describe('hand-overs with webhooks: one cursor, no gap, no duplicate while events keep coming', () => {
  it("a delivery's causeflow-cursor resumes the stream as Last-Event-ID", async () => {
    await webhookThen(await hookSetup({ up: true }), 'stream');
  });

  it("a delivery's causeflow-cursor pages REST as after=", async () => {
    await webhookThen(await hookSetup({ up: true }), 'rest');
  });

  it("a stream frame's id replays a webhook endpoint (POST /v1/webhooks/{id}/replay)", async () => {
    await replayAfter(await hookSetup({ up: false }), 'stream');
  });

  it("a REST page's next replays a webhook endpoint (POST /v1/webhooks/{id}/replay)", async () => {
    await replayAfter(await hookSetup({ up: false }), 'rest');
  });
});
