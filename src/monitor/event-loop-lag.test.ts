import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { metricValue } from '../../test/support/prometheus.ts';
import { startEventLoopLag } from './event-loop-lag.ts';

describe('readfirst_event_loop_lag_seconds', () => {
  it('reports a 60 ms block of the main thread in its maximum and p99, as a summary', async () => {
    const registry = new Registry();
    const stop = startEventLoopLag(registry);
    await new Promise((r) => setTimeout(r, 50));
    const until = performance.now() + 60;
    while (performance.now() < until) {
      /* hold the event loop, as synchronous pixel work on the main thread did */
    }
    await new Promise((r) => setTimeout(r, 50));
    const text = await registry.metrics();
    stop();
    expect(text).toMatch(/# TYPE readfirst_event_loop_lag_seconds summary/);
    expect(metricValue(text, 'readfirst_event_loop_lag_seconds', 'quantile="1"')).toBeGreaterThanOrEqual(0.045);
    expect(metricValue(text, 'readfirst_event_loop_lag_seconds', 'quantile="0.99"')).toBeGreaterThan(0);
    expect(await registry.metrics()).not.toMatch(/readfirst_event_loop_lag_seconds/);
  });
});
