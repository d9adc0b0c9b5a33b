/**
 * One cursor on two channels, on one server with the memory log: stream → REST and REST → stream
 * with no gap and no duplicate while events keep being published, and the "Done when".
 */
import { EventSource } from 'eventsource';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../src/testing.js';
import {
  doneWhen,
  EVERYTHING,
  type HandoverSetup,
  restThenStream,
  type ScenarioFilter,
  streamThenRest,
} from './handover.support.js';
import { incidentCreated, until } from './helpers.js';
import { page, READ_SCOPE } from './rest.support.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

let tenants = 0;

async function setup(): Promise<HandoverSetup & { server: TestServer }> {
  const server = await startTestServer();
  cleanups.push(() => server.close());
  const tenant = `ten_handover_${++tenants}`;
  return {
    server,
    tenant,
    token: await server.token({ tenantId: tenant, scope: READ_SCOPE }),
    publish: (events) => server.publish(events),
    log: server.log,
    restUrls: [server.url],
    streamUrl: server.url,
    cleanup: (fn) => cleanups.push(fn),
  };
}

const INCIDENTS: ScenarioFilter = {
  query: { events: 'incident.*' },
  matches: (event) => event.event.startsWith('incident.'),
};

describe('hand-over between the stream and REST (memory log)', () => {
  it('stream → REST: resuming REST from the last id: loses and repeats nothing while events keep coming', async () => {
    await streamThenRest(await setup(), EVERYTHING);
  });

  it('stream → REST with events=incident.*: the filtered channels join exactly', async () => {
    await streamThenRest(await setup(), INCIDENTS);
  });

  it('REST → stream: the last page’s next as Last-Event-ID loses and repeats nothing while events keep coming', async () => {
    await restThenStream(await setup(), EVERYTHING);
  });

  it('REST → stream with events=incident.*: a next that points at a skipped event resumes exactly', async () => {
    await restThenStream(await setup(), INCIDENTS);
  });

  it('done when: 50 published, 20 read with limit=20, next as Last-Event-ID streams exactly the other 30, then live', async () => {
    await doneWhen(await setup());
  });

  it('done when, with the eventsource package as the stream client', async () => {
    const s = await setup();
    const stored = await s.publish(
      Array.from({ length: 50 }, (_, i) => incidentCreated(s.tenant, i + 1)),
    );
    const first = await page(s.server.url, s.token, { limit: '20' });
    const received: MessageEvent[] = [];
    const es = new EventSource(`${s.server.url}/v1/notifications/stream`, {
      fetch: (input, init) =>
        fetch(input, {
          ...init,
          headers: {
            ...init.headers,
            Authorization: `Bearer ${s.token}`,
            'Last-Event-ID': first.next!,
          },
        }),
    });
    cleanups.push(() => es.close());
    es.addEventListener('incident.created', (e) => received.push(e));
    await until(() => received.length >= 30, 5000, 'the other 30 events');
    const [live] = await s.publish([incidentCreated(s.tenant, 51)]);
    await until(() => received.some((e) => e.lastEventId === live!.cursor), 5000, 'a live event');
    expect(received.map((e) => e.lastEventId)).toEqual(
      [...stored.slice(20), live!].map((e) => e.cursor),
    );
    expect(received.map((e) => JSON.parse(e.data))).toEqual(
      [...stored.slice(20), live!].map((e) => e.event),
    );
  });
});
