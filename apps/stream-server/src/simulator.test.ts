import { createMemoryEventLog } from '@causeflow/bus';
import { type CauseFlowEvent, checkLifecycle, EVENT_NAMES, validateEvent } from '@causeflow/events';
import pino from 'pino';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { createEventGenerator, seededRandom, startSimulator } from './simulator.js';

function generate(seed: number, count: number): CauseFlowEvent[] {
  let t = Date.UTC(2024, 3, 1, 14, 0, 0);
  const generator = createEventGenerator({ random: seededRandom(seed), now: () => (t += 1500) });
  return Array.from({ length: count }, () => generator.next());
}

function incidentOf(event: CauseFlowEvent): string | undefined {
  const id = (event.data as { incidentId?: unknown }).incidentId;
  return event.event === 'trigger.event_received' || typeof id !== 'string' ? undefined : id;
}

describe('createEventGenerator', () => {
  it('produces only valid events, for several seeds', () => {
    for (const seed of [1, 2, 3, 42, 1337]) {
      for (const event of generate(seed, 400)) {
        const result = validateEvent(event);
        if (!result.ok) throw new Error(`${event.event} invalid: ${JSON.stringify(result.errors)}`);
        expect(event.tenantId).toBe('ten_demo');
      }
    }
  });

  it('covers every event of the catalog over a long run', () => {
    const seen = new Set(generate(7, 3000).map((e) => e.event));
    expect([...EVENT_NAMES].filter((name) => !seen.has(name))).toEqual([]);
  });

  it('is deterministic for a seed and a clock', () => {
    expect(generate(99, 200)).toEqual(generate(99, 200));
    expect(generate(99, 50)).not.toEqual(generate(100, 50));
  });

  it('tells each incident as a coherent lifecycle', () => {
    const events = generate(5, 2000);
    const byIncident = new Map<string, CauseFlowEvent[]>();
    for (const event of events) {
      const id = incidentOf(event);
      if (id === undefined || event.event === 'investigation.known_solution_found') continue;
      byIncident.set(id, [...(byIncident.get(id) ?? []), event]);
    }
    const finished = [...byIncident.values()].filter((list) =>
      list.some((e) => e.event === 'knowledge.pattern_extracted'),
    );
    expect(finished.length).toBeGreaterThan(10);
    for (const list of finished) {
      expect(list[0]?.event).toBe('incident.created');
      // Status changes chain: each previousStatus is the status before it.
      let status = 'open';
      const steps: number[] = [];
      for (const event of list) {
        if (event.event === 'incident.status_changed') {
          expect(event.data.previousStatus).toBe(status);
          status = event.data.newStatus;
        }
        if (event.event === 'investigation.progress') {
          steps.push(event.data.stepIndex);
          expect(event.data.stepIndex).toBeLessThanOrEqual(event.data.totalSteps);
        }
      }
      expect(steps).toEqual(steps.map((_, i) => i + 1));
      const order = list.map((e) => e.event);
      expect(order.indexOf('investigation.completed')).toBeGreaterThan(
        order.lastIndexOf('investigation.progress'),
      );
      expect(order.indexOf('remediation.proposed')).toBeGreaterThan(
        order.indexOf('investigation.completed'),
      );
      expect(order.indexOf('remediation.executed')).toBeGreaterThan(
        order.indexOf('remediation.proposed'),
      );
      expect(order.indexOf('knowledge.pattern_extracted')).toBeGreaterThan(
        order.lastIndexOf('remediation.executed'),
      );
      expect(['resolved', 'closed']).toContain(status);
    }
  });

  it('walks INCIDENT_LIFECYCLE: every finished incident is a complete run of the phase list', () => {
    for (const seed of [5, 11, 23]) {
      const byIncident = new Map<string, CauseFlowEvent[]>();
      for (const event of generate(seed, 3000)) {
        const id = (event.data as { incidentId?: unknown }).incidentId;
        if (typeof id === 'string') byIncident.set(id, [...(byIncident.get(id) ?? []), event]);
      }
      const finished = [...byIncident.values()].filter((list) =>
        list.some((e) => e.event === 'knowledge.pattern_extracted'),
      );
      expect(finished.length).toBeGreaterThan(10);
      // Triggers and rejections must occur, or the test would not exercise the optional paths.
      const all = finished.flat().map((e) => e.event);
      expect(all).toContain('trigger.event_received');
      expect(all).toContain('remediation.rejected');
      for (const list of finished) {
        if (!checkLifecycle(list))
          throw new Error(`off the lifecycle: ${list.map((e) => e.event)}`);
      }
    }
  });

  it('returns CauseFlowEvent values', () => {
    expectTypeOf(createEventGenerator().next()).toEqualTypeOf<CauseFlowEvent>();
  });
});

describe('startSimulator', () => {
  it('publishes into the log at the configured pace until stopped', async () => {
    const log = createMemoryEventLog();
    const simulator = startSimulator({
      log,
      logger: pino({ level: 'silent' }),
      random: seededRandom(3),
      minIntervalMs: 1,
      maxIntervalMs: 3,
    });
    try {
      const deadline = Date.now() + 3000;
      while (simulator.published < 10 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 5));
      expect(simulator.published).toBeGreaterThanOrEqual(10);
      simulator.stop();
      const stoppedAt = simulator.published;
      await new Promise((r) => setTimeout(r, 30));
      expect(simulator.published).toBe(stoppedAt);
      const page = await log.readAfter('ten_demo', null, 1000);
      expect(page.status === 'ok' && page.events.length).toBe(stoppedAt);
    } finally {
      simulator.stop();
      await log.close();
    }
  });
});
