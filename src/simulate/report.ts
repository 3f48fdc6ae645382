import type { SimulationReport } from './simulation.ts';

const f = (v: number): string => (Number.isFinite(v) ? v.toFixed(1) : '-');

/** The results as a Markdown table (printed, and ready for README). */
export function reportTable(r: SimulationReport): string {
  const lines = [
    '| true class | n | FIFO mean | readfirst mean | FIFO median | readfirst median | FIFO p95 | readfirst p95 | FIFO max | readfirst max |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...r.rows.map(
      (row) =>
        `| ${row.urgency} | ${row.fifo.n} | ${f(row.fifo.mean)} | ${f(row.readfirst.mean)} | ${f(row.fifo.median)} | ${f(row.readfirst.median)} | ${f(row.fifo.p95)} | ${f(row.readfirst.p95)} | ${f(row.fifo.max)} | ${f(row.readfirst.max)} |`,
    ),
  ];
  return lines.join('\n');
}

export function reportSummary(r: SimulationReport, goals = { critical: 0.35, longest: 1.0 }): string {
  const ok = (b: boolean): string => (b ? 'met' : 'NOT met');
  return [
    `scenario: ${r.scenario.description}`,
    `model: ${r.performance.source}`,
    `flagged critical by policy: ${r.flagged.truePositives}/${r.flagged.critical} truly critical found, ${r.flagged.falsePositives} false alarms`,
    `waits in minutes from arrival to the start of the read`,
    '',
    reportTable(r),
    '',
    `critical mean wait readfirst/FIFO: ${r.criticalMeanRatio.toFixed(3)} (goal ≤ ${goals.critical}: ${ok(r.criticalMeanRatio <= goals.critical)})`,
    `longest wait of any study readfirst/FIFO: ${r.longestWaitRatio.toFixed(3)} (goal ≤ ${goals.longest}: ${ok(r.longestWaitRatio <= goals.longest)})`,
  ].join('\n');
}
