import { describe, expect, it } from 'vitest';
import {
  loadWebhookConfig,
  parseDuration,
  parseRetrySchedule,
  WEBHOOK_DEFAULTS,
} from './config.js';
import { retryDelay } from './deliver.js';

describe('webhook configuration', () => {
  it('parses durations and retry schedules', () => {
    expect(parseDuration('50ms')).toBe(50);
    expect(parseDuration('5m')).toBe(300_000);
    expect(parseDuration('250')).toBe(250);
    expect(parseRetrySchedule('50ms, 100ms,1s')).toEqual([50, 100, 1000]);
    expect(() => parseDuration('soon')).toThrow(/duration/);
  });

  it('defaults to the documented schedule, timeout, disable window and overlap', () => {
    const config = loadWebhookConfig({}, { devMode: false });
    expect(config.retrySchedule).toEqual([
      5000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000,
    ]);
    expect(config.timeoutMs).toBe(10_000);
    expect(config.disableAfterMs).toBe(5 * 24 * 3_600_000);
    expect(config.secretOverlapMs).toBe(24 * 3_600_000);
    expect(config.allowHttp || config.allowPrivate).toBe(false);
  });

  it('reads every WEBHOOK_ variable, and dev mode lifts the destination rules unless told otherwise', () => {
    const config = loadWebhookConfig(
      {
        WEBHOOK_TIMEOUT_MS: '200',
        WEBHOOK_RETRY_SCHEDULE: '50ms,100ms',
        WEBHOOK_DISABLE_AFTER_MS: '1000',
        WEBHOOK_SECRET_OVERLAP_MS: '60000',
        WEBHOOK_ALLOW_PRIVATE: '0',
      },
      { devMode: true },
    );
    expect(config).toMatchObject({
      timeoutMs: 200,
      retrySchedule: [50, 100],
      disableAfterMs: 1000,
      secretOverlapMs: 60_000,
      allowHttp: true,
      allowPrivate: false,
    });
  });

  it('names the bad variable', () => {
    expect(() =>
      loadWebhookConfig({ WEBHOOK_RETRY_SCHEDULE: '5s,later' }, { devMode: false }),
    ).toThrow(/WEBHOOK_RETRY_SCHEDULE/);
    expect(() => loadWebhookConfig({ WEBHOOK_ALLOW_HTTP: 'maybe' }, { devMode: false })).toThrow(
      /WEBHOOK_ALLOW_HTTP/,
    );
    expect(() =>
      loadWebhookConfig({ WEBHOOK_MAX_ENDPOINTS_PER_TENANT: '0' }, { devMode: false }),
    ).toThrow(/WEBHOOK_MAX_ENDPOINTS_PER_TENANT/);
  });
});

describe('retry delays', () => {
  const schedule = [1000, 60_000];
  it('applies ± jitter around the step', () => {
    expect(retryDelay({ schedule, attempt: 1, jitter: 0.2, random: () => 0 })).toBe(800);
    expect(retryDelay({ schedule, attempt: 1, jitter: 0.2, random: () => 1 })).toBe(1200);
  });

  it('waits at least Retry-After, but never past the longest step of the schedule', () => {
    expect(
      retryDelay({ schedule, attempt: 1, jitter: 0, random: () => 0.5, retryAfterMs: 5000 }),
    ).toBe(5000);
    expect(
      retryDelay({ schedule, attempt: 1, jitter: 0, random: () => 0.5, retryAfterMs: 10_000_000 }),
    ).toBe(60_000);
    expect(
      retryDelay({ schedule, attempt: 1, jitter: 0, random: () => 0.5, retryAfterMs: 0 }),
    ).toBe(1000);
    expect(WEBHOOK_DEFAULTS.jitter).toBeGreaterThan(0);
  });
});
