import sharp from 'sharp';
import type { SimulationReport } from './simulation.ts';

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

/**
 * Grouped bars per true class (mean and max wait, FIFO vs readfirst) as an SVG, rendered to PNG
 * with sharp. Drawn here so the plot needs no charting dependency.
 */
export function plotSvg(report: SimulationReport): string {
  const W = 900;
  const H = 460;
  const left = 70;
  const top = 60;
  const bottom = 380;
  const rows = report.rows;
  const peak = Math.max(1, ...rows.flatMap((r) => [r.fifo.max, r.readfirst.max]).filter(Number.isFinite));
  const y = (v: number): number => bottom - (Number.isFinite(v) ? v / peak : 0) * (bottom - top);
  const group = (W - left - 20) / rows.length;
  const bars: string[] = [];
  rows.forEach((r, i) => {
    const x0 = left + i * group + 10;
    const bw = (group - 30) / 4;
    const series: Array<[number, string]> = [[r.fifo.mean, '#9aa5b1'], [r.readfirst.mean, '#1f77b4'], [r.fifo.max, '#d3d8de'], [r.readfirst.max, '#7fb2dc']];
    series.forEach(([v, colour], k) => {
      const x = x0 + k * bw;
      bars.push(`<rect x="${x.toFixed(1)}" y="${y(v).toFixed(1)}" width="${(bw - 2).toFixed(1)}" height="${(bottom - y(v)).toFixed(1)}" fill="${colour}"/>`);
      if (Number.isFinite(v)) bars.push(`<text x="${(x + bw / 2).toFixed(1)}" y="${(y(v) - 4).toFixed(1)}" font-size="10" text-anchor="middle">${v.toFixed(0)}</text>`);
    });
    bars.push(`<text x="${(x0 + 2 * bw).toFixed(1)}" y="${bottom + 18}" font-size="13" text-anchor="middle">${esc(r.urgency)} (n=${r.fifo.n})</text>`);
  });
  const legend = [['FIFO mean', '#9aa5b1'], ['readfirst mean', '#1f77b4'], ['FIFO max', '#d3d8de'], ['readfirst max', '#7fb2dc']]
    .map(([label, colour], k) => `<rect x="${left + k * 190}" y="${H - 40}" width="14" height="14" fill="${colour}"/><text x="${left + k * 190 + 20}" y="${H - 28}" font-size="13">${label}</text>`)
    .join('');
  const title = `Wait before reading (min) by true class: critical mean ×${report.criticalMeanRatio.toFixed(2)}, longest wait ×${report.longestWaitRatio.toFixed(2)} vs FIFO`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="DejaVu Sans, sans-serif">
<rect width="100%" height="100%" fill="white"/>
<text x="${W / 2}" y="24" font-size="15" text-anchor="middle">${esc(title)}</text>
<text x="${W / 2}" y="44" font-size="11" text-anchor="middle" fill="#555">${esc(report.scenario.description)}</text>
<line x1="${left}" y1="${bottom}" x2="${W - 10}" y2="${bottom}" stroke="#333"/>
<line x1="${left}" y1="${top}" x2="${left}" y2="${bottom}" stroke="#333"/>
<text x="${left - 8}" y="${top + 4}" font-size="11" text-anchor="end">${peak.toFixed(0)}</text>
<text x="${left - 8}" y="${bottom}" font-size="11" text-anchor="end">0</text>
${bars.join('\n')}
${legend}
</svg>`;
}

export async function writePlot(report: SimulationReport, path: string): Promise<void> {
  await sharp(Buffer.from(plotSvg(report))).png().toFile(path);
}
