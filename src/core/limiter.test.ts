import { describe, expect, it } from 'vitest';
import { createLimiter } from './limiter.ts';

const deferred = (): { promise: Promise<void>; resolve: () => void } => {
  let resolve = (): void => undefined;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
};

describe('createLimiter', () => {
  it('never runs more than its concurrency at once, and starts the waiting in arrival order', async () => {
    const limit = createLimiter(2);
    const gates = Array.from({ length: 5 }, deferred);
    const started: number[] = [];
    let peak = 0;
    const all = gates.map((g, i) =>
      limit.run(async () => {
        started.push(i);
        peak = Math.max(peak, limit.active());
        await g.promise;
        return i * 10;
      }),
    );
    await Promise.resolve();
    await Promise.resolve();
    expect(started).toEqual([0, 1]);
    expect(limit.waiting()).toBe(3);
    gates[1]?.resolve();
    await all[1];
    await new Promise((r) => setTimeout(r, 0));
    expect(started).toEqual([0, 1, 2]);
    for (const g of gates) g.resolve();
    expect(await Promise.all(all)).toEqual([0, 10, 20, 30, 40]);
    expect(started).toEqual([0, 1, 2, 3, 4]);
    expect(peak).toBe(2);
    expect(limit.active()).toBe(0);
  });

  it('frees the slot of a task that fails, even synchronously, and passes its error on', async () => {
    const limit = createLimiter(1);
    const failing = limit.run((): Promise<void> => {
      throw new Error('boom');
    });
    const after = limit.run(async () => 'ran');
    await expect(failing).rejects.toThrow('boom');
    expect(await after).toBe('ran');
    expect(limit.active()).toBe(0);
  });

  it('refuses a concurrency below one', () => {
    expect(() => createLimiter(0)).toThrow(RangeError);
  });
});
