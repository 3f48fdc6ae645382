import type { MonitorReport } from './report.ts';

const cell = (v: string | number | boolean | null | undefined): string => {
  const s = v === null || v === undefined ? '' : String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/**
 * The report's tables as one long CSV (`section,model,subject,group,metric,value,lo,hi,k,n`), so a
 * spreadsheet can filter any figure with its interval and counts.
 */
export function reportCsv(r: MonitorReport): string {
  const lines = ['section,model,subject,group,metric,value,lo,hi,k,n'];
  const add = (...c: (string | number | boolean | null | undefined)[]): void => void lines.push(c.map(cell).join(','));
  for (const p of r.performance) {
    const m = `${p.model.id}@${p.model.version}`;
    add('performance', m, p.finding, '', 'auroc', p.auroc, p.ci95?.[0], p.ci95?.[1], p.positives, p.positives + p.negatives);
    add('performance', m, p.finding, '', 'ece', p.calibration.ece, null, null, null, p.calibration.n);
    for (const o of p.operatingPoints)
      for (const k of ['sensitivity', 'specificity', 'ppv', 'npv'] as const)
        add('operating-point', m, p.finding, o.name, k, o[k].value, o[k].ci95?.[0], o[k].ci95?.[1], o[k].k, o[k].n);
  }
  for (const s of r.subgroups) {
    const m = `${s.model.id}@${s.model.version}`;
    for (const k of ['sensitivity', 'specificity', 'underdiagnosis'] as const)
      add('subgroup', m, s.dimension, s.group, k, s[k].value, s[k].ci95?.[0], s[k].ci95?.[1], s[k].k, s[k].n);
    add('subgroup', m, s.dimension, s.group, 'auroc', s.auroc, s.ci95?.[0], s.ci95?.[1], s.diseased, s.diseased + s.normal);
    for (const f of s.flags) add('subgroup-flag', m, s.dimension, s.group, f.metric, f.gap, f.ci95?.[0], f.ci95?.[1], null, null);
  }
  for (const d of r.drift) {
    const m = `${d.model.id}@${d.model.version}`;
    add('drift', m, d.subject, d.drifted ? 'drift' : '', 'psi', d.psi, null, null, d.reference, d.current);
    if (d.ks) add('drift', m, d.subject, d.drifted ? 'drift' : '', 'ks-d', d.ks.d, null, d.ks.pValue, d.reference, d.current);
  }
  for (const g of r.gate)
    add('gate', `${g.model.id}@${g.model.version}`, g.day, '', 'rejected', g.rejected, null, null, g.rejected, g.studies);
  for (const g of r.turnaround.groups)
    for (const k of ['toReadStart', 'toSigned', 'readingTime', 'alertAck'] as const)
      add('turnaround', '', k, `${g.period}:${g.group}`, 'median-min', g[k].medianMin, null, g[k].p90Min, null, g[k].n);
  return `${lines.join('\n')}\n`;
}
