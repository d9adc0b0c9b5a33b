import { describe, expect, it } from 'vitest';
import { sample } from '../../test/fixtures.js';
import { formatLine, summarize, timeOf } from './format.js';

describe('tail formatting', () => {
  it.each([
    ['incident.created', '[critical] Checkout service returning 503 for EU customers'],
    ['incident.status_changed', 'investigating → awaiting_approval'],
    ['investigation.progress', 'Found 10,000 errors in the last 30 minutes across 3 services'],
    [
      'investigation.completed',
      'Unindexed query introduced in deploy d9f3a21 causing full table scans',
    ],
    [
      'knowledge.pattern_extracted',
      'Connection pool exhaustion under high throughput — scaling factor 3x resolves within 90s',
    ],
    ['remediation.executed', 'outcome=success durationMs=12400'],
    ['user.updated', 'member → admin'],
  ] as const)('summarises %s as %j', (name, summary) => {
    expect(summarize(sample(name))).toBe(summary);
  });

  it('prints time, name, incident and summary on one line, without colour codes when off', () => {
    const line = formatLine(sample('incident.created'), { color: false });
    expect(line).toMatch(
      /^14:30:00\.000 {2}incident\.created +inc_EXAMPLE_01JX {2}\[critical\] Checkout/,
    );
    expect(line).not.toContain('\u001b[');
  });

  it('colours the line when asked', () => {
    expect(formatLine(sample('incident.created'), { color: true })).toContain('\u001b[');
  });

  it('keeps an unparseable timestamp as is', () => {
    expect(timeOf('yesterday')).toBe('yesterday');
  });
});
