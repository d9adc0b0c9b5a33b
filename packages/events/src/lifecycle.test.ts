import { describe, expect, expectTypeOf, it } from 'vitest';
import { EVENT_NAMES } from './generated/catalog.js';
import {
  checkLifecycle,
  INCIDENT_LIFECYCLE,
  type LifecyclePhaseKey,
  type LifecycleStep,
} from './lifecycle.js';

/** `a.b` or `incident.status_changed>status` tokens to events. */
const events = (...tokens: string[]) =>
  tokens.map((t) => {
    const [event, to] = t.split('>');
    return to === undefined ? { event: event! } : { event: event!, data: { newStatus: to } };
  });

const S = 'incident.status_changed';
const OPEN = ['incident.created'];
const INVESTIGATE = [`${S}>investigating`, 'investigation.progress', 'investigation.completed'];
const RESOLVE = [`${S}>resolved`, 'knowledge.pattern_extracted'];
const APPROVED = [
  'remediation.proposed',
  `${S}>awaiting_approval`,
  'remediation.approved',
  `${S}>remediating`,
  'remediation.executed',
];
const REJECTED = [
  'remediation.proposed',
  `${S}>awaiting_approval`,
  'remediation.rejected',
  `${S}>investigating`,
];
const DIRECT = ['remediation.proposed', `${S}>remediating`, 'remediation.executed'];

describe('checkLifecycle', () => {
  const cases = [
    {
      name: 'accepts the shortest run: open, investigate, one direct fix, resolve',
      given: [...OPEN, ...INVESTIGATE, ...DIRECT, ...RESOLVE],
      want: true,
    },
    {
      name: 'accepts a trigger before incident.created and a closure after resolution',
      given: [
        'trigger.event_received',
        ...OPEN,
        ...INVESTIGATE,
        ...APPROVED,
        ...RESOLVE,
        `${S}>closed`,
      ],
      want: true,
    },
    {
      name: 'accepts a rejection followed by a second attempt',
      given: [...OPEN, ...INVESTIGATE, ...REJECTED, ...APPROVED, ...RESOLVE],
      want: true,
    },
    {
      name: 'accepts a failed execution that goes back to investigating, then another attempt',
      given: [...OPEN, ...INVESTIGATE, ...DIRECT, `${S}>investigating`, ...DIRECT, ...RESOLVE],
      want: true,
    },
    {
      name: 'accepts repeated progress around a known solution',
      given: [
        ...OPEN,
        `${S}>investigating`,
        'investigation.progress',
        'investigation.known_solution_found',
        'investigation.progress',
        'investigation.progress',
        'investigation.completed',
        ...DIRECT,
        ...RESOLVE,
      ],
      want: true,
    },
    {
      name: 'refuses a trigger after incident.created',
      given: [...OPEN, 'trigger.event_received', ...INVESTIGATE, ...DIRECT, ...RESOLVE],
      want: false,
    },
    {
      name: 'refuses remediation.executed after a rejection',
      given: [
        ...OPEN,
        ...INVESTIGATE,
        'remediation.proposed',
        `${S}>awaiting_approval`,
        'remediation.rejected',
        `${S}>remediating`,
        'remediation.executed',
        ...RESOLVE,
      ],
      want: false,
    },
    {
      name: 'refuses approved and rejected for one proposal',
      given: [
        ...OPEN,
        ...INVESTIGATE,
        'remediation.proposed',
        `${S}>awaiting_approval`,
        'remediation.approved',
        'remediation.rejected',
        ...RESOLVE,
      ],
      want: false,
    },
    {
      name: 'refuses a run without remediation',
      given: [...OPEN, ...INVESTIGATE, ...RESOLVE],
      want: false,
    },
    {
      name: 'refuses a status change to the wrong status',
      given: [
        ...OPEN,
        `${S}>resolved`,
        'investigation.progress',
        'investigation.completed',
        ...DIRECT,
        ...RESOLVE,
      ],
      want: false,
    },
  ];
  it.each(cases)('$name', ({ given, want }) => {
    expect(checkLifecycle(events(...given))).toBe(want);
  });
});

describe('INCIDENT_LIFECYCLE', () => {
  const names = (steps: readonly LifecycleStep[]): string[] =>
    steps.flatMap((s) => ('branches' in s ? s.branches.flatMap((b) => names(b.steps)) : [s.event]));

  it('names only catalog events, and every incident-related domain appears', () => {
    const used = new Set(INCIDENT_LIFECYCLE.flatMap((p) => names(p.steps)));
    for (const name of used) expect(EVENT_NAMES).toContain(name);
    for (const domain of ['incident', 'investigation', 'remediation', 'knowledge'])
      expect([...used].some((n) => n.startsWith(`${domain}.`))).toBe(true);
  });

  it('has its phase keys as a type', () => {
    expectTypeOf<LifecyclePhaseKey>().toEqualTypeOf<
      'trigger' | 'open' | 'investigation' | 'remediation' | 'resolution' | 'closure'
    >();
  });
});
