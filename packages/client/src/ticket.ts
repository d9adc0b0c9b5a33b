/**
 * `openEventSourceWithTicket`: the browser's native `EventSource`, which cannot send headers,
 * authenticated with a single-use ticket fetched with the bearer token (never the JWT in a URL).
 * Each reconnect fetches a new ticket and resumes with `lastEventId=`.
 */
import { EVENT_NAMES } from '@causeflow/events';
import { CauseFlowStreamError, connectError, errorFromResponse, tokenError } from './errors.js';
import { type AttemptOutcome, runReconnectLoop } from './reconnect.js';
import { catchUpOverRest } from './rest.js';
import {
  type CommonStreamOptions,
  closeOnAbort,
  createWatchdog,
  endpointUrl,
  resolveToken,
  STREAM_PATH,
  TICKETS_PATH,
  withQuery,
} from './shared.js';
import { CauseFlowStream, type StreamController } from './stream.js';

/** The parts of the `EventSource` constructor this helper uses. */
export type EventSourceConstructor = new (url: string | URL) => EventSource;

/** Options of `openEventSourceWithTicket`. */
export interface TicketStreamOptions extends CommonStreamOptions {
  /** The `EventSource` to use (default: the global one). */
  readonly EventSource?: EventSourceConstructor;
}

/** A ticket from `POST /v1/notifications/tickets`. */
export interface StreamTicket {
  readonly ticket: string;
  readonly expiresAt: string;
}

/**
 * Exchanges the bearer token for a single-use stream ticket; on 401 asks the token source once more.
 * @example
 * const { ticket } = await fetchTicket({ url: 'https://api.causeflow.ai', token });
 */
export async function fetchTicket(
  options: Pick<CommonStreamOptions, 'url' | 'token' | 'fetch'> & { signal?: AbortSignal },
): Promise<StreamTicket> {
  const fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
  const url = endpointUrl(options.url, TICKETS_PATH);
  const post = async () => {
    const token = await resolveToken(options.token).catch((cause: unknown) => {
      throw tokenError(cause);
    });
    return fetchImpl(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
      ...(options.signal ? { signal: options.signal } : {}),
    }).catch(async (cause: unknown) => {
      throw await connectError(url, cause, fetchImpl);
    });
  };
  let res = await post();
  if (res.status === 401) {
    await res.body?.cancel().catch(() => {});
    res = await post();
  }
  if (!res.ok) throw await errorFromResponse(res);
  const body = (await res.json().catch(() => undefined)) as Partial<StreamTicket> | undefined;
  if (typeof body?.ticket !== 'string') {
    throw new CauseFlowStreamError('the ticket response has no "ticket"', {
      code: 'bad_response',
      status: res.status,
    });
  }
  return { ticket: body.ticket, expiresAt: String(body.expiresAt ?? '') };
}

/**
 * Opens a `CauseFlowStream` over the browser's native `EventSource` using stream tickets.
 * Event names this client's catalog does not know cannot be received this way (EventSource needs
 * a listener per name); use `openStream` when that matters.
 * @example
 * const stream = openEventSourceWithTicket({ url: 'https://api.causeflow.ai', token: () => session.token });
 * stream.on('incident.created', (e) => render(e.data));
 */
export function openEventSourceWithTicket(options: TicketStreamOptions): CauseFlowStream {
  const stream = new CauseFlowStream((controller) => runTicketTransport(options, controller), {
    validate: options.validate ?? true,
    lastEventId: options.lastEventId,
  });
  closeOnAbort(stream, options.signal);
  return stream;
}

const LISTENED = [...EVENT_NAMES, 'ping', 'stream.reset', 'message'] as const;

async function runTicketTransport(
  options: TicketStreamOptions,
  controller: StreamController,
): Promise<void> {
  const EventSourceImpl = options.EventSource ?? globalThis.EventSource;
  if (typeof EventSourceImpl !== 'function') {
    throw new CauseFlowStreamError('no EventSource in this environment', {
      code: 'internal',
      fatal: true,
    });
  }
  const heartbeatMs = options.heartbeatMs ?? 30_000;
  const base = endpointUrl(options.url, STREAM_PATH);
  let caughtUp = false;
  const connect = async (): Promise<AttemptOutcome> => {
    if (options.catchUp && !caughtUp) {
      await catchUpOverRest(options, controller);
      caughtUp = true;
    }
    const { ticket } = await fetchTicket({ ...options, signal: controller.signal });
    if (controller.signal.aborted) return { receivedData: false };
    // Resume after the last cursor received so far (not the one the stream was opened with).
    const url = withQuery(base, options, { ticket, lastEventId: controller.lastEventId });
    const receivedData = await listen(new EventSourceImpl(url));
    if (controller.signal.aborted || receivedData) return { receivedData };
    return {
      receivedData,
      error: new CauseFlowStreamError('the EventSource failed', { code: 'network_error' }),
    };
  };
  await runReconnectLoop({
    signal: controller.signal,
    backoff: options.backoff,
    connect,
    state: (state) => controller.state(state),
    error: (error) => controller.error(error),
  }).done;

  /** Resolves when the EventSource errors, goes idle or the stream closes; true if data arrived. */
  function listen(source: EventSource): Promise<boolean> {
    return new Promise((resolve) => {
      let receivedData = false;
      const watchdog = createWatchdog(heartbeatMs * 2.5, () => {
        controller.error(
          new CauseFlowStreamError(`no event or ping for ${heartbeatMs * 2.5} ms`, {
            code: 'heartbeat_timeout',
          }),
        );
        finish();
      });
      const finish = () => {
        watchdog.stop();
        source.close();
        controller.signal.removeEventListener('abort', finish);
        resolve(receivedData);
      };
      controller.signal.addEventListener('abort', finish, { once: true });
      source.onopen = () => {
        watchdog.kick();
        controller.state('open');
      };
      // Native EventSource would retry with the same, already used ticket: close and take over.
      source.onerror = finish;
      for (const name of LISTENED) {
        source.addEventListener(name, (e) => {
          const message = e as MessageEvent<string>;
          receivedData = true;
          watchdog.kick();
          controller.message({
            ...(name === 'message' ? {} : { event: name }),
            ...(message.lastEventId ? { id: message.lastEventId } : {}),
            data: message.data,
          });
        });
      }
    });
  }
}
