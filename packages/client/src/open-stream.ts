/**
 * `openStream`: the fetch-streaming transport (Node 20 and browsers). Sends the bearer token as a
 * header, resumes with `Last-Event-ID`, and reconnects after every drop, clean closes included.
 */
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
  withQuery,
} from './shared.js';
import { createSseDecoder } from './sse.js';
import { CauseFlowStream, type StreamController } from './stream.js';

/** Options of `openStream`. */
export type OpenStreamOptions = CommonStreamOptions;

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

/** What one connection attempt of the fetch transport needs. */
interface FetchContext {
  readonly options: OpenStreamOptions;
  readonly controller: StreamController;
  readonly fetchImpl: typeof fetch;
  readonly streamUrl: URL;
  readonly heartbeatMs: number;
  /** The server's `retry:` field. */
  readonly setRetry: (ms: number) => void;
}

async function runFetchTransport(
  options: OpenStreamOptions,
  controller: StreamController,
): Promise<void> {
  const context: FetchContext = {
    options,
    controller,
    fetchImpl: options.fetch ?? globalThis.fetch.bind(globalThis),
    streamUrl: withQuery(endpointUrl(options.url, STREAM_PATH), options),
    heartbeatMs: options.heartbeatMs ?? 30_000,
    setRetry: (ms) => loop.setRetry(ms),
  };
  let caughtUp = false;
  const loop = runReconnectLoop({
    signal: controller.signal,
    backoff: options.backoff,
    connect: async () => {
      if (options.catchUp && !caughtUp) {
        await catchUpOverRest(options, controller);
        caughtUp = true;
      }
      return connectOnce(context);
    },
    state: (state) => controller.state(state),
    error: (error) => controller.error(error),
  });
  await loop.done;
}

/** One GET of the stream with a fresh token and `Last-Event-ID`; a transport error as a value. */
async function request(
  { options, controller, fetchImpl, streamUrl }: FetchContext,
  connection: AbortController,
): Promise<Response | CauseFlowStreamError> {
  let token: string;
  try {
    token = await resolveToken(options.token);
  } catch (cause) {
    return tokenError(cause);
  }
  const headers: Record<string, string> = {
    accept: 'text/event-stream',
    authorization: `Bearer ${token}`,
  };
  if (controller.lastEventId !== undefined) headers['last-event-id'] = controller.lastEventId;
  try {
    return await fetchImpl(streamUrl, { headers, signal: connection.signal });
  } catch (cause) {
    return await connectError(streamUrl, cause, fetchImpl);
  }
}

/** One connection: request (once more on a 401), check the response, read it until it ends. */
async function connectOnce(context: FetchContext): Promise<AttemptOutcome> {
  const { controller } = context;
  const connection = new AbortController();
  const onClose = () => connection.abort();
  controller.signal.addEventListener('abort', onClose, { once: true });
  try {
    let res = await request(context, connection);
    if (
      !(res instanceof CauseFlowStreamError) &&
      res.status === 401 &&
      !controller.signal.aborted
    ) {
      // The token may just have expired: ask for a fresh one once, right away.
      await res.body?.cancel().catch(() => {});
      res = await request(context, connection);
    }
    if (res instanceof CauseFlowStreamError) {
      if (res.fatal) throw res;
      return { receivedData: false, error: res };
    }
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
    return await readBody(context, res.body, connection);
  } finally {
    controller.signal.removeEventListener('abort', onClose);
    connection.abort();
  }
}

/** Decodes the body into messages (respecting the consumer's backpressure) under the heartbeat watchdog. */
async function readBody(
  { controller, heartbeatMs, setRetry }: FetchContext,
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
    onRetry: setRetry,
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
