import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultPolicy } from '../triage/policy.ts';
import { loadStudiesFile } from './input-file.ts';
import { assumedPerformance } from './model-performance.ts';
import { writePlot } from './plot.ts';
import { reportSummary } from './report.ts';
import { builtinScenario, SCENARIO_FINDINGS } from './scenario.ts';
import { simulate } from './simulation.ts';

const perf = assumedPerformance(SCENARIO_FINDINGS, 0.85, 0.85, ['high-sensitivity', 'balanced']);

describe('replay simulator', () => {
  it('is deterministic and reads every study once under both orders', () => {
    const a = simulate(builtinScenario(), perf, defaultPolicy());
    const b = simulate(builtinScenario(), perf, defaultPolicy());
    expect(a.rows).toEqual(b.rows);
    expect(a.outcomes.fifo).toHaveLength(450);
    expect(new Set(a.outcomes.readfirst.map((o) => o.study.studyInstanceUid)).size).toBe(450);
    expect(a.criticalMeanRatio).toBeLessThan(1);
    expect(reportSummary(a)).toMatch(/critical mean wait readfirst\/FIFO: \d\.\d{3}/);
  });

  it('never lets a reader start outside the shift, and FIFO reads in arrival order', () => {
    const r = simulate(builtinScenario({ studies: 120 }), perf, defaultPolicy());
    const starts = [...r.outcomes.fifo].sort((x, y) => x.startedAt - y.startedAt || x.reader - y.reader);
    for (let i = 1; i < starts.length; i++)
      expect(starts[i]?.study.arrivedAt ?? 0).toBeGreaterThanOrEqual(starts[i - 1]?.study.arrivedAt ?? 0);
    const shifts = r.scenario.shifts;
    for (const o of r.outcomes.readfirst)
      expect(shifts.some((s) => o.startedAt >= s.from * 3600_000 && o.startedAt < s.to * 3600_000)).toBe(true);
  });

  it('reads studies with model scores from CSV and writes a PNG plot', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rf-sim-'));
    const csv = join(dir, 'studies.csv');
    writeFileSync(csv, 'id,arrival,truth,read_minutes,score_pneumothorax\na,0,,5,0.1\nb,1,,5,0.2\nc,2,pneumothorax,5,0.95\n');
    const scenario = loadStudiesFile(csv, [{ from: 0, to: 24, readers: 1 }]);
    const r = simulate(scenario, perf, defaultPolicy());
    expect(r.outcomes.readfirst.map((o) => o.study.studyInstanceUid)).toEqual(['a', 'c', 'b']);
    const png = join(dir, 'plot.png');
    await writePlot([r], png);
    expect(readFileSync(png).subarray(1, 4).toString()).toBe('PNG');
  });
});
