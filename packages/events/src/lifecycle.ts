/**
 * The incident lifecycle as data: the phases an incident goes through, in order, with the events
 * each one publishes. The dev-mode simulator walks this list and the docs render it, so the two
 * cannot disagree; `checkLifecycle` tells whether one incident's events follow it.
 */
import type { EventName, IncidentStatus } from './generated/types.js';

/** One event of a phase. `incident.status_changed` steps name the status they move to. */
export interface LifecycleEventStep {
  readonly event: EventName;
  /** For `incident.status_changed`: the `newStatus` of this step. */
  readonly status?: IncidentStatus;
  /** May be left out. */
  readonly optional?: boolean;
  /** May occur several times in a row. */
  readonly repeats?: boolean;
  /** When or why it happens, for the docs. */
  readonly note?: string;
}

/** Exactly one of several paths; each is a sequence of steps. */
export interface LifecycleBranchStep {
  readonly branches: readonly {
    /** When this path is taken, e.g. "approval required, approved". */
    readonly when: string;
    readonly steps: readonly LifecycleStep[];
  }[];
}

/** A step of a phase: one event, or a choice between paths. */
export type LifecycleStep = LifecycleEventStep | LifecycleBranchStep;

/** One phase of the lifecycle. */
export interface LifecyclePhase {
  readonly key: string;
  readonly title: string;
  readonly description: string;
  /** The whole phase may be skipped. */
  readonly optional?: boolean;
  /** The phase may run again right after itself (e.g. a second remediation attempt). */
  readonly repeats?: boolean;
  readonly steps: readonly LifecycleStep[];
}

const status = (to: IncidentStatus, extra: Partial<LifecycleEventStep> = {}) =>
  ({ event: 'incident.status_changed', status: to, ...extra }) as const;

/**
 * The phases of an incident, in order. Events of other domains (users, integrations, …) may be
 * interleaved; only the events of one incident (same `incidentId`) follow this order.
 * @example
 * for (const phase of INCIDENT_LIFECYCLE) console.log(phase.title, phase.steps.length);
 */
export const INCIDENT_LIFECYCLE = [
  {
    key: 'trigger',
    title: 'Alert received',
    description: 'An automation trigger receives the alert that opens the incident.',
    optional: true,
    steps: [{ event: 'trigger.event_received', note: 'only for automated incidents' }],
  },
  {
    key: 'open',
    title: 'Incident opened',
    description: 'The incident is created with status "open".',
    steps: [{ event: 'incident.created' }],
  },
  {
    key: 'investigation',
    title: 'Investigation',
    description: 'Agents investigate and report progress until they have a root cause.',
    steps: [
      status('investigating'),
      { event: 'investigation.progress', repeats: true },
      {
        event: 'investigation.known_solution_found',
        optional: true,
        note: 'when a known failure pattern matches',
      },
      { event: 'investigation.progress', optional: true, repeats: true },
      { event: 'investigation.completed' },
    ],
  },
  {
    key: 'remediation',
    title: 'Remediation',
    description: 'A fix is proposed, approved or rejected, and executed; repeated until it works.',
    repeats: true,
    steps: [
      { event: 'remediation.proposed' },
      {
        branches: [
          {
            when: 'approval required, approved',
            steps: [
              status('awaiting_approval'),
              { event: 'remediation.approved' },
              status('remediating'),
              { event: 'remediation.executed' },
              status('investigating', { optional: true, note: 'when the execution failed' }),
            ],
          },
          {
            when: 'approval required, rejected',
            steps: [
              status('awaiting_approval'),
              { event: 'remediation.rejected' },
              status('investigating'),
            ],
          },
          {
            when: 'no approval required',
            steps: [
              status('remediating'),
              { event: 'remediation.executed' },
              status('investigating', { optional: true, note: 'when the execution failed' }),
            ],
          },
        ],
      },
    ],
  },
  {
    key: 'resolution',
    title: 'Resolution',
    description: 'The incident is resolved and what was learned is stored as a pattern.',
    steps: [status('resolved'), { event: 'knowledge.pattern_extracted' }],
  },
  {
    key: 'closure',
    title: 'Closure',
    description: 'Someone closes the resolved incident.',
    optional: true,
    steps: [status('closed')],
  },
] as const satisfies readonly LifecyclePhase[];

/** The key of a lifecycle phase: `trigger`, `open`, `investigation`, … */
export type LifecyclePhaseKey = (typeof INCIDENT_LIFECYCLE)[number]['key'];

/** What `checkLifecycle` reads of an event: its name and, for status changes, `newStatus`. */
export interface LifecycleEventLike {
  readonly event: string;
  readonly data?: unknown;
}

function token(event: LifecycleEventLike): string {
  const to = (event.data as { newStatus?: unknown } | undefined)?.newStatus;
  return event.event === 'incident.status_changed'
    ? `${event.event}>${String(to)};`
    : `${event.event};`;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function stepPattern(step: LifecycleStep): string {
  if ('branches' in step) {
    return `(?:${step.branches.map((b) => b.steps.map(stepPattern).join('')).join('|')})`;
  }
  const name = step.status === undefined ? `${step.event};` : `${step.event}>${step.status};`;
  const quantifier = step.repeats ? (step.optional ? '*' : '+') : step.optional ? '?' : '';
  return `(?:${escapeRegExp(name)})${quantifier}`;
}

/** The lifecycle as one regular expression over `event;` tokens (status changes `event>status;`). */
export function lifecyclePattern(phases: readonly LifecyclePhase[] = INCIDENT_LIFECYCLE): RegExp {
  const body = phases
    .map((phase) => {
      const steps = `(?:${phase.steps.map(stepPattern).join('')})`;
      return `${steps}${phase.repeats ? (phase.optional ? '*' : '+') : phase.optional ? '?' : ''}`;
    })
    .join('');
  return new RegExp(`^${body}$`);
}

const PATTERN = lifecyclePattern();

/**
 * True when the events of ONE incident, in publication order, are a complete run of
 * `INCIDENT_LIFECYCLE`: every phase that is not optional, in order, through resolution.
 * @example
 * checkLifecycle(eventsOfIncident); // true for trigger → created → … → resolved → pattern
 */
export function checkLifecycle(events: readonly LifecycleEventLike[]): boolean {
  return PATTERN.test(events.map(token).join(''));
}
