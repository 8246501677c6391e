import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { PROGRESS_INTERVAL, UploadQueue } from './queue';

describe('UploadQueue redraws', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('at most once per interval for progress', () => {
    const queue = new UploadQueue({});
    const listener = vi.fn();
    queue.subscribe(listener);
    for (let report = 0; report < 40; report += 1) queue.progressed();
    expect(listener).not.toHaveBeenCalled();
    vi.advanceTimersByTime(PROGRESS_INTERVAL);
    expect(listener).toHaveBeenCalledTimes(1);
    queue.progressed();
    vi.advanceTimersByTime(PROGRESS_INTERVAL);
    expect(listener).toHaveBeenCalledTimes(2);
  });

  it('at once for a change of state', () => {
    const queue = new UploadQueue({});
    const listener = vi.fn();
    queue.subscribe(listener);
    queue.progressed();
    queue.changed();
    expect(listener).toHaveBeenCalledTimes(1);
  });
});
