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
  /** Where `token` came from, for messages (`--token`, `CAUSEFLOW_TOKEN`); absent: the dev file. */
  readonly tokenFrom?: '--token' | 'CAUSEFLOW_TOKEN' | undefined;
  /** `--since <cursor>`: page what was missed over REST first, then follow live. */
  readonly since?: string | undefined;
  /** `--forward-to <url>`: POST every event there, signed like a real webhook delivery. */
  readonly forwardTo?: string | undefined;
  /** `--secret whsec_…` for `--forward-to`; one is generated (and printed) when absent. */
  readonly secret?: string | undefined;
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
  --last-event-id <id>   resume the stream after this cursor
  --since <cursor>       print what was missed after this cursor (REST catch-up), then follow live
  --forward-to <url>     POST every event to this URL, signed like a real webhook delivery
                         (Standard Webhooks headers), to develop a webhook handler locally
  --secret <whsec_…>     the signing secret for --forward-to (default: a new one, printed)
  --json                 one JSON event per line (NDJSON)
  --no-color             no colours (also NO_COLOR=1, or when stdout is not a terminal)
  -h, --help             this help
`;

const SECRET_PATTERN = /^whsec_[A-Za-z0-9+/]+={0,2}$/;

function parseUrl(text: string, flag: string): URL {
  try {
    return new URL(text);
  } catch {
    throw new TypeError(`${flag}: not a URL: ${text}`);
  }
}

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
      since: { type: 'string' },
      'forward-to': { type: 'string' },
      secret: { type: 'string' },
      json: { type: 'boolean', default: false },
      color: { type: 'boolean' },
      'no-color': { type: 'boolean' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  const url = values.url ?? env.CAUSEFLOW_URL ?? DEFAULT_URL;
  parseUrl(url, '--url');
  const forwardTo = values['forward-to'];
  if (forwardTo !== undefined && !/^https?:$/.test(parseUrl(forwardTo, '--forward-to').protocol)) {
    throw new TypeError(`--forward-to: not an http(s) URL: ${forwardTo}`);
  }
  if (values.secret !== undefined && !SECRET_PATTERN.test(values.secret)) {
    throw new TypeError('--secret: expected whsec_ followed by base64 (as the server issues them)');
  }
  if (values.secret !== undefined && forwardTo === undefined) {
    throw new TypeError('--secret: only meaningful with --forward-to');
  }
  if (values.since !== undefined && values['last-event-id'] !== undefined) {
    throw new TypeError('--since and --last-event-id: give one of them');
  }
  const events = parseEvents(values.events);
  const noColor = values['no-color'] === true || (env.NO_COLOR ?? '') !== '';
  const envToken = env.CAUSEFLOW_TOKEN || undefined;
  return {
    url,
    token: values.token ?? envToken,
    tokenFrom: values.token !== undefined ? '--token' : envToken ? 'CAUSEFLOW_TOKEN' : undefined,
    since: values.since,
    forwardTo,
    secret: values.secret,
    events: events && events.length > 0 ? events : undefined,
    incidentId: values.incident,
    lastEventId: values['last-event-id'],
    json: values.json,
    color: values.color ?? (!noColor && (isTTY || (env.FORCE_COLOR ?? '') !== '')),
    help: values.help,
  };
}
