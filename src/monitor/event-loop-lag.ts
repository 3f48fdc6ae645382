import { Summary, type Registry } from 'prom-client';

/** How often the main thread is sampled; a tick that fires late by d ms is d ms of lag. */
const TICK_MS = 10;

/**
 * `readfirst_event_loop_lag_seconds`: how late a 10 ms timer on the main thread fires, as a
 * summary (p50, p90, p99, max over a sliding 30 s window). Every C-STORE and STOW-RS
 * acknowledgement waits for the event loop, so this is the delay CPU work on the main thread
 * adds to each of them; it should stay near zero while the inference workers are busy.
 * Returns the function that stops sampling.
 */
export function startEventLoopLag(registry: Registry): () => void {
  const summary = new Summary({
    name: 'readfirst_event_loop_lag_seconds',
    help: 'main-thread event-loop lag: delay of a 10 ms timer, sliding 30 s window',
    percentiles: [0.5, 0.9, 0.99, 1],
    maxAgeSeconds: 30,
    ageBuckets: 3,
    registers: [registry],
  });
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    summary.observe(Math.max(0, now - last - TICK_MS) / 1000);
    last = now;
  }, TICK_MS);
  timer.unref();
  return () => {
    clearInterval(timer);
    registry.removeSingleMetric('readfirst_event_loop_lag_seconds');
  };
}
