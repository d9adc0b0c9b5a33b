import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { benchEvent, newRunTag } from '../src/events.js';
import { assertIntegrity, Session, startClientWorkers } from '../src/fanout/session.js';
import type { Worker } from '../src/harness/ipc.js';

// The integrity check is what makes a benchmark fail loudly: prove it sees every kind of fault.
describe('the fan-out integrity check', () => {
  let clients: Worker[];
  let session: Session;
  const runTag = newRunTag();

  beforeAll(async () => {
    clients = startClientWorkers(1, 4);
    session = await Session.start({
      spec: { kind: 'baseline', heartbeatMs: 30_000, retention: 100 },
      clients,
      runTag,
      tenants: 1,
      maxConnections: 4,
    });
    await session.connect(2, { concurrency: 2, sampleEvery: 1 });
  });

  afterAll(async () => {
    await session?.close();
    await Promise.all((clients ?? []).map((c) => c.close()));
  });

  it('passes when every connection receives every event once and in order', async () => {
    await session.publish([3]);
    await session.waitForAll(10_000);
    const report = await session.integrity();
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.checked).toContain('6 deliveries on 2 connections');
    expect((await session.latencies([0])).length).toBe(6);
  });

  it('reports a lost, a duplicated and a reordered event, and assertIntegrity throws', async () => {
    // seq 5 skips 4 (a loss), then 5 again (a duplicate), then 4 (reordered)
    await session.server.call('publish', {
      events: [5, 5, 4].map((seq) => benchEvent(runTag, 0, seq)),
    });
    session.published[0] = 5;
    await session.waitForAll(10_000);
    const report = await session.integrity(2 * 5);
    expect(report.ok).toBe(false);
    const text = report.problems.join('\n');
    expect(text).toContain('seq 5 after 3 (1 lost)');
    expect(text).toContain('seq 5 after 5 (duplicate or reordered)');
    expect(text).toContain('seq 4 after 5 (duplicate or reordered)');
    expect(() => assertIntegrity('test', report)).toThrow(/INTEGRITY FAILURE/);
  });
});
