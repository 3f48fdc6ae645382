import { signal } from '@preact/signals';
import { useEffect } from 'preact/hooks';
import { errorText } from '../shell/api.ts';
import {
  type DashboardChart,
  type DashboardReport,
  fetchModels,
  fetchReport,
  filterQuery,
  type ModelVersion,
  type MonitorFilter,
  type Rate,
} from './monitor-api.ts';
import { VegaChart } from './vega-chart.tsx';
import './monitor.css';

const day = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
const filter = signal<MonitorFilter>({ from: day(Date.now() - 30 * 86_400_000), to: day(Date.now() + 86_400_000), model: '' });
const data = signal<{ report: DashboardReport; charts: DashboardChart[] } | undefined>(undefined);
const models = signal<ModelVersion[]>([]);
const error = signal('');
const loading = signal(false);

const n3 = (v: number | null | undefined): string => (v === null || v === undefined ? '–' : v.toFixed(3));
const pct = (r: Rate): string => (r.value === null ? '–' : `${(r.value * 100).toFixed(0)}% (${r.k}/${r.n})`);

async function load(): Promise<void> {
  loading.value = true;
  error.value = '';
  try {
    data.value = await fetchReport(filter.value);
  } catch (e) {
    error.value = errorText(e);
  } finally {
    loading.value = false;
  }
}

function Filters(): preact.JSX.Element {
  const f = filter.value;
  const set = (patch: Partial<MonitorFilter>): void => {
    filter.value = { ...filter.value, ...patch };
    void load();
  };
  const q = filterQuery(f);
  return (
    <div class="filters" role="search">
      <label class="field">
        From <input type="date" value={f.from} onChange={(e) => set({ from: e.currentTarget.value })} />
      </label>
      <label class="field">
        To <input type="date" value={f.to} onChange={(e) => set({ to: e.currentTarget.value })} />
      </label>
      <label class="field">
        Model version
        <select value={f.model} onChange={(e) => set({ model: e.currentTarget.value })}>
          <option value="">all</option>
          {models.value.map((m) => (
            <option key={`${m.id}@${m.version}`} value={`${m.id}@${m.version}`}>
              {m.id}@{m.version} ({m.results})
            </option>
          ))}
        </select>
      </label>
      <a href={`/api/monitor/report.csv?${q}`}>CSV</a>
      <a href={`/api/monitor/report.html?${q}`} target="_blank" rel="noreferrer">
        Committee report (HTML)
      </a>
      {loading.value && <span class="muted">computing…</span>}
    </div>
  );
}

function Tables({ r }: { r: DashboardReport }): preact.JSX.Element {
  const flags = [
    ...r.performance.flatMap((p) => p.flags.map((f) => `${p.finding}: ${f.message}`)),
    ...r.subgroups.flatMap((s) => s.flags.map((f) => `${s.dimension} ${s.group}: ${f.message}`)),
    ...r.driftAlerts.map((a) => a.message),
  ];
  return (
    <>
      <p>
        {r.studies.cases} study readings ({r.studies.analysed} analysed, {r.studies.notAnalysable} refused by the quality gate);{' '}
        {r.truth.studiesWithTruth} with ground truth ({r.truth.labels.import} imported labels, {r.truth.labels.verdict} from verdicts).
        Models: {r.studies.models.join(', ') || 'none'}.
      </p>
      <h2>Flags</h2>
      {flags.length ? (
        <ul class="mon-flags">
          {flags.map((f) => (
            <li key={f}>{f}</li>
          ))}
        </ul>
      ) : (
        <p class="muted">None.</p>
      )}
      <h2>Per finding</h2>
      <table class="mon-table">
        <thead>
          <tr>
            <th>model</th>
            <th>finding</th>
            <th>claimed</th>
            <th>pos/neg</th>
            <th>labels import/verdict</th>
            <th>AUROC (95% CI)</th>
            <th>card</th>
            <th>ECE</th>
          </tr>
        </thead>
        <tbody>
          {r.performance.map((p) => (
            <tr key={`${p.model.id}${p.model.version}${p.finding}`} class={p.flags.length ? 'flagged' : ''}>
              <td>
                {p.model.id}@{p.model.version}
              </td>
              <td>{p.finding}</td>
              <td>{p.claimed ? 'yes' : 'no'}</td>
              <td>
                {p.positives}/{p.negatives}
              </td>
              <td>
                {p.sources.import}/{p.sources.verdict}
              </td>
              <td>
                {n3(p.auroc)}
                {p.ci95 ? ` (${p.ci95[0].toFixed(2)}–${p.ci95[1].toFixed(2)})` : ''}
              </td>
              <td>{n3(p.cardAuroc?.value)}</td>
              <td>{n3(p.calibration.ece)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>Subgroups</h2>
      <table class="mon-table">
        <thead>
          <tr>
            <th>model</th>
            <th>subgroup</th>
            <th>studies</th>
            <th>diseased/normal</th>
            <th>sensitivity</th>
            <th>specificity</th>
            <th>AUROC</th>
            <th>underdiagnosis</th>
            <th>flag / note</th>
          </tr>
        </thead>
        <tbody>
          {r.subgroups.map((s) => (
            <tr key={`${s.model.id}${s.model.version}${s.dimension}${s.group}`} class={s.flags.length ? 'flagged' : ''}>
              <td>
                {s.model.id}@{s.model.version}
              </td>
              <td>{s.dimension === 'all' ? 'all' : `${s.dimension}: ${s.group}`}</td>
              <td>{s.studies}</td>
              <td>
                {s.diseased}/{s.normal}
              </td>
              <td>{pct(s.sensitivity)}</td>
              <td>{pct(s.specificity)}</td>
              <td>{n3(s.auroc)}</td>
              <td>{pct(s.underdiagnosis)}</td>
              <td>{s.flags.length ? 'FLAG' : (s.note ?? '')}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

/** The monitoring dashboard: the report's plots (vega) and tables, filtered by date range and model version. */
export function MonitorPage(): preact.JSX.Element {
  useEffect(() => {
    void load();
    fetchModels().then(
      (m) => (models.value = m.models),
      (e: unknown) => (error.value = errorText(e)),
    );
  }, []);
  const d = data.value;
  return (
    <main class="monitor" aria-label="Monitoring">
      <Filters />
      {error.value && (
        <p class="error" role="alert">
          {error.value}
        </p>
      )}
      {d && (
        <div class="mon-body">
          <div class="mon-charts">
            {d.charts.map((c) => (
              <VegaChart key={`${c.id}${filterQuery(filter.value)}`} spec={c.spec} title={c.title} />
            ))}
          </div>
          <Tables r={d.report} />
        </div>
      )}
    </main>
  );
}
