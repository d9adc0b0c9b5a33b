import { INCIDENT_LIFECYCLE, type LifecyclePhase } from '@causeflow/events';
import { describe, expect, it } from 'vitest';
import { lifecycleMarkdown, lifecycleMermaid, lifecycleOrder } from './lifecycle.js';

const tiny: readonly LifecyclePhase[] = [
  {
    key: 'alert',
    title: 'Alert',
    description: 'Maybe.',
    optional: true,
    steps: [{ event: 'trigger.event_received' }],
  },
  { key: 'open', title: 'Open', description: 'Opened.', steps: [{ event: 'incident.created' }] },
  {
    key: 'fix',
    title: 'Fix',
    description: 'Fixing.',
    repeats: true,
    steps: [
      { event: 'remediation.proposed' },
      {
        branches: [
          {
            when: 'ok',
            steps: [{ event: 'remediation.approved' }, { event: 'remediation.executed' }],
          },
          { when: 'no', steps: [{ event: 'remediation.rejected' }] },
        ],
      },
      { event: 'incident.status_changed', status: 'resolved', optional: true },
    ],
  },
];

describe('lifecycleOrder', () => {
  it('lists each event once, in order, with the paths of a choice as alternatives', () => {
    expect(lifecycleOrder(tiny)).toEqual([
      ['trigger.event_received'],
      ['incident.created'],
      ['remediation.proposed'],
      ['remediation.approved', 'remediation.rejected'],
      ['remediation.executed'],
      ['incident.status_changed'],
    ]);
  });

  it('puts the trigger before incident.created and approved/rejected together in the real lifecycle', () => {
    const order = lifecycleOrder();
    const flat = order.flat();
    expect(flat.indexOf('trigger.event_received')).toBeLessThan(flat.indexOf('incident.created'));
    expect(order).toContainEqual(['remediation.approved', 'remediation.rejected']);
    expect(flat.indexOf('remediation.executed')).toBeGreaterThan(
      flat.indexOf('remediation.approved'),
    );
    expect(new Set(flat).size).toBe(flat.length);
  });
});

describe('lifecycleMermaid', () => {
  it('draws one node per phase, in order, and a loop on a repeating phase', () => {
    expect(lifecycleMermaid(tiny)).toBe(
      [
        'flowchart TD',
        '  alert["<b>Alert</b> (optional)<br/>trigger.event_received"]',
        '  open["<b>Open</b><br/>incident.created"]',
        '  fix["<b>Fix</b> (repeats)<br/>remediation.proposed<br/>ok: remediation.approved, remediation.executed<br/>no: remediation.rejected<br/>incident.status_changed → resolved (optional)"]',
        '  fix -->|again| fix',
        '  alert --> open',
        '  open --> fix',
        '',
      ].join('\n'),
    );
  });

  it('has a node for every phase of INCIDENT_LIFECYCLE', () => {
    const out = lifecycleMermaid();
    for (const phase of INCIDENT_LIFECYCLE)
      expect(out).toContain(`  ${phase.key}["<b>${phase.title}</b>`);
  });
});

describe('lifecycleMarkdown', () => {
  it('renders phases as a numbered list with their events nested', () => {
    expect(lifecycleMarkdown(tiny)).toBe(
      [
        '1. **Alert** (optional): Maybe.',
        '   - `trigger.event_received`',
        '2. **Open**: Opened.',
        '   - `incident.created`',
        '3. **Fix** (repeats): Fixing.',
        '   - `remediation.proposed`',
        '   - one of:',
        '     - ok:',
        '       - `remediation.approved`',
        '       - `remediation.executed`',
        '     - no:',
        '       - `remediation.rejected`',
        '   - `incident.status_changed` → `resolved` (optional)',
        '',
      ].join('\n'),
    );
  });
});

describe('lifecycleMermaid with an optional phase in the middle', () => {
  it('draws a dotted edge into it and a dotted edge around it', () => {
    const [alert, open, fix] = tiny as [LifecyclePhase, LifecyclePhase, LifecyclePhase];
    const out = lifecycleMermaid([open, alert, fix]);
    expect(out).toContain('  open -.-> alert\n');
    expect(out).toContain('  alert --> fix\n');
    expect(out).toContain('  open -.-> fix\n');
  });
});
