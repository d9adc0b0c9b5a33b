/**
 * `openStream`: the fetch-streaming transport (Node 20 and browsers). Sends the bearer token as a
 * header, resumes with `Last-Event-ID`, and reconnects after every drop, clean closes included.
 */
import { backoffDelay, DEFAULT_BACKOFF } from './backoff.js';
import { CauseFlowStreamError, errorFromResponse } from './errors.js';
import {
  type CommonStreamOptions,
  closeOnAbort,
  createWatchdog,
  endpointUrl,
  resolveToken,
  STREAM_PATH,
  sleep,
  withQuery,
} from './shared.js';
import { createSseDecoder } from './sse.js';
import { CauseFlowStream, type StreamController } from './stream.js';

/** Options of `openStream`. */
export type OpenStreamOptions = CommonStreamOptions;

/** What one connection attempt ended with. */
interface AttemptOutcome {
  /** At least one message (event or ping) arrived. */
  readonly receivedData: boolean;
  readonly error?: CauseFlowStreamError;
}

/**
 * Opens a typed, self-healing CauseFlow event stream over fetch.
 * @example
 * const stream = openStream({ url: 'https://api.causeflow.ai', token: () => auth.getToken(), events: ['incident.*'] });
 * stream.on('incident.created', (e) => page(e.data.title));
 */
export function openStream(options: OpenStreamOptions): CauseFlowStream {
  const stream = new CauseFlowStream((controller) => runFetchTransport(options, controller), {
    validate: options.validate ?? true,
    lastEventId: options.lastEventId,
  });
  closeOnAbort(stream, options.signal);
  return stream;
}

async function runFetchTransport(
  options: OpenStreamOptions,
  controller: StreamController,
): Promise<void> {
  const fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
  const heartbeatMs = options.heartbeatMs ?? 30_000;
  const maxMs = options.backoff?.maxMs ?? DEFAULT_BACKOFF.maxMs;
  const base = { initialMs: options.backoff?.initialMs ?? DEFAULT_BACKOFF.initialMs };
  const streamUrl = withQuery(endpointUrl(options.url, STREAM_PATH), options);
  let attempt = 0;
  let first = true;

  while (!controller.signal.aborted) {
    controller.state(first ? 'connecting' : 'reconnecting');
    first = false;
    const outcome = await connectOnce();
    if (controller.signal.aborted) return;
    if (outcome.receivedData) attempt = 0;
    if (outcome.error) controller.error(outcome.error);
    controller.state('reconnecting');
    const delay =
      (outcome.error?.retryAfterMs ?? 0) +
      backoffDelay(attempt, { initialMs: base.initialMs, maxMs });
    attempt += 1;
    await sleep(delay, controller.signal);
  }

  async function request(connection: AbortController): Promise<Response | CauseFlowStreamError> {
    let token: string;
    try {
      token = await resolveToken(options.token);
    } catch (cause) {
      return new CauseFlowStreamError('the token function failed', { code: 'token_error', cause });
    }
    const headers: Record<string, string> = {
      accept: 'text/event-stream',
      authorization: `Bearer ${token}`,
    };
    if (controller.lastEventId !== undefined) headers['last-event-id'] = controller.lastEventId;
    try {
      return await fetchImpl(streamUrl, { headers, signal: connection.signal });
    } catch (cause) {
      return new CauseFlowStreamError(`cannot connect to ${streamUrl.origin}`, {
        code: 'network_error',
        cause,
      });
    }
  }

  async function connectOnce(): Promise<AttemptOutcome> {
    const connection = new AbortController();
    const onClose = () => connection.abort();
    controller.signal.addEventListener('abort', onClose, { once: true });
    try {
      let res = await request(connection);
      if (
        !(res instanceof CauseFlowStreamError) &&
        res.status === 401 &&
        !controller.signal.aborted
      ) {
        // The token may just have expired: ask for a fresh one once, right away.
        await res.body?.cancel().catch(() => {});
        res = await request(connection);
      }
      if (res instanceof CauseFlowStreamError) return { receivedData: false, error: res };
      if (!res.ok) {
        const error = await errorFromResponse(res);
        if (error.fatal) throw error;
        return { receivedData: false, error };
      }
      const type = res.headers.get('content-type') ?? '';
      if (!type.toLowerCase().startsWith('text/event-stream') || !res.body) {
        await res.body?.cancel().catch(() => {});
        return {
          receivedData: false,
          error: new CauseFlowStreamError(`expected text/event-stream, got "${type}"`, {
            code: 'bad_response',
            status: res.status,
          }),
        };
      }
      controller.state('open');
      return await readBody(res.body, connection);
    } finally {
      controller.signal.removeEventListener('abort', onClose);
      connection.abort();
    }
  }

  async function readBody(
    body: ReadableStream<Uint8Array>,
    connection: AbortController,
  ): Promise<AttemptOutcome> {
    let receivedData = false;
    let idle = false;
    const watchdog = createWatchdog(heartbeatMs * 2.5, () => {
      idle = true;
      connection.abort();
    });
    const decoder = createSseDecoder({
      onMessage: (message) => {
        receivedData = true;
        watchdog.kick();
        controller.message(message);
      },
      onRetry: (ms) => {
        base.initialMs = ms;
      },
      onComment: () => watchdog.kick(),
    });
    const reader = body.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        decoder.push(value);
        const drained = controller.drained();
        if (drained !== undefined) {
          watchdog.stop();
          await drained;
          watchdog.kick();
        }
      }
      decoder.end();
      return { receivedData };
    } catch (cause) {
      if (controller.signal.aborted) return { receivedData };
      if (idle) {
        return {
          receivedData,
          error: new CauseFlowStreamError(`no event or ping for ${heartbeatMs * 2.5} ms`, {
            code: 'heartbeat_timeout',
          }),
        };
      }
      return {
        receivedData,
        error: new CauseFlowStreamError('the stream broke', { code: 'network_error', cause }),
      };
    } finally {
      watchdog.stop();
      await reader.cancel().catch(() => {});
    }
  }
}
