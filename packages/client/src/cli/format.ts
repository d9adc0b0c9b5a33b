/**
 * How `causeflow-tail` prints: one line per event (time, name, incident, summary), coloured by
 * domain when colours are on. Pure functions.
 */
import { inspect } from 'node:util';
import type { CauseFlowEvent } from '@causeflow/events';

type Style = 'red' | 'yellow' | 'magenta' | 'green' | 'blue' | 'cyan' | 'white' | 'gray' | 'dim';

/** Wraps `text` in the ANSI codes of `style` (our caller decides whether colours are on). */
function style(name: Style, text: string): string {
  const codes = inspect.colors[name];
  return codes ? `\u001b[${codes[0]}m${text}\u001b[${codes[1]}m` : text;
}

const DOMAIN_COLORS: Readonly<Record<string, Style>> = {
  incident: 'red',
  investigation: 'yellow',
  remediation: 'magenta',
  knowledge: 'green',
  integration: 'blue',
  trigger: 'blue',
  tenant: 'cyan',
  user: 'cyan',
};

const SUMMARY_KEYS = [
  'title',
  'message',
  'rootCause',
  'summary',
  'matchedTitle',
  'reason',
  'name',
  'email',
] as const;

/**
 * A short human summary of an event's data: its title/message/rootCause/summary…, a status
 * transition, or a few scalar fields.
 * @example
 * summarize(incidentCreated); // '[critical] Checkout service returning 503 for EU customers'
 */
export function summarize(event: CauseFlowEvent): string {
  const data = event.data as unknown as Record<string, unknown>;
  const severity = typeof data.severity === 'string' ? `[${data.severity}] ` : '';
  const from = data.previousStatus ?? data.previousPlan ?? data.previousRole;
  const to = data.newStatus ?? data.newPlan ?? data.newRole;
  if (typeof from === 'string' && typeof to === 'string') return `${from} → ${to}`;
  for (const key of SUMMARY_KEYS) {
    const value = data[key];
    if (typeof value === 'string' && value !== '') return `${severity}${value}`;
  }
  const fields = Object.entries(data)
    .filter(
      ([key, value]) =>
        !key.endsWith('Id') && ['string', 'number', 'boolean'].includes(typeof value),
    )
    .slice(0, 3)
    .map(([key, value]) => `${key}=${String(value)}`);
  return `${severity}${fields.join(' ')}`;
}

/** `HH:MM:SS.mmm` of an RFC 3339 timestamp, in UTC (the input as is when unparseable). */
export function timeOf(timestamp: string): string {
  const ms = Date.parse(timestamp);
  return Number.isNaN(ms) ? timestamp : new Date(ms).toISOString().slice(11, 23);
}

/**
 * One output line for an event (no trailing newline).
 * @example
 * formatLine(event, { color: false }); // '14:30:00.000  incident.created  inc_01JX  [critical] Checkout …'
 */
export function formatLine(event: CauseFlowEvent, options: { color: boolean }): string {
  const paint = (name: Style, text: string) => (options.color ? style(name, text) : text);
  const domain = event.event.slice(0, event.event.indexOf('.'));
  const incidentId = (event.data as { incidentId?: unknown }).incidentId;
  return [
    paint('gray', timeOf(event.timestamp)),
    paint(DOMAIN_COLORS[domain] ?? 'white', event.event.padEnd(34)),
    paint('dim', typeof incidentId === 'string' ? incidentId : '-'),
    summarize(event),
  ].join('  ');
}
