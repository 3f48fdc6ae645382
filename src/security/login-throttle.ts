import type { Clock } from '../core/clock.ts';
import { ReadfirstError } from '../core/errors.ts';

export interface ThrottleOptions {
  /** Failures allowed before the back-off starts, per user name and per (user, address) pair. */
  freeFailures: number;
  /** Failures allowed from one address over all user names (a ward behind one NAT types wrong too). */
  freeFailuresPerAddress: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** A counter is forgotten this long after its last failure. */
  forgetAfterMs: number;
  /** How long an address that signed a user in stays trusted for that user. */
  trustMs: number;
  /** Entries kept per map; the least recently touched are dropped first, never all at once. */
  maxEntries: number;
}

export const DEFAULT_THROTTLE: ThrottleOptions = {
  freeFailures: 5,
  freeFailuresPerAddress: 30,
  baseDelayMs: 1_000,
  maxDelayMs: 15 * 60_000,
  forgetAfterMs: 60 * 60_000,
  trustMs: 30 * 24 * 3600_000,
  maxEntries: 50_000,
};

interface Counter {
  failures: number;
  lastAt: number;
}

/** A Map bounded by dropping its least recently touched keys (Map keeps insertion order). */
class Lru<V> {
  private readonly map = new Map<string, V>();
  constructor(private readonly max: number) {}
  get(key: string): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }
  set(key: string, v: V): void {
    this.map.delete(key);
    this.map.set(key, v);
    while (this.map.size > this.max) {
      const oldest = this.map.keys().next().value;
      if (oldest === undefined) break;
      this.map.delete(oldest);
    }
  }
  delete(key: string): void {
    this.map.delete(key);
  }
  get size(): number {
    return this.map.size;
  }
}

/**
 * Slows password guessing with exponential back-off (OWASP Authentication Cheat Sheet, "Login
 * Throttling"), never a hard lock-out. Three counters: per user name, per address, and per
 * (user, address) pair. An address that recently signed a user in is trusted for that user, so an
 * attacker failing against "grey" from elsewhere cannot keep Dr Grey out of her own workstation:
 * only the pair counter applies there. In memory, per process; bounded per map.
 */
export class LoginThrottle {
  private readonly opts: ThrottleOptions;
  private readonly byUser: Lru<Counter>;
  private readonly byAddress: Lru<Counter>;
  private readonly byPair: Lru<Counter>;
  private readonly trusted: Lru<number>;

  constructor(
    private readonly clock: Clock,
    opts: Partial<ThrottleOptions> = {},
  ) {
    this.opts = { ...DEFAULT_THROTTLE, ...opts } satisfies ThrottleOptions;
    this.byUser = new Lru(this.opts.maxEntries);
    this.byAddress = new Lru(this.opts.maxEntries);
    this.byPair = new Lru(this.opts.maxEntries);
    this.trusted = new Lru(this.opts.maxEntries);
  }

  private waitMs(c: Counter | undefined, free: number): number {
    if (!c) return 0;
    const now = this.clock.now();
    if (now - c.lastAt > this.opts.forgetAfterMs || c.failures < free) return 0;
    const delay = Math.min(this.opts.maxDelayMs, this.opts.baseDelayMs * 2 ** (c.failures - free));
    return Math.max(0, c.lastAt + delay - now);
  }

  private isTrusted(user: string, address: string): boolean {
    const at = this.trusted.get(`${user}\0${address}`);
    return at !== undefined && this.clock.now() - at < this.opts.trustMs;
  }

  /** Milliseconds this attempt must still wait (0: go ahead). */
  retryAfterMs(username: string, address: string): number {
    const user = username.toLowerCase();
    const pair = this.waitMs(this.byPair.get(`${user}\0${address}`), this.opts.freeFailures);
    if (this.isTrusted(user, address)) return pair;
    return Math.max(
      pair,
      this.waitMs(this.byUser.get(user), this.opts.freeFailures),
      this.waitMs(this.byAddress.get(address), this.opts.freeFailuresPerAddress),
    );
  }

  /** Throws a `rate-limited` error (HTTP 429 with Retry-After) while a back-off is running. */
  check(username: string, address: string): void {
    const wait = this.retryAfterMs(username, address);
    if (wait > 0)
      throw new ReadfirstError('rate-limited', 'too many failed sign-ins; wait and try again', {
        retryAfterSeconds: Math.ceil(wait / 1000),
      });
  }

  failed(username: string, address: string): void {
    const user = username.toLowerCase();
    const now = this.clock.now();
    const bump = (m: Lru<Counter>, key: string): void => {
      const c = m.get(key);
      const fresh = !c || now - c.lastAt > this.opts.forgetAfterMs;
      m.set(key, { failures: fresh ? 1 : c.failures + 1, lastAt: now });
    };
    bump(this.byPair, `${user}\0${address}`);
    bump(this.byUser, user);
    bump(this.byAddress, address);
  }

  succeeded(username: string, address: string): void {
    const user = username.toLowerCase();
    this.byPair.delete(`${user}\0${address}`);
    this.byUser.delete(user);
    this.trusted.set(`${user}\0${address}`, this.clock.now());
  }

  /** Tracked entries (tests check the bound). */
  get size(): { users: number; addresses: number; pairs: number } {
    return { users: this.byUser.size, addresses: this.byAddress.size, pairs: this.byPair.size };
  }
}
