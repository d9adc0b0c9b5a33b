import { describe, expect, it } from 'vitest';
import { lifecycleOrder } from './lifecycle.js';
import { groupByDomain, LIFECYCLE_ORDER, lifecycleSteps, relatedEvents } from './related.js';

const events = [
  { name: 'incident.created', domain: 'incident' },
  { name: 'incident.status_changed', domain: 'incident' },
  { name: 'investigation.completed', domain: 'investigation' },
  { name: 'investigation.known_solution_found', domain: 'investigation' },
  { name: 'investigation.progress', domain: 'investigation' },
  { name: 'knowledge.pattern_extracted', domain: 'knowledge' },
  { name: 'remediation.approved', domain: 'remediation' },
  { name: 'remediation.executed', domain: 'remediation' },
  { name: 'remediation.proposed', domain: 'remediation' },
  { name: 'remediation.rejected', domain: 'remediation' },
  { name: 'tenant.created', domain: 'tenant' },
  { name: 'trigger.created', domain: 'integration' },
  { name: 'integration.connected', domain: 'integration' },
];

describe('LIFECYCLE_ORDER', () => {
  it('is the order of INCIDENT_LIFECYCLE (what the simulator walks): the trigger first, status changes after the creation', () => {
    expect(LIFECYCLE_ORDER).toEqual(lifecycleOrder());
    expect(LIFECYCLE_ORDER.slice(0, 3)).toEqual([
      ['trigger.event_received'],
      ['incident.created'],
      ['incident.status_changed'],
    ]);
  });
});

describe('relatedEvents', () => {
  it('links each lifecycle event to the steps before and after it', () => {
    expect(relatedEvents('incident.created', events).lifecycle).toEqual({
      step: 1,
      steps: 9,
      previous: [],
      next: ['incident.status_changed'],
      alternatives: [],
    });
    expect(relatedEvents('investigation.completed', events).lifecycle).toMatchObject({
      previous: ['investigation.known_solution_found'],
      next: ['remediation.proposed'],
    });
    expect(relatedEvents('remediation.executed', events).lifecycle).toMatchObject({
      previous: ['remediation.approved', 'remediation.rejected'],
      next: ['knowledge.pattern_extracted'],
    });
    expect(relatedEvents('knowledge.pattern_extracted', events).lifecycle?.next).toEqual([]);
  });

  it('offers the other outcome of the same step as an alternative', () => {
    expect(relatedEvents('remediation.approved', events).lifecycle).toMatchObject({
      step: 7,
      alternatives: ['remediation.rejected'],
      next: ['remediation.executed'],
    });
  });

  it('lists the other events of the same domain, even when the name prefix differs', () => {
    expect(relatedEvents('trigger.created', events)).toEqual({
      sameDomain: ['integration.connected'],
    });
    expect(relatedEvents('incident.created', events).sameDomain).toEqual([
      'incident.status_changed',
    ]);
  });

  it('skips lifecycle steps whose events are not in the schema set', () => {
    const few = events.filter((e) => !e.name.startsWith('investigation.'));
    // trigger.event_received and the three investigation events are missing.
    expect(lifecycleSteps(few.map((e) => e.name))).toHaveLength(LIFECYCLE_ORDER.length - 4);
    expect(relatedEvents('incident.status_changed', few).lifecycle?.next).toEqual([
      'remediation.proposed',
    ]);
  });
});

describe('groupByDomain', () => {
  it('follows the domain order, puts lifecycle events in lifecycle order, then the rest by name', () => {
    const groups = groupByDomain(events, [
      { key: 'tenant' },
      { key: 'incident' },
      { key: 'investigation' },
      { key: 'remediation' },
      { key: 'integration' },
      { key: 'knowledge' },
      { key: 'user' },
    ]);
    expect(groups.map((g) => [g.key, g.events.map((e) => e.name)])).toEqual([
      ['tenant', ['tenant.created']],
      ['incident', ['incident.created', 'incident.status_changed']],
      [
        'investigation',
        ['investigation.progress', 'investigation.known_solution_found', 'investigation.completed'],
      ],
      [
        'remediation',
        [
          'remediation.proposed',
          'remediation.approved',
          'remediation.rejected',
          'remediation.executed',
        ],
      ],
      ['integration', ['integration.connected', 'trigger.created']],
      ['knowledge', ['knowledge.pattern_extracted']],
    ]);
  });

  it('keeps events of an unknown domain in a last group instead of dropping them', () => {
    const groups = groupByDomain([{ name: 'x.y', domain: 'nope' }], [{ key: 'tenant' }]);
    expect(groups).toEqual([{ key: '', events: [{ name: 'x.y', domain: 'nope' }] }]);
  });
});
