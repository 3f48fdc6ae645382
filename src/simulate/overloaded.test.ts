import { describe, expect, it } from 'vitest';
import { defaultPolicy } from '../triage/policy.ts';
import { assumedPerformance } from './model-performance.ts';
import { plotSvg } from './plot.ts';
import { builtinScenario, dailyShifts, overloadedScenario, SCENARIO_FINDINGS } from './scenario.ts';
import { simulate } from './simulation.ts';

const perf = assumedPerformance(SCENARIO_FINDINGS, 0.85, 0.85, ['high-sensitivity', 'balanced', 'high-specificity']);
const all = (r: ReturnType<typeof simulate>) => r.rows.find((x) => x.urgency === 'all')!;

describe('the overloaded-department scenario', () => {
  it('has FIFO waits like Baltruschat 2021 (mean near 80 min, worst many hours), unlike the built-in day', () => {
    const overloaded = simulate(overloadedScenario(), perf, defaultPolicy());
    const today = simulate(builtinScenario(), perf, defaultPolicy());
    expect(all(overloaded).fifo.mean).toBeGreaterThan(60);
    expect(all(overloaded).fifo.mean).toBeLessThan(100);
    expect(all(overloaded).fifo.max).toBeGreaterThan(6 * 60);
    expect(all(today).fifo.mean).toBeLessThan(40);
    // prioritisation still helps the critical studies when the department is overloaded
    expect(overloaded.criticalMeanRatio).toBeLessThan(1);
    // no study is read when nobody is on shift
    for (const o of overloaded.outcomes.fifo)
      expect(
        overloaded.scenario.shifts.some((s) => s.readers > 0 && o.startedAt >= s.from * 3600_000 && o.startedAt < s.to * 3600_000),
      ).toBe(true);
  });

  it('the roster repeats daily for replays of received studies', () => {
    const s = dailyShifts(2);
    expect(s.filter((x) => x.from === 32)).toEqual([{ from: 32, to: 42, readers: 2 }]);
    expect(Math.max(...s.map((x) => x.to))).toBe(72);
  });

  it('draws both scenarios with the charting library (one panel each, bars present)', async () => {
    const svg = await plotSvg([
      simulate(builtinScenario({ studies: 120 }), perf, defaultPolicy()),
      simulate(overloadedScenario({ studies: 120 }), perf, defaultPolicy()),
    ]);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('builtin: critical mean');
    expect(svg).toContain('overloaded: critical mean');
    // 2 panels × 5 classes (4 + all) × 4 series
    expect((svg.match(/aria-roledescription="bar"/g) ?? []).length).toBe(40);
  });
});
