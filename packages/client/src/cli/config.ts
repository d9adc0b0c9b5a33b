/**
 * Configuration of the `causeflow-tail` CLI from argv and the environment (the only place the
 * CLI reads either). Pure: the caller passes `argv` and `env`.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type EventPattern, isEventPattern, parseEventFilter } from '@causeflow/events';

/** Where a dev-mode stream server writes its tenant token, read when no token is given. */
export const DEV_TOKEN_FILE = join(tmpdir(), 'causeflow-dev-token');

/** The local dev-mode server. */
export const DEFAULT_URL = 'http://127.0.0.1:8080';

/** The resolved CLI configuration. */
export interface TailConfig {
  readonly url: string;
  /** Explicit token (`--token` or `CAUSEFLOW_TOKEN`); when absent the dev token file is read on every connect. */
  readonly token: string | undefined;
  readonly events: readonly EventPattern[] | undefined;
  readonly incidentId: string | undefined;
  readonly lastEventId: string | undefined;
  readonly json: boolean;
  readonly color: boolean;
  readonly help: boolean;
}

/** Usage text of `causeflow-tail`. */
export const USAGE = `Usage: causeflow-tail [options]

Prints CauseFlow events as they happen, one line each.

Options:
  --url <url>            server base URL (default ${DEFAULT_URL}, env CAUSEFLOW_URL)
  --token <jwt>          bearer token (env CAUSEFLOW_TOKEN; default: the dev server's token
                         from ${DEV_TOKEN_FILE})
  --events <list>        comma-separated names or domain wildcards, e.g. incident.*,remediation.approved
  --incident <id>        only events of this incident
  --last-event-id <id>   resume after this cursor
  --json                 one JSON event per line (NDJSON)
  --no-color             no colours (also NO_COLOR=1, or when stdout is not a terminal)
  -h, --help             this help
`;

/** `--events` text as typed patterns; a TypeError naming the ones that match no event. */
function parseEvents(text: string | undefined): EventPattern[] | undefined {
  if (text === undefined) return undefined;
  const parsed = parseEventFilter(text);
  if (!parsed.ok) {
    throw new TypeError(`--events: no event is named ${parsed.unknown.join(', ')}`);
  }
  return text
    .split(',')
    .map((s) => s.trim())
    .filter(isEventPattern);
}

/**
 * Parses argv (without the node and script entries) and env into a `TailConfig`; throws a
 * `TypeError` with a readable message on bad flags.
 * @example
 * const config = parseTailConfig(process.argv.slice(2), process.env, process.stdout.isTTY);
 */
export function parseTailConfig(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  isTTY = false,
): TailConfig {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      url: { type: 'string' },
      token: { type: 'string' },
      events: { type: 'string' },
      incident: { type: 'string' },
      'last-event-id': { type: 'string' },
      json: { type: 'boolean', default: false },
      color: { type: 'boolean' },
      'no-color': { type: 'boolean' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  const url = values.url ?? env.CAUSEFLOW_URL ?? DEFAULT_URL;
  try {
    new URL(url);
  } catch {
    throw new TypeError(`--url: not a URL: ${url}`);
  }
  const events = parseEvents(values.events);
  const noColor = values['no-color'] === true || (env.NO_COLOR ?? '') !== '';
  return {
    url,
    token: values.token ?? (env.CAUSEFLOW_TOKEN || undefined),
    events: events && events.length > 0 ? events : undefined,
    incidentId: values.incident,
    lastEventId: values['last-event-id'],
    json: values.json,
    color: values.color ?? (!noColor && (isTTY || (env.FORCE_COLOR ?? '') !== '')),
    help: values.help,
  };
}
