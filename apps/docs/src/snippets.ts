/**
 * The code tabs of an event page: `curl`, browser `EventSource` with a ticket, TypeScript with
 * `@causeflow/client` (live and catching up) and Python with a plain line reader. Every snippet
 * reads the server's address from a placeholder (`CAUSEFLOW_URL`), never localhost, and is run
 * against a real server by the docs tests (test/snippets.test.ts, test/browser.test.ts).
 */
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the snippets are JavaScript source with template literals
import type { EventModel } from '@causeflow/codegen';

/** The base-URL placeholder every snippet and page uses (the tests substitute a real server). */
export const BASE_URL_PLACEHOLDER = 'https://causeflow.example.com';

/** The token placeholder of the browser snippet (your app supplies the user's token). */
export const BROWSER_TOKEN_PLACEHOLDER = '<your JWT with a tenantId claim>';

function isIdentifier(key: string): boolean {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key);
}

/** Up to three required payload fields of an event that are plain identifiers. */
export function requiredFields(event: EventModel, max = 3): string[] {
  const data = (event.schema.properties as Record<string, { required?: unknown }> | undefined)
    ?.data;
  const required = Array.isArray(data?.required) ? data.required.map(String) : [];
  return required.filter(isIdentifier).slice(0, max);
}

/**
 * `curl` that streams one event by name, with the token and the server from the environment.
 * @example curlSnippet(event); // 'curl -N -H "Authorization: Bearer $CAUSEFLOW_TOKEN" …'
 */
export function curlSnippet(event: EventModel): string {
  return [
    `# CAUSEFLOW_URL: your server, e.g. ${BASE_URL_PLACEHOLDER}`,
    '# CAUSEFLOW_TOKEN: a JWT with a tenantId claim',
    'curl -N -H "Authorization: Bearer $CAUSEFLOW_TOKEN" \\',
    `  "$CAUSEFLOW_URL/v1/notifications/stream?events=${event.name}"`,
  ].join('\n');
}

/**
 * Browser JavaScript with the native `EventSource`: a single-use ticket per connection (a fresh one
 * on every reconnect), resuming from the last cursor received.
 */
export function eventSourceSnippet(event: EventModel): string {
  const fields = requiredFields(event, 2);
  const log = fields.length > 0 ? fields.map((f) => `event.data.${f}`).join(', ') : 'event.data';
  return [
    `const CAUSEFLOW_URL = '${BASE_URL_PLACEHOLDER}';`,
    `const token = '${BROWSER_TOKEN_PLACEHOLDER}';`,
    '',
    '// A ticket is single-use and short-lived: get a fresh one for every (re)connection,',
    '// so the long-lived JWT never goes into a URL.',
    'async function ticket() {',
    '  const res = await fetch(`${CAUSEFLOW_URL}/v1/notifications/tickets`, {',
    `    method: 'POST',`,
    '    headers: { Authorization: `Bearer ${token}` },',
    '  });',
    '  if (!res.ok) throw new Error(`ticket: HTTP ${res.status}`);',
    '  return (await res.json()).ticket;',
    '}',
    '',
    `let lastEventId = ''; // the cursor of the last event received`,
    'async function connect() {',
    `  const query = new URLSearchParams({ events: '${event.name}', ticket: await ticket() });`,
    `  if (lastEventId) query.set('lastEventId', lastEventId);`,
    '  const source = new EventSource(`${CAUSEFLOW_URL}/v1/notifications/stream?${query}`);',
    `  source.addEventListener('${event.name}', (message) => {`,
    '    lastEventId = message.lastEventId;',
    '    const event = JSON.parse(message.data);',
    `    console.log(event.event, ${log});`,
    '  });',
    `  source.addEventListener('stream.reset', (message) => {`,
    `    console.warn('missed events, resynchronise:', JSON.parse(message.data).reason);`,
    '  });',
    '  source.onerror = () => {',
    '    // EventSource would retry with the used ticket: close it and reconnect with a new one.',
    '    source.close();',
    '    setTimeout(() => connect().catch(console.error), 1000);',
    '  };',
    '}',
    'connect().catch(console.error);',
  ].join('\n');
}

/**
 * A TypeScript snippet that subscribes to one event with `@causeflow/client` and reads up to
 * three of its required payload fields.
 */
