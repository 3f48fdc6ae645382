import { describe, expect, it } from 'vitest';
import { ManualClock } from './clock.ts';

describe('ManualClock', () => {
  it('fires timers in due order and only when advanced past them', () => {
    const clock = new ManualClock(0);
    const fired: string[] = [];
    clock.setTimer(200, () => fired.push('b'));
    clock.setTimer(100, () => fired.push('a'));
    const c = clock.setTimer(150, () => fired.push('cancelled'));
    c.cancel();
    clock.advance(99);
    expect(fired).toEqual([]);
    clock.advance(200);
    expect(fired).toEqual(['a', 'b']);
    expect(clock.now()).toBe(299);
  });

  it('fires timers scheduled by other timers within the same advance', () => {
    const clock = new ManualClock(0);
    const at: number[] = [];
    clock.setTimer(10, () => clock.setTimer(10, () => at.push(clock.now())));
    clock.advance(30);
    expect(at).toEqual([20]);
  });
});
