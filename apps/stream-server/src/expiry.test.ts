import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createExpiryWheel } from './expiry.js';

beforeEach(() => {
  vi.useFakeTimers({ now: 1_000_000 });
});
afterEach(() => {
  vi.useRealTimers();
});

function wheel() {
  const expired: string[] = [];
  const w = createExpiryWheel<string>({ now: Date.now, onExpired: (item) => expired.push(item) });
  return { w, expired };
}

describe('createExpiryWheel', () => {
  it('expires every item at its deadline from a single timer', () => {
    const { w, expired } = wheel();
    w.add('a', 1_003_000);
    w.add('b', 1_001_000);
    w.add('c', 1_003_000);
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(999);
    expect(expired).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(expired).toEqual(['b']);
    vi.advanceTimersByTime(2000);
    expect(expired.sort()).toEqual(['a', 'b', 'c']);
    expect(w.size).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('rounds a deadline up to the next whole second, never down', () => {
    const { w, expired } = wheel();
    w.add('a', 1_000_001);
    vi.advanceTimersByTime(999);
    expect(expired).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(expired).toEqual(['a']);
  });

  it('re-arms earlier when an item due sooner than the armed one arrives', () => {
    const { w, expired } = wheel();
    w.add('late', 1_060_000);
    w.add('soon', 1_002_000);
    vi.advanceTimersByTime(2000);
    expect(expired).toEqual(['soon']);
    vi.advanceTimersByTime(58_000);
    expect(expired).toEqual(['soon', 'late']);
  });

  it('expires an item already past due on the next tick', () => {
    const { w, expired } = wheel();
    w.add('past', 999_000);
    expect(expired).toEqual([]);
    vi.advanceTimersByTime(0);
    expect(expired).toEqual(['past']);
  });

  it('never expires a removed item, and removing twice is harmless', () => {
    const { w, expired } = wheel();
    w.add('a', 1_001_000);
    w.add('b', 1_001_000);
    w.remove('a', 1_001_000);
    w.remove('a', 1_001_000);
    expect(w.size).toBe(1);
    vi.advanceTimersByTime(1000);
    expect(expired).toEqual(['b']);
  });

  it('lets onExpired remove the item it is given', () => {
    const expired: string[] = [];
    const w = createExpiryWheel<string>({
      now: Date.now,
      onExpired: (item) => {
        expired.push(item);
        w.remove(item, 1_001_000);
      },
    });
    w.add('a', 1_001_000);
    w.add('b', 1_001_000);
    vi.advanceTimersByTime(1000);
    expect(expired).toEqual(['a', 'b']);
    expect(w.size).toBe(0);
  });

  it('handles deadlines beyond the longest setTimeout by checking again', () => {
    const { w, expired } = wheel();
    const far = 1_000_000 + 2 ** 31 + 5000;
    w.add('far', far);
    vi.advanceTimersByTime(2 ** 31 - 1);
    expect(expired).toEqual([]);
    vi.advanceTimersByTime(far - Date.now() + 1000);
    expect(expired).toEqual(['far']);
  });

  it('stops: nothing expires and no timer is left', () => {
    const { w, expired } = wheel();
    w.add('a', 1_001_000);
    w.stop();
    w.add('b', 1_001_000);
    vi.advanceTimersByTime(5000);
    expect(expired).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });
});
