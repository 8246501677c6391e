import { describe, expect, it } from 'vitest';

import { Speedometer, formatDuration, formatSpeed } from './speed';

describe('Speedometer', () => {
  it('knows nothing before a second of flow', () => {
    let now = 0;
    const speed = new Speedometer(() => now);
    speed.sample(0);
    now = 500;
    speed.sample(5e6);
    expect(speed.bytesPerSecond()).toBeNull();
  });

  it('takes the speed over the last five seconds, and the time left from it', () => {
    let now = 0;
    const speed = new Speedometer(() => now);
    for (let second = 0; second <= 10; second += 1) {
      now = second * 1000;
      // 1 MB/s for five seconds, then 10 MB/s.
      speed.sample(second <= 5 ? second * 1e6 : 5e6 + (second - 5) * 1e7);
    }
    expect(speed.bytesPerSecond()).toBeCloseTo(1e7, -5);
    expect(speed.secondsLeft(65e6)).toBeCloseTo(1, 1);
  });

  it('starts afresh after a restart', () => {
    let now = 0;
    const speed = new Speedometer(() => now);
    speed.sample(0);
    now = 2000;
    speed.sample(2e6);
    speed.restart();
    expect(speed.bytesPerSecond()).toBeNull();
  });
});

describe('formatting', () => {
  it('says durations and speeds briefly', () => {
    expect(formatDuration(0.2)).toBe('1 s');
    expect(formatDuration(185)).toBe('3 min 5 s');
    expect(formatDuration(3720)).toBe('1 h 2 min');
    expect(formatSpeed(42e6)).toBe('42 MB/s');
    expect(formatSpeed(1.5e6)).toBe('1.5 MB/s');
    expect(formatSpeed(850e3)).toBe('850 kB/s');
  });
});
