import type { Clock } from '../core/clock.ts';
import { ReadfirstError } from '../core/errors.ts';

const WINDOW_MS = 15 * 60_000;
const MAX_FAILURES = 10;

/**
 * Slows password guessing: after 10 failures for one username within 15 minutes, further
 * attempts are refused until the window passes. In memory: per process, reset on restart.
 */
export class LoginThrottle {
  private readonly failures = new Map<string, number[]>();

  constructor(private readonly clock: Clock) {}

  private recent(username: string): number[] {
    const since = this.clock.now() - WINDOW_MS;
    const list = (this.failures.get(username.toLowerCase()) ?? []).filter((t) => t > since);
    this.failures.set(username.toLowerCase(), list);
    return list;
  }

  check(username: string): void {
    if (this.recent(username).length >= MAX_FAILURES) throw new ReadfirstError('forbidden', 'too many failed sign-ins; try again later');
  }

  failed(username: string): void {
    this.recent(username).push(this.clock.now());
    if (this.failures.size > 10_000) this.failures.clear();
  }

  succeeded(username: string): void {
    this.failures.delete(username.toLowerCase());
  }
}
