#!/usr/bin/env node
/**
 * The stream-server process: load config, create the event log, build the app, listen, print the
 * dev banner (dev mode), run the simulator (when on), drain on SIGTERM/SIGINT.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createApp } from './app.js';
import { type Config, loadConfig } from './config.js';
import { DEV_TOKEN_FILE, removeDevToken, writeDevToken } from './devToken.js';
import { corruptCounter, createEventLog } from './eventLog.js';
import { createServerLogger } from './logger.js';
import { type Simulator, startSimulator } from './simulator.js';
import { signToken } from './tokens.js';

/** How long buffered log lines may take to reach stdout at exit. */
const LOG_FLUSH_TIMEOUT_MS = 1000;

async function devBanner(
  config: Config,
  url: string,
): Promise<{ text: string; tenantToken: string } | undefined> {
  if (config.auth.kind !== 'secret') return undefined;
  const day = 24 * 3600;
  const sign = (claims: Parameters<typeof signToken>[0]['claims']) =>
    signToken({
      secret: config.auth.kind === 'secret' ? config.auth.secret : '',
      claims,
      issuer: config.issuer,
      audience: config.audience,
    });
  const tenant = await sign({
    tenantId: 'ten_demo',
    sub: 'user_demo',
    scope: 'events:read',
    expiresInSeconds: day,
  });
  const publisher = await sign({
    tenantId: 'ten_demo',
    sub: 'svc_demo_publisher',
    scope: 'events:publish',
    expiresInSeconds: day,
  });
  const sample = JSON.stringify({
    event: 'incident.created',
    timestamp: '2024-04-01T14:30:00Z',
    tenantId: 'ten_demo',
    data: {
      incidentId: 'inc_EXAMPLE_01JX',
      title: 'Checkout latency',
      severity: 'high',
      status: 'open',
      source: 'manual',
    },
  });
  // webhooks (issue #12): a token to manage endpoints, for the one-curl registration below.
  const manager = await sign({
    tenantId: 'ten_demo',
    sub: 'user_demo',
    scope: 'webhooks:manage',
    expiresInSeconds: day,
  });
  const text = [
    '',
    'CauseFlow stream server — DEV MODE (ephemeral HS256 key; tokens valid 24h, only for this process)',
    '',
    `Tenant token (ten_demo, scope events:read):\n  ${tenant}`,
    `Publisher token (ten_demo, scope events:publish):\n  ${publisher}`,
    '',
    'Stream everything:',
    `  curl -N -H "Authorization: Bearer ${tenant}" ${url}/v1/notifications/stream`,
    'Stream only incidents and remediations:',
    `  curl -N -H "Authorization: Bearer ${tenant}" "${url}/v1/notifications/stream?events=incident.*,remediation.*"`,
    'Catch up over REST (pass "next" as after=, or as Last-Event-ID to the stream):',
    `  curl -H "Authorization: Bearer ${tenant}" "${url}/v1/events?limit=20"`,
    'Publish an event:',
    `  curl -X POST -H "Authorization: Bearer ${publisher}" -H "Content-Type: application/json" --data '${sample}' ${url}/v1/events`,
    'Receive webhooks on a local URL (deliveries are signed; the answer shows the whsec_ secret):',
    `  curl -X POST -H "Authorization: Bearer ${manager}" -H "Content-Type: application/json" --data '{"url":"http://127.0.0.1:3000/webhooks"}' ${url}/v1/webhooks`,
    '',
    `Tail it: pnpm --filter @causeflow/client tail (causeflow-tail reads the tenant token from ${DEV_TOKEN_FILE})`,
    config.docsDir !== undefined && existsSync(join(config.docsDir, 'index.html'))
      ? `Docs: ${url}/docs/ (catalog, code for every event, live page; "send example" publishes with a dev token)`
      : 'Docs: not built; pnpm start builds them, or pnpm --filter @causeflow/docs build (about a minute)',
    config.simulate
      ? 'Simulator: publishing incident lifecycles for ten_demo every 1–3 s.'
      : 'Simulator: off.',
    '',
  ].join('\n');
  return { text, tenantToken: tenant };
}

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    process.stderr.write(`causeflow-stream-server: ${(error as Error).message}\n`);
    process.exit(1);
  }
  const { logger, flush } = createServerLogger({ level: config.logLevel });
  // stdout may be a pipe whose reader is gone (the parent died): never crash on writing to it.
  process.stdout.on('error', () => {});
  /** Exits in bounded time whatever the state of stdout (see `logger.ts`). */
  const exit = (code: number): Promise<never> =>
    flush(LOG_FLUSH_TIMEOUT_MS).then(() => process.exit(code));
  // The log exists before the app (and its metrics): its corrupt-data reports are counted once
  // the app is built (nothing is read before that).
  const corrupt = corruptCounter();
  const log = await createEventLog({ config, logger, onCorrupt: corrupt.onCorrupt });
  const server = createApp({ config, log, logger });
  corrupt.attach(server.metrics);
  const running = await server.listen();
  // Signal handlers first: a SIGTERM right after start-up must drain, not kill the process.
  let devToken: string | undefined;
  let simulator: Simulator | undefined;
  const removeToken = async (): Promise<void> => {
    if (devToken === undefined) return;
    try {
      await removeDevToken(devToken);
    } catch (error) {
      logger.warn({ err: error, path: DEV_TOKEN_FILE }, 'could not remove the dev token file');
    }
  };
  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: draining streams');
    const force = setTimeout(() => {
      logger.warn('drain timed out; exiting');
      void exit(1);
    }, config.drainTimeoutMs + 2000);
    force.unref();
    simulator?.stop();
    running
      .close()
      .then(() => server.close())
      .then(() => log.close())
      .then(
        () => removeToken().then(() => exit(0)),
        (error: unknown) => {
          logger.error({ err: error }, 'error during shutdown');
          return removeToken().then(() => exit(1));
        },
      );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  // Dev mode: the tenant token goes where `causeflow tail` looks for it (removed on shutdown).
  if (config.devMode && !stopping) {
    const banner = await devBanner(config, running.url);
    if (banner !== undefined) {
      process.stdout.write(banner.text);
      try {
        await writeDevToken(banner.tenantToken);
        devToken = banner.tenantToken;
        logger.info({ path: DEV_TOKEN_FILE }, 'dev tenant token written');
      } catch (error) {
        logger.warn({ err: error, path: DEV_TOKEN_FILE }, 'could not write the dev token file');
      }
    }
  }
  if (config.simulate && !stopping)
    simulator = startSimulator({ log, logger: logger.child({ component: 'simulator' }) });

  logger.info(
    { url: running.url, bus: config.bus, devMode: config.devMode },
    'stream server listening',
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`causeflow-stream-server: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
