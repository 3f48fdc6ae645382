import type { TopLevelSpec } from 'vega-lite';
import type { MonitorReport } from './report.ts';

/**
 * The monitoring plots as Vega-Lite specifications, built once from the report's figures: the
 * HTML report renders them to SVG on the server, the dashboard renders the same specs in the
 * browser, so both always show the same numbers.
 */
export interface ChartSpec {
  id: string;
  title: string;
  spec: TopLevelSpec;
}

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v5.json';
const base = { $schema: SCHEMA, width: 520, height: 240, background: 'white' } as const;

export function monitorCharts(r: MonitorReport): ChartSpec[] {
  const charts: ChartSpec[] = [];
  const perf = r.performance
    .filter((p) => p.auroc !== null)
    .map((p) => ({
      model: `${p.model.id}@${p.model.version}`,
      finding: p.finding,
      auroc: p.auroc,
      lo: p.ci95?.[0] ?? p.auroc,
      hi: p.ci95?.[1] ?? p.auroc,
      card: p.cardAuroc?.value ?? null,
      n: `${p.positives}+/${p.negatives}-`,
      claimed: p.claimed ? 'claimed' : 'not claimed',
    }));
  charts.push({
    id: 'auroc',
    title: 'AUROC per finding (95% patient-level bootstrap CI; ◆ = model card)',
    spec: {
      ...base,
      height: Math.max(120, perf.length * 22),
      data: { values: perf },
      encoding: { y: { field: 'finding', type: 'nominal', sort: null, title: null }, color: { field: 'model', type: 'nominal' } },
      layer: [
        {
          mark: 'rule',
          encoding: { x: { field: 'lo', type: 'quantitative', scale: { domain: [0, 1] }, title: 'AUROC' }, x2: { field: 'hi' } },
        },
        {
          mark: { type: 'point', filled: true, size: 70 },
          encoding: {
            x: { field: 'auroc', type: 'quantitative' },
            tooltip: [{ field: 'finding' }, { field: 'auroc', format: '.3f' }, { field: 'n' }, { field: 'claimed' }],
          },
        },
        {
          mark: { type: 'point', shape: 'diamond', size: 60, color: 'black' },
          transform: [{ filter: 'datum.card != null' }],
          encoding: { x: { field: 'card', type: 'quantitative' } },
        },
      ],
    },
  });
  const rel = r.performance
    .filter((p) => p.claimed)
    .flatMap((p) =>
      p.calibration.bins
        .filter((b) => b.n > 0)
        .map((b) => ({
          finding: `${p.finding} (ECE ${p.calibration.ece?.toFixed(3) ?? '-'})`,
          predicted: b.meanPredicted,
          observed: b.observed.value,
          n: b.n,
        })),
    );
  charts.push({
    id: 'reliability',
    title: 'Reliability diagram (claimed findings; the diagonal is perfect calibration)',
    spec: {
      ...base,
      width: 320,
      height: 320,
      data: { values: rel },
      layer: [
        {
          data: {
            values: [
              { x: 0, y: 0 },
              { x: 1, y: 1 },
            ],
          },
          mark: { type: 'line', strokeDash: [4, 4], color: 'grey' },
          encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' } },
        },
        {
          mark: { type: 'line', point: true },
          encoding: {
            x: { field: 'predicted', type: 'quantitative', scale: { domain: [0, 1] }, title: 'mean predicted probability' },
            y: { field: 'observed', type: 'quantitative', scale: { domain: [0, 1] }, title: 'observed frequency' },
            color: { field: 'finding', type: 'nominal', legend: { labelLimit: 320 } },
            tooltip: [{ field: 'finding' }, { field: 'n' }],
          },
        },
      ],
    },
  });
  const sub = r.subgroups
    .filter((s) => s.dimension !== 'all' && s.underdiagnosis.value !== null)
    .map((s) => ({
      label: `${s.dimension}: ${s.group}`,
      model: `${s.model.id}@${s.model.version}`,
      rate: s.underdiagnosis.value,
      lo: s.underdiagnosis.ci95?.[0] ?? null,
      hi: s.underdiagnosis.ci95?.[1] ?? null,
      status: s.flags.some((f) => f.metric === 'underdiagnosis') ? 'flagged' : s.note ? 'too few' : 'ok',
      n: `${s.underdiagnosis.k}/${s.underdiagnosis.n}`,
    }));
  charts.push({
    id: 'underdiagnosis',
    title: 'Underdiagnosis rate per subgroup (diseased called "no finding"; 95% Wilson CI)',
    spec: {
      ...base,
      height: Math.max(120, sub.length * 18),
      data: { values: sub },
      encoding: { y: { field: 'label', type: 'nominal', sort: null, title: null } },
      layer: [
        {
          mark: 'rule',
          encoding: {
            x: { field: 'lo', type: 'quantitative', scale: { domain: [0, 1] }, title: 'underdiagnosis rate' },
            x2: { field: 'hi' },
          },
        },
        {
          mark: { type: 'point', filled: true, size: 60 },
          encoding: {
            x: { field: 'rate', type: 'quantitative' },
            color: {
              field: 'status',
              type: 'nominal',
              scale: { domain: ['ok', 'flagged', 'too few'], range: ['#1f77b4', '#d62728', '#aaaaaa'] },
            },
            tooltip: [{ field: 'label' }, { field: 'rate', format: '.3f' }, { field: 'n' }, { field: 'status' }],
          },
        },
      ],
    },
  });
  charts.push({
    id: 'score-drift',
    title: 'Score and input distributions: reference window against current window',
    spec: {
      $schema: SCHEMA,
      background: 'white',
      data: { values: r.histograms },
      facet: { field: 'subject', type: 'nominal', title: null },
      columns: 3,
      spec: {
        width: 200,
        height: 110,
        mark: { type: 'line', interpolate: 'step-after' },
        encoding: {
          x: { field: 'lo', type: 'quantitative', title: null },
          y: { field: 'share', type: 'quantitative', title: 'share' },
          color: { field: 'window', type: 'nominal' },
        },
      },
      resolve: { scale: { x: 'independent' } },
    },
  });
  const gate = r.gate.map((g) => ({
    day: g.day,
    model: `${g.model.id}@${g.model.version}`,
    rate: g.studies ? g.rejected / g.studies : 0,
    studies: g.studies,
  }));
  charts.push({
    id: 'gate',
    title: 'Quality-gate rejection rate per day',
    spec: {
      ...base,
      height: 180,
      data: { values: gate },
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'day', type: 'temporal', title: null },
        y: { field: 'rate', type: 'quantitative', title: 'rejected share' },
        color: { field: 'model', type: 'nominal' },
        tooltip: [{ field: 'day' }, { field: 'rate', format: '.2f' }, { field: 'studies' }],
      },
    },
  });
  const tat = r.turnaround.groups
    .filter((g) => g.group !== 'all' && g.toReadStart.n > 0)
    .map((g) => ({ period: g.period, group: g.group, median: g.toReadStart.medianMin, p90: g.toReadStart.p90Min, n: g.toReadStart.n }));
  charts.push({
    id: 'turnaround',
    title: 'Arrival → start of read (median minutes; tooltip has p90) per class, flagged and unflagged',
    spec: {
      ...base,
      width: { step: 22 },
      height: 200,
      data: { values: tat },
      mark: 'bar',
      encoding: {
        x: {
          field: 'group',
          type: 'nominal',
          title: null,
          sort: ['critical', 'urgent', 'routine', 'likely-normal', 'flagged', 'unflagged'],
        },
        xOffset: { field: 'period' },
        y: { field: 'median', type: 'quantitative', title: 'median minutes' },
        color: { field: 'period', type: 'nominal' },
        tooltip: [
          { field: 'group' },
          { field: 'period' },
          { field: 'median', format: '.1f' },
          { field: 'p90', format: '.1f' },
          { field: 'n' },
        ],
      },
    },
  });
  return charts;
}
