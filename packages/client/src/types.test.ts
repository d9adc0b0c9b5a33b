import type { CauseFlowEvent, EventOf, StreamResetData, ValidationIssue } from '@causeflow/events';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { CauseFlowStreamError } from './errors.js';
import { openStream } from './open-stream.js';
import { type EventPage, listEvents, type PagedEvent } from './rest.js';
import type { StreamState, UnknownEvent } from './stream.js';
import { verifyWebhook, type WebhookErrorCode, type WebhookVerificationError } from './webhooks.js';

// A stream that never connects: closed before its transport starts.
function closedStream() {
  const signal = AbortSignal.abort();
  return openStream({ url: 'http://127.0.0.1:1', token: 't', signal });
}

describe('handler types', () => {
  it('types each handler from the event catalog and the stream events', () => {
    const stream = closedStream();
    stream.on('remediation.approved', (e) => {
      expectTypeOf(e.data.approvedBy).toEqualTypeOf<string>();
      expectTypeOf(e).toEqualTypeOf<EventOf<'remediation.approved'>>();
    });
    stream.on('incident.*', (e) => {
      expectTypeOf(e.event).toEqualTypeOf<'incident.created' | 'incident.status_changed'>();
      expectTypeOf(e.data.incidentId).toEqualTypeOf<string>();
    });
    stream.on('*', (e) => expectTypeOf(e).toEqualTypeOf<CauseFlowEvent>());
    stream.on('reset', (d) => expectTypeOf(d).toEqualTypeOf<StreamResetData>());
    stream.on('invalid', ({ raw, errors }) => {
      expectTypeOf(raw).toEqualTypeOf<string>();
      expectTypeOf(errors).toEqualTypeOf<readonly ValidationIssue[]>();
    });
    stream.on('unknown', (u) => expectTypeOf(u).toEqualTypeOf<UnknownEvent>());
    stream.on('state', (s) => expectTypeOf(s).toEqualTypeOf<StreamState>());
    stream.on('error', (err) => expectTypeOf(err).toEqualTypeOf<CauseFlowStreamError>());
    const off = stream.on('user.created', () => {});
    expectTypeOf(off).toEqualTypeOf<() => void>();
    // @ts-expect-error an event name that is not in the catalog
    stream.on('incident.exploded', () => {});
    // @ts-expect-error a domain wildcard of a domain that does not exist
    stream.on('billing.*', () => {});
    stream.on('remediation.approved', (e) => {
      // @ts-expect-error remediation.approved has no title
      void e.data.title;
    });
    expect(stream.state).toBe('closed');
  });

  it('iterates CauseFlowEvent and exposes the cursor', async () => {
    const stream = closedStream();
    const received: CauseFlowEvent[] = [];
    for await (const e of stream) {
      expectTypeOf(e).toEqualTypeOf<CauseFlowEvent>();
      received.push(e);
    }
    expectTypeOf(stream.lastEventId).toEqualTypeOf<string | undefined>();
    expect(received).toEqual([]);
  });

  it('accepts a string or a (possibly async) function as the token', () => {
    expectTypeOf(openStream)
      .parameter(0)
      .toHaveProperty('token')
      .toEqualTypeOf<string | (() => string | Promise<string>)>();
    // @ts-expect-error the token must be a string or a function
    openStream({ url: 'http://127.0.0.1:1', token: 42, signal: AbortSignal.abort() });
  });
});

describe('REST and webhook types', () => {
  it('types listEvents as an awaitable first page and an async iterable of pages of typed events', () => {
    expectTypeOf(listEvents).returns.resolves.toEqualTypeOf<EventPage>();
    expectTypeOf(listEvents).returns.toExtend<AsyncIterable<EventPage>>();
    expectTypeOf<EventPage['events'][number]>().toEqualTypeOf<PagedEvent>();
    expectTypeOf<PagedEvent['event']>().toEqualTypeOf<CauseFlowEvent>();
    expectTypeOf<EventPage['next']>().toEqualTypeOf<string | undefined>();
  });

  it('types verifyWebhook as resolving to the event union, with typed refusal codes', () => {
    expectTypeOf(verifyWebhook).returns.resolves.toEqualTypeOf<CauseFlowEvent>();
    expectTypeOf<WebhookVerificationError['code']>().toEqualTypeOf<WebhookErrorCode>();
    expectTypeOf(verifyWebhook).parameter(2).toEqualTypeOf<string | readonly string[]>();
    // @ts-expect-error the secret is required
    void (() => verifyWebhook('{}', {}));
  });
});

describe('the events option', () => {
  it('accepts only catalog event names and domain wildcards', () => {
    type Events = NonNullable<Parameters<typeof openStream>[0]['events']>;
    expectTypeOf<['incident.*', 'remediation.approved']>().toExtend<Events>();
    expectTypeOf<['remediation.aproved']>().not.toExtend<Events>();
    const options: Parameters<typeof openStream>[0] = {
      url: 'http://x',
      token: 't',
      // @ts-expect-error a misspelt event name is a compile error
      events: ['remediation.aproved'],
    };
    expect(options.url).toBe('http://x');
  });
});
