/**
 * Runs at most `concurrency` tasks at a time; the others wait their turn in arrival order. For
 * work whose memory scales with how many run together (a study's output objects each hold its
 * decoded images), so a burst of arrivals costs the memory of `concurrency` tasks, not of the burst.
 */
export interface Limiter {
  run<T>(task: () => Promise<T>): Promise<T>;
  /** Tasks started and not yet settled. */
  active(): number;
  /** Tasks waiting to start. */
  waiting(): number;
}

export function createLimiter(concurrency: number): Limiter {
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`concurrency must be a positive integer, got ${concurrency}`);
  let running = 0;
  const queue: Array<() => void> = [];
  const next = (): void => {
    running--;
    queue.shift()?.();
  };
  return {
    run<T>(task: () => Promise<T>): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        const start = (): void => {
          running++;
          // A task that throws before its first await still settles its caller and frees its slot.
          Promise.resolve().then(task).then(resolve, reject).finally(next);
        };
        if (running < concurrency) start();
        else queue.push(start);
      });
    },
    active: () => running,
    waiting: () => queue.length,
  };
}
