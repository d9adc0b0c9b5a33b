#!/usr/bin/env node
/**
 * `causeflow-tail`: prints CauseFlow events as they arrive (a line each, or NDJSON with --json);
 * reconnects, resets and errors go to stderr. With no arguments it follows a local dev server.
 */
import { parseTailConfig, type TailConfig, USAGE } from './cli/config.js';
import { runTail } from './cli/run.js';

let config: TailConfig;
try {
  config = parseTailConfig(process.argv.slice(2), process.env, process.stdout.isTTY === true);
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n\n${USAGE}`);
  process.exit(2);
}
if (config.help) {
  process.stdout.write(USAGE);
} else {
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  process.exitCode = await runTail(config, {
    stdout: process.stdout,
    stderr: process.stderr,
    signal: controller.signal,
  });
  process.off('SIGINT', stop);
  process.off('SIGTERM', stop);
}
