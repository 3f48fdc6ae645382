import type { Rate } from './metrics.ts';
import type { MonitorReport } from './report.ts';

const n3 = (v: number | null | undefined): string => (v === null || v === undefined ? '-' : v.toFixed(3));
const ci = (c: [number, number] | null): string => (c ? `[${c[0].toFixed(2)}, ${c[1].toFixed(2)}]` : '');
const pct = (r: Rate): string => (r.value === null ? '-' : `${(r.value * 100).toFixed(0)}% (${r.k}/${r.n}) ${ci(r.ci95)}`);

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, j) => Math.max(...rows.map((r) => (r[j] ?? '').length))) ?? [];
  return rows.map((r) => r.map((c, j) => (j < 2 ? c.padEnd(widths[j] ?? 0) : c.padStart(widths[j] ?? 0))).join('  ')).join('\n');
}

/** The monitoring report as the terminal shows it: counts, per-finding AUROC, subgroups, flags. */
export function formatMonitorReport(r: MonitorReport): string {
  const out: string[] = [];
  out.push(`window ${r.window.from} → ${r.window.to}; models ${r.studies.models.join(', ') || 'none'}`);
  out.push(
    `${r.studies.cases} study readings (${r.studies.analysed} analysed, ${r.studies.notAnalysable} refused by the gate); ${r.truth.studiesWithTruth} with ground truth (${r.truth.labels.import} imported labels, ${r.truth.labels.verdict} from verdicts)`,
  );
  out.push('', 'Per finding (AUROC, 95% patient-level bootstrap CI)');
  out.push(
    table([
      ['model', 'finding', 'claimed', 'pos', 'neg', 'AUROC', '95% CI', 'card', 'ECE'],
      ...r.performance.map((p) => [
        `${p.model.id}@${p.model.version}`,
        p.finding,
        p.claimed ? 'yes' : 'no',
        String(p.positives),
        String(p.negatives),
        n3(p.auroc),
        ci(p.ci95),
        n3(p.cardAuroc?.value),
        n3(p.calibration.ece),
      ]),
    ]),
  );
  out.push('', 'Subgroups (abnormal vs normal; underdiagnosis = diseased called "no finding")');
  out.push(
    table([
      ['model', 'subgroup', 'studies', 'diseased', 'normal', 'sensitivity', 'specificity', 'AUROC', 'underdiagnosis', 'flag / note'],
      ...r.subgroups.map((s) => [
        `${s.model.id}@${s.model.version}`,
        s.dimension === 'all' ? 'all' : `${s.dimension} ${s.group}`,
        String(s.studies),
        String(s.diseased),
        String(s.normal),
        pct(s.sensitivity),
        pct(s.specificity),
        `${n3(s.auroc)} ${ci(s.ci95)}`,
        pct(s.underdiagnosis),
        s.flags.length ? `FLAG ${s.flags.map((f) => f.metric).join(',')}` : (s.note ?? ''),
      ]),
    ]),
  );
  const flags = [
    ...r.performance.flatMap((p) => p.flags.map((f) => `${p.finding}: ${f.message}`)),
    ...r.subgroups.flatMap((s) => s.flags.map((f) => `${s.dimension} ${s.group}: ${f.message}`)),
    ...r.drift.filter((d) => d.drifted).map((d) => `drift ${d.subject}: PSI ${n3(d.psi)}, KS D ${n3(d.ks?.d)}`),
  ];
  out.push('', flags.length ? `Flags:\n- ${flags.join('\n- ')}` : 'Flags: none');
  return out.join('\n');
}
