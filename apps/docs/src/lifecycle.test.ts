import { INCIDENT_LIFECYCLE, type LifecyclePhase } from '@causeflow/events';
import { describe, expect, it } from 'vitest';
import {
  expandLifecycle,
  LIFECYCLE_MARKER,
  lifecycleHtml,
  lifecycleMarkdown,
  lifecycleMermaid,
  lifecycleOrder,
} from './lifecycle.js';

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

describe('lifecycleHtml', () => {
  it('draws one box per phase in order, marks optional and repeating phases, and links every event', () => {
    const html = lifecycleHtml({ root: '../', phases: tiny });
    const ids = [...html.matchAll(/id="lifecycle-([a-z]+)"/g)].map((m) => m[1]);
    expect(ids).toEqual(['alert', 'open', 'fix']);
    expect(html).toContain('<li class="cf-lifecycle-phase" id="lifecycle-alert" data-optional>');
    expect(html).toContain('<li class="cf-lifecycle-phase" id="lifecycle-fix" data-repeats>');
    expect(html).toContain(
      '<li><a href="../events/incident.status_changed.html"><code>incident.status_changed</code></a> → <code>resolved</code> <span class="cf-lifecycle-mark">optional</span></li>',
    );
    expect(html).toContain('<span class="cf-lifecycle-when">no</span>');
    expect(html.startsWith('<ol class="cf-lifecycle" v-pre>')).toBe(true);
  });

  it('links every event of INCIDENT_LIFECYCLE and shows every phase title', () => {
    const html = lifecycleHtml({ root: './' });
    for (const name of lifecycleOrder().flat())
      expect(html).toContain(`<a href="./events/${name}.html">`);
    for (const phase of INCIDENT_LIFECYCLE)
      expect(html).toContain(`<strong>${phase.title}</strong>`);
  });

  it('escapes text so a title cannot inject markup', () => {
    const phases = [{ ...tiny[1]!, title: '<script>x</script>' }];
    expect(lifecycleHtml({ root: './', phases })).toContain('&lt;script&gt;x&lt;/script&gt;');
  });
});

describe('expandLifecycle', () => {
  it('replaces the marker of a hand-written page with the diagram, and leaves other pages alone', () => {
    const page = `# Start\n\n${LIFECYCLE_MARKER}\n\nafter\n`;
    expect(expandLifecycle(page, './')).toBe(
      `# Start\n\n${lifecycleHtml({ root: './' })}\n\nafter\n`,
    );
    expect(expandLifecycle('# Other\n', './')).toBe('# Other\n');
  });
});
