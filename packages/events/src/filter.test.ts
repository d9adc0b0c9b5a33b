import { describe, expect, expectTypeOf, it } from 'vitest';
import { type EventPattern, isEventPattern, namesMatching, parseEventFilter } from './filter.js';
import { EVENT_NAMES } from './index.js';

/** The names a filter lets through, sorted. */
function namesOf(input: string | readonly string[]): string[] {
  // Lists are typed EventPattern[]; the cast feeds untyped input (JavaScript callers) on purpose.
  const result =
    typeof input === 'string'
      ? parseEventFilter(input)
      : parseEventFilter(input as readonly EventPattern[]);
  if (!result.ok) throw new Error(`unexpected unknown: ${result.unknown.join(', ')}`);
  return [...result.filter.names].sort();
}

describe('parseEventFilter', () => {
  const cases: readonly { name: string; given: string | readonly string[]; want: string[] }[] = [
    { name: 'an exact name', given: 'incident.created', want: ['incident.created'] },
    {
      name: 'a prefix wildcard',
      given: 'incident.*',
      want: ['incident.created', 'incident.status_changed'],
    },
    {
      name: 'a wildcard and a name, comma-separated',
      given: 'incident.*,remediation.approved',
      want: ['incident.created', 'incident.status_changed', 'remediation.approved'],
    },
    {
      name: 'trigger.*, whose events belong to the integration domain',
      given: 'trigger.*',
      want: ['trigger.created', 'trigger.deleted', 'trigger.event_received'],
    },
    {
      name: 'blanks and spaces around patterns',
      given: ' user.created , ,user.deleted,, ',
      want: ['user.created', 'user.deleted'],
    },
    {
      name: 'a list instead of a string',
      given: ['knowledge.*', ' tenant.created '],
      want: ['knowledge.pattern_extracted', 'tenant.created'],
    },
    {
      name: 'duplicates and overlapping patterns once',
      given: 'incident.created,incident.*,incident.created',
      want: ['incident.created', 'incident.status_changed'],
    },
    { name: 'an empty string as the empty filter', given: '', want: [] },
  ];
  it.each(cases)('accepts $name', ({ given, want }) => {
    expect(namesOf(given)).toEqual(want);
  });

  it('lets through exactly its names with matches()', () => {
    const result = parseEventFilter('investigation.*');
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const matched = EVENT_NAMES.filter((n) => result.filter.matches(n));
    expect(matched).toEqual([
      'investigation.completed',
      'investigation.known_solution_found',
      'investigation.progress',
    ]);
    expect(result.filter.matches('ping')).toBe(false);
    expect(result.filter.matches('investigation.')).toBe(false);
  });

  it('does not treat a wildcard as matching a longer domain with the same prefix', () => {
    // "user.*" must not match a hypothetical "users.x": the dot is part of the prefix.
    expect(namesOf('user.*')).toEqual(['user.created', 'user.deleted', 'user.updated']);
  });

  it.each([
    { given: 'incident.exploded', unknown: ['incident.exploded'] },
    { given: 'billing.*,incident.created,nope', unknown: ['billing.*', 'nope'] },
    { given: '*', unknown: ['*'] },
    { given: 'incident', unknown: ['incident'] },
    { given: 'Incident.created', unknown: ['Incident.created'] },
    { given: 'ping,stream.reset', unknown: ['ping', 'stream.reset'] },
  ])('reports the patterns that match no event in $given', ({ given, unknown }) => {
    expect(parseEventFilter(given)).toEqual({ ok: false, unknown });
  });
});

describe('domain wildcards keep their dot', () => {
  // A synthetic catalog: today's has no domain that extends another one's name.
  const catalog = ['user.created', 'user.deleted', 'users.created', 'userx.y', 'incident.created'];
  it.each([
    { pattern: 'user.*', want: ['user.created', 'user.deleted'] },
    { pattern: 'users.*', want: ['users.created'] },
    { pattern: 'use.*', want: [] },
    { pattern: 'user.created', want: ['user.created'] },
  ])('$pattern matches $want', ({ pattern, want }) => {
    expect(namesMatching(pattern, catalog)).toEqual(want);
  });
});

describe('typed patterns', () => {
  it('accepts catalog names and domain wildcards, and refuses typos at compile time', () => {
    expectTypeOf<'remediation.approved'>().toExtend<EventPattern>();
    expectTypeOf<'incident.*'>().toExtend<EventPattern>();
    expectTypeOf<'remediation.aproved'>().not.toExtend<EventPattern>();
    expectTypeOf<'billing.*'>().not.toExtend<EventPattern>();
    expectTypeOf<'*'>().not.toExtend<EventPattern>();
    const ok = parseEventFilter(['remediation.approved', 'incident.*']);
    expect(ok.ok).toBe(true);
    // @ts-expect-error a misspelt event name in a list does not compile
    const typo = parseEventFilter(['remediation.aproved']);
    expect(typo).toEqual({ ok: false, unknown: ['remediation.aproved'] });
  });

  it('narrows untyped text with isEventPattern', () => {
    expect(['incident.*', 'user.created', 'users.*', 'nope', 42].filter(isEventPattern)).toEqual([
      'incident.*',
      'user.created',
    ]);
  });
});
