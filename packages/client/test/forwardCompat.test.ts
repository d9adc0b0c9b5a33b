// An old client against a new server: events carrying a field this client's schemas do not know
// are delivered (kept on the event), never put on `invalid`; a removed required field still is.
import { afterEach, describe, expect, it } from 'vitest';
import { type CauseFlowStream, openStream } from '../src/index.js';
import { sample, waitFor } from './fixtures.js';
import { sseHead, startRawServer } from './raw-server.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('a client built against the previous schema version', () => {
  it('receives an event with a newly added optional field, and only puts a broken one on invalid', async () => {
    const newer = sample('incident.created', { title: 'newer' }) as unknown as {
      data: Record<string, unknown>;
    };
    newer.data.region = 'eu-west-1'; // added by the server's newer schema, optional
    const broken = sample('incident.created', { title: 'broken' }) as unknown as {
      data: Record<string, unknown>;
    };
    delete broken.data.severity; // a required field gone: that must stay an error
    const s = await startRawServer((_req, res) => {
      sseHead(res);
      res.write(`id: 1\nevent: incident.created\ndata: ${JSON.stringify(newer)}\n\n`);
      res.write(`id: 2\nevent: incident.created\ndata: ${JSON.stringify(broken)}\n\n`);
      res.write(`id: 3\nevent: user.created\ndata: ${JSON.stringify(sample('user.created'))}\n\n`);
    });
    cleanups.push(() => s.close());
    const stream: CauseFlowStream = openStream({ url: s.url, token: 'tok' });
    cleanups.push(() => stream.close());
    const invalid: string[] = [];
    const received: unknown[] = [];
    stream.on('invalid', (i) => invalid.push(`${i.id}:${i.errors.map((e) => e.path).join(',')}`));
    stream.on('*', (e) => received.push(e));
    await waitFor(() => received.length === 2, 5000, 'the two valid events');
    expect(invalid).toEqual(['2:/data/severity']);
    expect(received[0]).toEqual(newer);
  });
});
