import type { CauseFlowEvent } from '@causeflow/events';
import { describe, expect, it, vi } from 'vitest';
import { sample, waitFor } from '../test/fixtures.js';
import { CauseFlowStreamError } from './errors.js';
import { CauseFlowStream, type StreamController } from './stream.js';

/** A stream fed by hand: the test drives the controller. */
function manual(options: { validate?: boolean } = {}) {
  let controller!: StreamController;
  let fail!: (error: unknown) => void;
  const stream = new CauseFlowStream(
    (c) =>
      new Promise<void>((resolve, reject) => {
        controller = c;
        fail = reject;
        c.signal.addEventListener('abort', () => resolve());
      }),
    options,
  );
  return {
    stream,
    ready: () => waitFor(() => controller !== undefined),
    get: () => controller,
    fail: (e: unknown) => fail(e),
  };
}

const frame = (event: CauseFlowEvent, id?: string) => ({
  event: event.event,
  data: JSON.stringify(event),
  ...(id ? { id } : {}),
});

describe('CauseFlowStream', () => {
  it('delivers a valid event to its name, its domain wildcard, "*" and iterators, in that order', async () => {
    const m = manual();
    await m.ready();
    const seen: string[] = [];
    m.stream.on('incident.created', (e) => seen.push(`name:${e.data.title}`));
    m.stream.on('incident.*', (e) => seen.push(`domain:${e.event}`));
    m.stream.on('remediation.*', () => seen.push('wrong domain'));
    m.stream.on('*', (e) => seen.push(`all:${e.event}`));
    const iterator = m.stream[Symbol.asyncIterator]();
    m.get().message(frame(sample('incident.created', { title: 'T' }), 'c1'));
    expect(seen).toEqual(['name:T', 'domain:incident.created', 'all:incident.created']);
    expect((await iterator.next()).value?.event).toBe('incident.created');
    expect(m.stream.lastEventId).toBe('c1');
    m.stream.close();
  });

  it('routes a frame that is not JSON to "invalid" and keeps going', async () => {
    const m = manual();
    await m.ready();
    const invalid = vi.fn();
    const all = vi.fn();
    m.stream.on('invalid', invalid);
    m.stream.on('*', all);
    m.get().message({ event: 'incident.created', data: '{oops', id: 'c1' });
    m.get().message(frame(sample('incident.created')));
    expect(invalid).toHaveBeenCalledWith({
      raw: '{oops',
      event: 'incident.created',
      id: 'c1',
      errors: [{ path: '', keyword: 'json', message: 'is not valid JSON' }],
    });
    expect(all).toHaveBeenCalledTimes(1);
    m.stream.close();
  });

  it('routes an event that breaks its schema to "invalid" with JSON-pointer errors', async () => {
    const m = manual();
    await m.ready();
    const invalid = vi.fn();
    m.stream.on('invalid', invalid);
    const bad = sample('incident.created') as unknown as { data: { severity: string } };
    bad.data.severity = 'apocalyptic';
    m.get().message({ event: 'incident.created', data: JSON.stringify(bad) });
    expect(invalid.mock.calls[0]?.[0].errors).toContainEqual(
      expect.objectContaining({ path: '/data/severity' }),
    );
    m.stream.close();
  });

  it('passes schema-breaking events through when validation is off', async () => {
    const m = manual({ validate: false });
    await m.ready();
    const all = vi.fn();
    m.stream.on('*', all);
    const bad = sample('incident.created') as unknown as { data: { severity: string } };
    bad.data.severity = 'apocalyptic';
    m.get().message({ event: 'incident.created', data: JSON.stringify(bad) });
    expect(all.mock.calls[0]?.[0].data.severity).toBe('apocalyptic');
    m.stream.close();
  });

  it('rejects a frame whose SSE event field disagrees with the payload', async () => {
    const m = manual();
    await m.ready();
    const invalid = vi.fn();
    m.stream.on('invalid', invalid);
    m.get().message({
      event: 'incident.status_changed',
      data: JSON.stringify(sample('incident.created')),
    });
    expect(invalid.mock.calls[0]?.[0].errors[0].path).toBe('/event');
    m.stream.close();
  });

  it('passes events of a newer server on as "unknown"', async () => {
    const m = manual();
    await m.ready();
    const unknown = vi.fn();
    m.stream.on('unknown', unknown);
    const payload = {
      event: 'billing.invoiced',
      timestamp: '2024-04-01T10:00:00Z',
      tenantId: 'ten_1',
      data: { n: 1 },
    };
    m.get().message({ event: 'billing.invoiced', data: JSON.stringify(payload), id: 'c9' });
    expect(unknown).toHaveBeenCalledWith({ event: 'billing.invoiced', data: payload, id: 'c9' });
    expect(m.stream.lastEventId).toBe('c9');
    m.stream.close();
  });

  it('surfaces stream.reset on "reset" and swallows pings', async () => {
    const m = manual();
    await m.ready();
    const reset = vi.fn();
    const anything = vi.fn();
    m.stream.on('reset', reset);
    m.stream.on('*', anything);
    m.stream.on('unknown', anything);
    m.stream.on('invalid', anything);
    const data = { reason: 'unknown_cursor', lastEventId: 'old', message: 'resync' };
    m.get().message({ event: 'ping', data: '{"timestamp":"2024-04-01T10:00:00Z"}' });
    m.get().message({ event: 'stream.reset', data: JSON.stringify(data) });
    expect(reset).toHaveBeenCalledWith(data);
    expect(anything).not.toHaveBeenCalled();
    m.stream.close();
  });

  it('reports state changes once each and ends with closed', async () => {
    const m = manual();
    const states: string[] = [];
    m.stream.on('state', (s) => states.push(s));
    await m.ready();
    m.get().state('connecting');
    m.get().state('open');
    m.get().state('open');
    m.get().state('reconnecting');
    m.stream.close();
    m.get().state('open');
    expect(states).toEqual(['connecting', 'open', 'reconnecting', 'closed']);
    expect(m.stream.state).toBe('closed');
  });

  it('ends iteration on close and when the loop breaks', async () => {
    const m = manual();
    await m.ready();
    const received: string[] = [];
    const loop = (async () => {
      for await (const e of m.stream) received.push(e.event);
    })();
    m.get().message(frame(sample('user.created')));
    await waitFor(() => received.length === 1);
    m.stream.close();
    await loop;
    expect(received).toEqual(['user.created']);

    const n = manual();
    await n.ready();
    n.get().message(frame(sample('user.created')));
    const queued = (async () => {
      for await (const _ of n.stream) break;
    })();
    n.get().message(frame(sample('user.created')));
    await queued;
    expect(n.stream.state).toBe('closed');
  });

  it('rejects iteration and resolves finished with the fatal error', async () => {
    const m = manual();
    await m.ready();
    const errors = vi.fn();
    m.stream.on('error', errors);
    const loop = (async () => {
      for await (const _ of m.stream) {
        // nothing arrives
      }
    })();
    const fatal = new CauseFlowStreamError('HTTP 403', {
      code: 'forbidden',
      status: 403,
      fatal: true,
    });
    m.fail(fatal);
    await expect(loop).rejects.toBe(fatal);
    await expect(m.stream.finished).resolves.toBe(fatal);
    expect(errors).toHaveBeenCalledWith(fatal);
  });

  it('reports a throwing handler on "error" without disturbing other handlers', async () => {
    const m = manual();
    await m.ready();
    const errors: CauseFlowStreamError[] = [];
    const after = vi.fn();
    m.stream.on('error', (e) => {
      errors.push(e);
    });
    m.stream.on('*', () => {
      throw new Error('boom');
    });
    m.stream.on('*', after);
    m.get().message(frame(sample('user.created')));
    expect(after).toHaveBeenCalledTimes(1);
    expect(errors[0]?.code).toBe('handler_error');
    expect(errors[0]?.cause).toEqual(new Error('boom'));
    m.stream.close();
  });

  it('asks the transport to pause while an iterator has a large backlog', async () => {
    const m = manual();
    await m.ready();
    const iterator = m.stream[Symbol.asyncIterator]();
    for (let i = 0; i < 1100; i += 1) m.get().message(frame(sample('user.created')));
    const drained = m.get().drained();
    expect(drained).toBeInstanceOf(Promise);
    let released = false;
    void drained?.then(() => {
      released = true;
    });
    for (let i = 0; i < 600; i += 1) await iterator.next();
    await waitFor(() => released, 1000, 'drain');
    expect(m.get().drained()).toBeUndefined();
    m.stream.close();
  });
});
