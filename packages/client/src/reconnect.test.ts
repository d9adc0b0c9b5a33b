import { describe, expect, it } from 'vitest';
import { CauseFlowStreamError } from './errors.js';
import { type AttemptOutcome, runReconnectLoop } from './reconnect.js';

/** Runs the loop over scripted outcomes, recording each delay it waits; stops after the script. */
async function delaysFor(
  script: readonly (AttemptOutcome | CauseFlowStreamError)[],
  backoff = { initialMs: 100, maxMs: 100_000 },
): Promise<{ delays: number[]; states: string[]; errors: string[] }> {
  const abort = new AbortController();
  const delays: number[] = [];
  const states: string[] = [];
  const errors: string[] = [];
  let i = 0;
  const loop = runReconnectLoop({
    signal: abort.signal,
    backoff,
    random: () => 0.999_999,
    connect: async () => {
      const step = script[i++];
      if (step === undefined) {
        abort.abort();
        return { receivedData: false };
      }
      if (step instanceof CauseFlowStreamError) throw step;
      return step;
    },
    state: (s) => states.push(s),
    error: (e) => errors.push(e.code),
    sleep: async (ms) => {
      delays.push(ms);
    },
  });
  await loop.done;
  return { delays, states, errors };
}

const failed: AttemptOutcome = {
  receivedData: false,
  error: new CauseFlowStreamError('down', { code: 'network_error' }),
};
const delivered: AttemptOutcome = { receivedData: true };

describe('the reconnect loop', () => {
  it('doubles the backoff cap after each connection that delivered nothing', async () => {
    const { delays, errors } = await delaysFor([failed, failed, failed, failed]);
    expect(delays).toEqual([99, 199, 399, 799]);
    expect(errors).toEqual(['network_error', 'network_error', 'network_error', 'network_error']);
  });

  it('resets the backoff after a connection that delivered data', async () => {
    const { delays } = await delaysFor([failed, failed, failed, delivered, failed, failed]);
    expect(delays).toEqual([99, 199, 399, 99, 199, 399]);
  });

  it('adds the server Retry-After to the delay', async () => {
    const limited = new CauseFlowStreamError('busy', { code: 'rate_limited', retryAfterMs: 2000 });
    const { delays } = await delaysFor([{ receivedData: false, error: limited }]);
    expect(delays).toEqual([2099]);
  });

  it('reports a thrown transient error and tries again; a fatal one ends the loop', async () => {
    const transient = new CauseFlowStreamError('no ticket', { code: 'network_error' });
    const fatal = new CauseFlowStreamError('forbidden', { code: 'forbidden', fatal: true });
    await expect(delaysFor([transient, fatal])).rejects.toBe(fatal);
  });

  it("takes the server's retry: as the new base", async () => {
    const abort = new AbortController();
    const delays: number[] = [];
    const loop = runReconnectLoop({
      signal: abort.signal,
      backoff: { initialMs: 60_000, maxMs: 60_000 },
      random: () => 0.5,
      connect: async () => {
        loop.setRetry(40);
        if (delays.length === 2) abort.abort();
        return { receivedData: true };
      },
      state: () => {},
      error: () => {},
      sleep: async (ms) => {
        delays.push(ms);
      },
    });
    await loop.done;
    expect(delays).toEqual([20, 20]);
  });
});
