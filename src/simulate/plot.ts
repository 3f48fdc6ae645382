import sharp from 'sharp';
import type { TopLevelSpec } from 'vega-lite';
import { renderSvg } from '../monitor/render-svg.ts';
import type { SimulationReport } from './simulation.ts';

/**
 * Mean and longest wait per true class, FIFO against readfirst, one panel per scenario, as a
 * Vega-Lite spec: the charting library draws it, here and in the monitoring report.
 */
export function plotSpec(reports: readonly SimulationReport[]): TopLevelSpec {
  const values = reports.flatMap((r) =>
    r.rows.flatMap((row) =>
      (['fifo', 'readfirst'] as const).flatMap((arm) =>
        (['mean', 'max'] as const).map((stat) => ({
          scenario: `${r.scenario.name}: critical mean ×${r.criticalMeanRatio.toFixed(2)}, longest ×${r.longestWaitRatio.toFixed(2)}`,
          urgency: `${row.urgency} (n=${row[arm].n})`,
          series: `${arm === 'fifo' ? 'FIFO' : 'readfirst'} ${stat}`,
          minutes: Number.isFinite(row[arm][stat]) ? row[arm][stat] : 0,
        })),
      ),
    ),
  );
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    background: 'white',
    title: { text: 'Wait before reading (minutes) by true class', subtitle: reports.map((r) => r.scenario.description) },
    data: { values },
    facet: {
      row: {
        field: 'scenario',
        type: 'nominal',
        title: null,
        header: { labelAngle: 0, labelAlign: 'left', labelAnchor: 'start', labelOrient: 'top' },
      },
    },
    resolve: { scale: { x: 'independent', y: 'independent' } },
    spec: {
      width: { step: 36 },
      height: 220,
      mark: { type: 'bar', tooltip: true },
      encoding: {
        x: { field: 'urgency', type: 'nominal', title: null, sort: null, axis: { labelAngle: 0 } },
        xOffset: { field: 'series', sort: ['FIFO mean', 'readfirst mean', 'FIFO max', 'readfirst max'] },
        y: { field: 'minutes', type: 'quantitative', title: 'minutes' },
        color: {
          field: 'series',
          type: 'nominal',
          sort: ['FIFO mean', 'readfirst mean', 'FIFO max', 'readfirst max'],
          scale: { range: ['#9aa5b1', '#1f77b4', '#d3d8de', '#7fb2dc'] },
        },
      },
    },
  };
}

export async function plotSvg(reports: readonly SimulationReport[]): Promise<string> {
  return renderSvg(plotSpec(reports));
}

export async function writePlot(reports: readonly SimulationReport[], path: string): Promise<void> {
  await sharp(Buffer.from(await plotSvg(reports)))
    .png()
    .toFile(path);
}
