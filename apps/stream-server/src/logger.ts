/**
 * The server's pino logger and its bounded flush at exit.
 *
 * pino's default stdout destination registers an exit hook that flushes synchronously and retries
 * a failed write every 100 ms for ever: with stdout gone (a closed pipe, the parent died) a
 * SIGTERM'd server never exited. `flushLogger` flushes within a bound, then destroys the
 * destination so the hook finds nothing to do.
 */
import pino, { type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from './config.js';

/** Paths pino redacts from every line (defence in depth: nothing should put them there). */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  '*.authorization',
  '*.token',
  '*.ticket',
  'err.rawPacket',
  '*.rawPacket',
];

/** A logger plus the destination it writes to. */
export interface ServerLogger {
  readonly logger: Logger;
  /** Flushes what is buffered within `timeoutMs`, then closes the destination (idempotent). */
  flush(timeoutMs: number): Promise<void>;
}

/**
 * The logger of the server process: JSON lines to stdout (or `destination`), with the
 * `REDACTED_PATHS` removed.
 * @example
 * const { logger, flush } = createServerLogger({ level: 'info' });
 * await flush(1000); process.exit(0);
 */
export function createServerLogger(options: {
  level: LogLevel;
  destination?: DestinationStream;
}): ServerLogger {
  const destination = options.destination ?? pino.destination({ dest: 1, sync: false });
  const logger = pino({ level: options.level, redact: REDACTED_PATHS }, destination);
  let flushing: Promise<void> | undefined;
  return {
    logger,
    flush(timeoutMs) {
      flushing ??= flushDestination(destination, timeoutMs);
      return flushing;
    },
  };
}

interface SonicBoomLike {
  flush(cb: (error?: Error) => void): void;
  destroy(): void;
}

function isSonicBoom(stream: DestinationStream): stream is DestinationStream & SonicBoomLike {
  const candidate = stream as Partial<SonicBoomLike>;
  return typeof candidate.flush === 'function' && typeof candidate.destroy === 'function';
}

async function flushDestination(destination: DestinationStream, timeoutMs: number): Promise<void> {
  if (!isSonicBoom(destination)) return;
  let timer: ReturnType<typeof setTimeout> | undefined;
  await new Promise<void>((resolve) => {
    // Not unref'd: the process is exiting, and an empty loop would run pino's exit hook.
    timer = setTimeout(resolve, timeoutMs);
    try {
      destination.flush(() => resolve());
    } catch {
      resolve(); // not ready yet, or already destroyed
    }
  });
  clearTimeout(timer);
  try {
    // Marks it destroyed at once: pino's exit hook then skips its endless synchronous flush.
    destination.destroy();
  } catch {
    // already closed
  }
}
