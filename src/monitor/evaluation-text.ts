import type { EvaluationReport } from './evaluation.ts';
import type { Rate } from './metrics.ts';

const n3 = (v: number | null): string => (v === null ? '  -  ' : v.toFixed(3));
const ci = (c: [number, number] | null): string => (c ? `[${c[0].toFixed(2)}, ${c[1].toFixed(2)}]` : '');
const pct = (r: Rate): string => (r.value === null ? '-' : `${(r.value * 100).toFixed(0)}% (${r.k}/${r.n}) ${ci(r.ci95)}`);

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, j) => Math.max(...rows.map((r) => (r[j] ?? '').length))) ?? [];
  return rows.map((r) => r.map((c, j) => (j === 0 ? c.padEnd(widths[j] ?? 0) : c.padStart(widths[j] ?? 0))).join('  ')).join('\n');
}

/** The evaluation as the terminal shows it: findings, operating points, subgroups. */
export function formatReport(r: EvaluationReport): string {
  const out: string[] = [];
  out.push(`model ${r.model.id}@${r.model.version} (sha256 ${r.model.sha256.slice(0, 12)}…)`);
  const reasons = Object.entries(r.notAnalysableReasons)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  out.push(
    `images: ${r.images.listed} listed, ${r.images.analysed} analysed, ${r.images.notAnalysable} not analysable${reasons ? ` (${reasons})` : ''}, ${r.images.failed} failed, ${r.images.missing} missing`,
  );
  out.push('', 'Per finding (AUROC with 95% patient-level bootstrap CI; unknown labels excluded)');
  out.push(
    table([
      ['finding', 'claimed', 'pos', 'neg', 'AUROC', '95% CI', 'ECE'],
      ...r.findings.map((f) => [
        f.key,
        f.claimed ? 'yes' : 'no',
        String(f.positives),
        String(f.negatives),
        n3(f.auroc),
        ci(f.ci95),
        n3(f.ece),
      ]),
    ]),
  );
  out.push('', 'Operating points (measured here vs the card)');
  const ops = r.findings.flatMap((f) =>
    f.operatingPoints.map((o) => [
      f.key,
      o.name,
      o.threshold.toFixed(3),
      pct(o.sensitivity),
      `${(o.card.sensitivity * 100).toFixed(0)}%`,
      pct(o.specificity),
      `${(o.card.specificity * 100).toFixed(0)}%`,
    ]),
  );
  out.push(table([['finding', 'point', 'threshold', 'sensitivity', 'card', 'specificity', 'card'], ...ops]));
  out.push('', `Subgroups (abnormality AUROC; underdiagnosis = diseased called "no finding" at "${r.operatingPoint}")`);
  out.push(
    table([
      ['subgroup', 'images', 'diseased', 'normal', 'AUROC', '95% CI', 'underdiagnosis'],
      ...r.subgroups.map((s) => [
        s.by === 'all' ? 'all' : `${s.by} ${s.group}`,
        String(s.images),
        String(s.diseased),
        String(s.normal),
        n3(s.auroc),
        ci(s.ci95),
        pct(s.underdiagnosis),
      ]),
    ]),
  );
  return out.join('\n');
}
