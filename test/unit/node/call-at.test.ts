// Scheduling at a wall-clock time beyond setTimeout's 24.8-day limit (node/call-at.ts), the
// closing of the polls at the manifest's closesAt.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MAX_TIMEOUT_MS, callAt } from '../../../node/call-at.ts';

const DAY = 24 * 3600 * 1000;

afterEach(() => vi.useRealTimers());

describe('callAt', () => {
  it('does not fire early for a time more than 2^31 - 1 ms away, and fires once when it is reached', () => {
    vi.useFakeTimers({ now: 0 });
    const fn = vi.fn();
    callAt(30 * DAY, fn);
    vi.advanceTimersByTime(MAX_TIMEOUT_MS + 1);
    expect(fn).not.toHaveBeenCalled();
    vi.advanceTimersByTime(29 * DAY - MAX_TIMEOUT_MS - 2);
    expect(fn).not.toHaveBeenCalled();
    vi.advanceTimersByTime(DAY); // 30 days less 1 ms in all
    expect(fn).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(fn).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(60 * DAY);
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it('fires at once for a time already past, and never once cancelled', () => {
    vi.useFakeTimers({ now: 1000 });
    const now = vi.fn();
    callAt(10, now);
    expect(now).toHaveBeenCalledTimes(1);
    const later = vi.fn();
    callAt(1000 + 40 * DAY, later).cancel();
    vi.advanceTimersByTime(50 * DAY);
    expect(later).not.toHaveBeenCalled();
  });
});
