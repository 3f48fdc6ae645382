import { monitorCharts } from './charts.ts';
import { renderSvg } from './render-svg.ts';
import type { MonitorReport } from './report.ts';
import type { Rate } from './metrics.ts';

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const n3 = (v: number | null | undefined): string => (v === null || v === undefined ? '–' : v.toFixed(3));
const ci = (c: [number, number] | null): string => (c ? ` (${c[0].toFixed(2)}–${c[1].toFixed(2)})` : '');
const pct = (r: Rate): string => (r.value === null ? '–' : `${(r.value * 100).toFixed(1)}% ${r.k}/${r.n}${ci(r.ci95)}`);
const min = (v: number | null): string => (v === null ? '–' : v.toFixed(1));

function table(head: string[], rows: string[][]): string {
  return `<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
}

/**
 * The quality-committee report: one self-contained HTML file (inline SVG plots and CSS, no
 * scripts, no external requests), with the same figures as the JSON report.
 */
export async function reportHtml(r: MonitorReport): Promise<string> {
  const charts = await Promise.all(
    monitorCharts(r).map(
      async (c) => `<figure id="chart-${c.id}"><figcaption>${esc(c.title)}</figcaption>${await renderSvg(c.spec)}</figure>`,
    ),
  );
  const flags = [
    ...r.performance.flatMap((p) => p.flags.map((f) => `${esc(`${p.model.id}@${p.model.version}`)} ${esc(p.finding)}: ${esc(f.message)}`)),
    ...r.subgroups.flatMap((s) =>
      s.flags.map((f) => `${esc(`${s.model.id}@${s.model.version}`)} ${esc(`${s.dimension} ${s.group}`)}: ${esc(f.message)}`),
    ),
    ...r.drift
      .filter((d) => d.drifted)
      .map((d) => `${esc(`${d.model.id}@${d.model.version}`)} drift in ${esc(d.subject)}: PSI ${n3(d.psi)}, KS D ${n3(d.ks?.d)}`),
  ];
  const perf = table(
    ['model', 'finding', 'claimed', 'pos', 'neg', 'unknown', 'labels (import/verdict)', 'AUROC (95% CI)', 'card', 'ECE'],
    r.performance.map((p) => [
      esc(`${p.model.id}@${p.model.version}`),
      esc(p.finding),
      p.claimed ? 'yes' : 'no',
      String(p.positives),
      String(p.negatives),
      String(p.unknown),
      `${p.sources.import}/${p.sources.verdict}`,
      `${n3(p.auroc)}${ci(p.ci95)}`,
      p.cardAuroc ? `${n3(p.cardAuroc.value)} (${esc(p.cardAuroc.set)})` : '–',
      n3(p.calibration.ece),
    ]),
  );
  const ops = table(
    ['model', 'finding', 'point', 'threshold', 'TP/FP/TN/FN', 'sensitivity', 'card', 'specificity', 'card', 'PPV', 'NPV'],
    r.performance
      .filter((p) => p.positives + p.negatives > 0)
      .flatMap((p) =>
        p.operatingPoints.map((o) => [
          esc(`${p.model.id}@${p.model.version}`),
          esc(p.finding),
          esc(o.name),
          o.threshold.toFixed(3),
          `${o.confusion.tp}/${o.confusion.fp}/${o.confusion.tn}/${o.confusion.fn}`,
          pct(o.sensitivity),
          o.card.sensitivity.toFixed(2),
          pct(o.specificity),
          o.card.specificity.toFixed(2),
          pct(o.ppv),
          pct(o.npv),
        ]),
      ),
  );
  const subs = table(
    ['model', 'subgroup', 'studies', 'diseased', 'normal', 'sensitivity', 'specificity', 'AUROC (95% CI)', 'underdiagnosis', 'flag / note'],
    r.subgroups.map((s) => [
      esc(`${s.model.id}@${s.model.version}`),
      esc(s.dimension === 'all' ? 'all' : `${s.dimension}: ${s.group}`),
      String(s.studies),
      String(s.diseased),
      String(s.normal),
      pct(s.sensitivity),
      pct(s.specificity),
      `${n3(s.auroc)}${ci(s.ci95)}`,
      pct(s.underdiagnosis),
      esc([...s.flags.map((f) => `FLAG ${f.message}`), s.note ?? ''].join(' ').trim()),
    ]),
  );
  const drift = table(
    ['model', 'subject', 'reference n', 'current n', 'PSI', 'KS D', 'KS p', 'drift'],
    r.drift.map((d) => [
      esc(`${d.model.id}@${d.model.version}`),
      esc(d.subject),
      String(d.reference),
      String(d.current),
      n3(d.psi),
      n3(d.ks?.d),
      d.ks ? d.ks.pValue.toExponential(1) : '–',
      d.drifted ? '<b>DRIFT</b>' : esc(d.note ?? 'no'),
    ]),
  );
  const tat = table(
    [
      'period',
      'group',
      'studies',
      'arrival→read median',
      'p90',
      'max',
      'arrival→signed median',
      'reading time median',
      'alert ack median (n)',
    ],
    r.turnaround.groups.map((g) => [
      g.period,
      esc(g.group),
      String(g.studies),
      min(g.toReadStart.medianMin),
      min(g.toReadStart.p90Min),
      min(g.toReadStart.maxMin),
      min(g.toSigned.medianMin),
      min(g.readingTime.medianMin),
      `${min(g.alertAck.medianMin)} (${g.alertAck.n})`,
    ]),
  );
  const method = `<dl>${Object.entries(r.method)
    .map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`)
    .join('')}</dl>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>readfirst monitoring ${esc(r.window.from.slice(0, 10))} – ${esc(r.window.to.slice(0, 10))}</title>
<style>body{font:14px/1.4 system-ui,sans-serif;margin:2em;max-width:1200px}table{border-collapse:collapse;margin:1em 0;font-size:12px}td,th{border:1px solid #ccc;padding:3px 6px;text-align:right}td:first-child,td:nth-child(2),th{text-align:left}figure{display:inline-block;margin:1em;vertical-align:top}figcaption{font-weight:600;margin-bottom:.3em}.flags li{color:#b00}.note{color:#555}</style></head>
<body>
<h1>readfirst: model monitoring report</h1>
<p>Window ${esc(r.window.from)} to ${esc(r.window.to)} (drift reference ${esc(r.reference.from)} to ${esc(r.reference.to)}). Models: ${esc(r.studies.models.join(', ') || 'none')}. ${r.studies.cases} study readings (${r.studies.analysed} analysed, ${r.studies.notAnalysable} refused by the quality gate); ${r.truth.studiesWithTruth} studies with ground truth (${r.truth.labels.import} imported labels, ${r.truth.labels.verdict} from radiologists' verdicts; "${esc(r.truth.prefer)}" preferred).</p>
<p class="note">AI-generated results assist radiologists and never finalise a diagnosis. Every figure states its counts; small counts mean wide intervals.</p>
<h2>Flags</h2>${flags.length ? `<ul class="flags">${flags.map((f) => `<li>${f}</li>`).join('')}</ul>` : '<p>None.</p>'}
<section id="plots"><h2>Plots</h2>${charts.join('\n')}</section>
<h2>Performance per finding</h2>${perf}
<h2>Operating points</h2>${ops}
<h2>Subgroup audit</h2>${subs}
<h2>Drift</h2>${drift}
<h2>Turnaround</h2>${tat}
<h2>Method</h2>${method}
<p class="note">Generated ${esc(r.generatedAt)} by readfirst.</p>
</body></html>
`;
}
