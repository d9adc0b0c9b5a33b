/**
 * The body of `causeflow-tail`, with its outputs and stop signal injected so it runs in tests.
 * It stops with exit code 1 when it cannot succeed by retrying: no token at all, or a token the
 * server refuses (saying where that token came from).
 */
import { readFile } from 'node:fs/promises';
import { CauseFlowStreamError } from '../errors.js';
import { openStream } from '../open-stream.js';
import { DEV_TOKEN_FILE, type TailConfig } from './config.js';
import { formatLine } from './format.js';
import { createForwarder } from './forward.js';

/** Where `runTail` writes, and what stops it. */
export interface TailIO {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
  readonly signal: AbortSignal;
  /** Reads the dev server's token; defaults to the file `DEV_TOKEN_FILE`. */
  readonly readDevToken?: () => Promise<string>;
}

async function readDevTokenFile(): Promise<string> {
  try {
    return (await readFile(DEV_TOKEN_FILE, 'utf8')).trim();
  } catch (cause) {
    throw new Error(`cannot read ${DEV_TOKEN_FILE}`, { cause });
  }
}

const NO_TOKEN = `no token: pass --token <jwt> or set CAUSEFLOW_TOKEN, or start the stream server in dev mode (pnpm start), which writes ${DEV_TOKEN_FILE}`;

/** The dev token reader as a token source: a missing file stops the stream with what to do. */
function devTokenSource(read: () => Promise<string>): () => Promise<string> {
  return async () => {
    const token = await read().catch((cause: unknown) => {
      throw new CauseFlowStreamError(NO_TOKEN, { code: 'token_error', fatal: true, cause });
    });
    if (token === '') {
      throw new CauseFlowStreamError(`${NO_TOKEN} (the file is empty)`, {
        code: 'token_error',
        fatal: true,
      });
    }
    return token;
  };
}

/** What to say when the server refuses the token twice in a row (fresh copy included). */
function refusedMessage(config: TailConfig, error: CauseFlowStreamError): string {
  const from = config.tokenFrom ?? DEV_TOKEN_FILE;
  const hint =
    config.tokenFrom === undefined
      ? `it was written by a dev server that is no longer the one at ${config.url} (restarted, or another one): start the dev server again, or pass --token`
      : `check that it is a token of the server at ${config.url}, not expired, with a tenantId`;
  return `the server refused the token from ${from} (${error.message}): ${hint}`;
}

/** The innermost cause of an error, as `: <code or message>` (empty when there is none). */
function rootCause(error: Error): string {
  let inner: unknown = error.cause;
  while (inner instanceof Error && inner.cause instanceof Error) inner = inner.cause;
  if (!(inner instanceof Error)) return '';
  return `: ${(inner as { code?: unknown }).code ?? inner.message}`;
}

/**
 * Follows the stream until `io.signal` aborts or a fatal error; resolves with the exit code.
 * @example
 * process.exitCode = await runTail(config, { stdout: process.stdout, stderr: process.stderr, signal });
 */
export async function runTail(config: TailConfig, io: TailIO): Promise<number> {
  const note = (text: string) => io.stderr.write(`${text}\n`);
  const lastEventId = config.since ?? config.lastEventId;
  const stream = openStream({
    url: config.url,
    // Re-read on every connect, so a restarted dev server's new token is picked up.
    token: config.token ?? devTokenSource(io.readDevToken ?? readDevTokenFile),
    signal: io.signal,
    ...(config.events ? { events: config.events } : {}),
    ...(config.incidentId ? { incidentId: config.incidentId } : {}),
    ...(lastEventId ? { lastEventId } : {}),
    ...(config.since !== undefined ? { catchUp: true } : {}),
  });
  const forward = config.forwardTo ? createForwarder(config, note) : undefined;
  let refused = false;
  stream.on('*', (event) => {
    io.stdout.write(`${config.json ? JSON.stringify(event) : formatLine(event, config)}\n`);
    forward?.send(event, stream.lastEventId);
  });
  stream.on('state', (state) => {
    if (state === 'open') note(`# connected to ${config.url}`);
    if (state === 'reconnecting' && !refused)
      note(`# reconnecting (last event id: ${stream.lastEventId ?? 'none'})`);
  });
  stream.on('error', (error) => {
    if (error.status === 401 && !refused) {
      // openStream already asked the token source again: retrying cannot help.
      refused = true;
      note(`# fatal: ${refusedMessage(config, error)}`);
      stream.close();
      return;
    }
    note(`# ${error.fatal ? 'fatal' : 'error'}: ${error.message}${rootCause(error)}`);
  });
  stream.on('reset', (reset) => note(`# stream reset (${reset.reason}): ${reset.message}`));
  stream.on('invalid', ({ errors }) =>
    note(`# invalid event: ${errors.map((e) => `${e.path || '(root)'} ${e.message}`).join('; ')}`),
  );
  stream.on('unknown', ({ event }) => note(`# unknown event "${event}" (newer server?)`));
  const fatal = await stream.finished;
  await forward?.idle();
  return fatal || refused ? 1 : 0;
}
