/**
 * The body of `causeflow-tail`, with its outputs and stop signal injected so it runs in tests.
 */
import { readFile } from 'node:fs/promises';
import { openStream } from '../open-stream.js';
import { DEV_TOKEN_FILE, type TailConfig } from './config.js';
import { formatLine } from './format.js';

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
    throw new Error(
      `no token: pass --token or set CAUSEFLOW_TOKEN (or start the stream server in dev mode, which writes ${DEV_TOKEN_FILE})`,
      { cause },
    );
  }
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
  const readDevToken = io.readDevToken ?? readDevTokenFile;
  const stream = openStream({
    url: config.url,
    // Re-read on every connect, so a restarted dev server's new token is picked up.
    token: config.token ?? readDevToken,
    signal: io.signal,
    ...(config.events ? { events: config.events } : {}),
    ...(config.incidentId ? { incidentId: config.incidentId } : {}),
    ...(config.lastEventId ? { lastEventId: config.lastEventId } : {}),
  });
  const note = (text: string) => io.stderr.write(`${text}\n`);
  stream.on('*', (event) => {
    io.stdout.write(`${config.json ? JSON.stringify(event) : formatLine(event, config)}\n`);
  });
  stream.on('state', (state) => {
    if (state === 'open') note(`# connected to ${config.url}`);
    if (state === 'reconnecting')
      note(`# reconnecting (last event id: ${stream.lastEventId ?? 'none'})`);
  });
  stream.on('error', (error) => {
    note(`# ${error.fatal ? 'fatal' : 'error'}: ${error.message}${rootCause(error)}`);
  });
  stream.on('reset', (reset) => note(`# stream reset (${reset.reason}): ${reset.message}`));
  stream.on('invalid', ({ errors }) =>
    note(`# invalid event: ${errors.map((e) => `${e.path || '(root)'} ${e.message}`).join('; ')}`),
  );
  stream.on('unknown', ({ event }) => note(`# unknown event "${event}" (newer server?)`));
  const fatal = await stream.finished;
  return fatal ? 1 : 0;
}