export function clientSnippet(event: EventModel): string {
  const fields = requiredFields(event);
  const use = fields.join(', ');
  return [
    `import { openStream } from '@causeflow/client';`,
    '',
    'const stream = openStream({',
    `  url: process.env.CAUSEFLOW_URL ?? '${BASE_URL_PLACEHOLDER}',`,
    `  token: process.env.CAUSEFLOW_TOKEN ?? '', // a JWT with a tenantId claim`,
    `  events: ['${event.name}'],`,
    '});',
    '',
    `// event is typed as ${event.typeBase}Event: its data fields come from the schema.`,
    `stream.on('${event.name}', (event) => {`,
    ...(use
      ? [`  const { ${use} } = event.data;`, `  console.log(event.timestamp, ${use});`]
      : ['  console.log(event.timestamp, event.data);']),
    '});',
    `stream.on('reset', (reset) => console.warn('missed events, resynchronise:', reset.reason));`,
  ].join('\n');
}

/**
 * A TypeScript snippet that catches up on what was missed while offline (REST pages through
 * `listEvents`, then live with `openStream({ catchUp: true })`), from a saved cursor.
 */
export function catchUpSnippet(event: EventModel): string {
  return [
    `import { listEvents, openStream } from '@causeflow/client';`,
    '',
    `const url = process.env.CAUSEFLOW_URL ?? '${BASE_URL_PLACEHOLDER}';`,
    `const token = process.env.CAUSEFLOW_TOKEN ?? '';`,
    'const saved = process.env.LAST_CURSOR; // the last cursor you stored, if any',
    '',
    '// Read what was missed, page by page (GET /v1/events?after=…), without holding a stream open.',
    `for await (const page of listEvents({ url, token, after: saved, events: ['${event.name}'] })) {`,
    '  for (const { cursor, event } of page.events) console.log(cursor, event.event);',
    '}',
    '',
    '// Or in one call: page through REST first, then stream live from the last cursor, with no',
    '// gap and no duplicate at the switch.',
    'const stream = openStream({',
    '  url,',
    '  token,',
    `  events: ['${event.name}'],`,
    '  catchUp: true,',
    '  lastEventId: saved,',
    '});',
    `stream.on('${event.name}', (event) => console.log(stream.lastEventId, event.data));`,
  ].join('\n');
}

/**
 * Python 3 with the standard library only: a plain line reader of the SSE stream that prints the
 * cursor and fields of each event, and handles `stream.reset`.
 */
export function pythonSnippet(event: EventModel): string {
  const fields = requiredFields(event, 2);
  const values = fields.map((f) => `envelope["data"]["${f}"]`).join(', ');
  return [
    'import json, os, urllib.request',
    '',
    `url = os.environ.get("CAUSEFLOW_URL", "${BASE_URL_PLACEHOLDER}")`,
    'headers = {"Authorization": "Bearer " + os.environ["CAUSEFLOW_TOKEN"], "Accept": "text/event-stream"}',
    'if os.environ.get("LAST_CURSOR"):  # resume after the last cursor you stored',
    '    headers["Last-Event-ID"] = os.environ["LAST_CURSOR"]',
    `request = urllib.request.Request(url + "/v1/notifications/stream?events=${event.name}", headers=headers)`,
    '',
    'with urllib.request.urlopen(request) as response:',
    '    name, cursor, data = "", "", []',
    '    for raw in response:  # one line at a time',
    '        line = raw.decode("utf-8").rstrip("\\r\\n")',
    '        if line == "":  # a blank line ends a frame',
    `            if name == "${event.name}":`,
    '                envelope = json.loads("\\n".join(data))',
    `                print(cursor, envelope["event"]${values ? `, ${values}` : ''}, flush=True)`,
    '            elif name == "stream.reset":',
    '                print("missed events, resynchronise:", json.loads("\\n".join(data))["reason"], flush=True)',
    '            name, data = "", []',
    '            continue',
    '        field, _, value = line.partition(":")',
    '        value = value[1:] if value.startswith(" ") else value',
    '        if field == "event":',
    '            name = value',
    '        elif field == "data":',
    '            data.append(value)',
    '        elif field == "id":',
    '            cursor = value',
  ].join('\n');
}
