import { describe, expect, it } from 'vitest';
import { ManualClock } from '../core/clock.ts';
import { isReadfirstError } from '../core/errors.ts';
import { LoginThrottle } from './login-throttle.ts';

function refused(t: LoginThrottle, user: string, addr: string): boolean {
  try {
    t.check(user, addr);
    return false;
  } catch (e) {
    if (isReadfirstError(e) && e.code === 'rate-limited') return true;
    throw e;
  }
}

// Issue 12, defect 7: per user and per address, back-off not lock-out, no counter wipe.
describe('sign-in throttling', () => {
  it('backs off exponentially after the free failures, then lets the next attempt through', () => {
    const clock = new ManualClock();
    const t = new LoginThrottle(clock);
    for (let i = 0; i < 5; i++) {
      expect(refused(t, 'grey', '10.0.0.9')).toBe(false);
      t.failed('grey', '10.0.0.9');
    }
    expect(refused(t, 'grey', '10.0.0.9')).toBe(true);
    expect(t.retryAfterMs('grey', '10.0.0.9')).toBe(1_000);
    clock.advance(1_000);
    expect(refused(t, 'grey', '10.0.0.9')).toBe(false);
    t.failed('grey', '10.0.0.9');
    expect(t.retryAfterMs('grey', '10.0.0.9')).toBe(2_000);
    for (let i = 0; i < 30; i++) t.failed('grey', '10.0.0.9');
    expect(t.retryAfterMs('grey', '10.0.0.9')).toBe(15 * 60_000);
  });

  it('an attacker elsewhere cannot keep a user out of the workstation she signed in from', () => {
    const clock = new ManualClock();
    const t = new LoginThrottle(clock);
    t.succeeded('grey', '10.1.1.1');
    for (let i = 0; i < 200; i++) t.failed('grey', `203.0.113.${i % 50}`);
    expect(refused(t, 'grey', '10.1.1.1')).toBe(false);
    // A new address is slowed for that user, though: distributed guessing gets the back-off.
    expect(refused(t, 'grey', '198.51.100.7')).toBe(true);
  });

  it('slows one address spraying many user names', () => {
    const t = new LoginThrottle(new ManualClock());
    for (let i = 0; i < 30; i++) t.failed(`user${i}`, '203.0.113.5');
    expect(refused(t, 'someone-new', '203.0.113.5')).toBe(true);
    expect(refused(t, 'someone-new', '203.0.113.6')).toBe(false);
  });

  it('keeps counting past 10,000 names instead of clearing every counter', () => {
    const t = new LoginThrottle(new ManualClock());
    for (let i = 0; i < 6; i++) t.failed('grey', '203.0.113.5');
    for (let i = 0; i < 12_000; i++) t.failed(`noise${i}`, `198.51.${Math.floor(i / 250)}.${i % 250}`);
    expect(refused(t, 'grey', '203.0.113.5')).toBe(true);
    expect(t.size.users).toBeLessThanOrEqual(50_000);
  });

  it('drops the least recently used entries at its bound, never all of them', () => {
    const t = new LoginThrottle(new ManualClock(), { maxEntries: 100 });
    for (let i = 0; i < 6; i++) t.failed('grey', '203.0.113.5');
    for (let i = 0; i < 99; i++) t.failed(`noise${i}`, '198.51.100.1');
    expect(t.size.users).toBe(100);
    expect(refused(t, 'grey', '203.0.113.5')).toBe(true);
  });
});
