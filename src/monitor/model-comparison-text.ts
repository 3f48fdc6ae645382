import type { ModelComparison } from './model-comparison.ts';

const n3 = (v: number | null): string => (v === null ? '  -  ' : v.toFixed(3));
const s3 = (v: number | null): string => (v === null ? '  -  ' : `${v >= 0 ? '+' : ''}${v.toFixed(3)}`);
const ci = (c: [number, number] | null): string => (c ? `[${s3(c[0])}, ${s3(c[1])}]` : '');
const pct = (v: number | null): string => (v === null ? '-' : `${(v * 100).toFixed(0)}%`);

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, j) => Math.max(...rows.map((r) => (r[j] ?? '').length))) ?? [];
  return rows.map((r) => r.map((c, j) => (j === 0 ? c.padEnd(widths[j] ?? 0) : c.padStart(widths[j] ?? 0))).join('  ')).join('\n');
}

/** The comparison as the terminal shows it: paired differences, subgroups, the decision. */
export function formatComparison(c: ModelComparison): string {
  const out: string[] = [];
  out.push(`live      ${c.live.id}@${c.live.version} (sha256 ${c.live.sha256.slice(0, 12)}…)`);
  out.push(`candidate ${c.candidate.id}@${c.candidate.version} (sha256 ${c.candidate.sha256.slice(0, 12)}…)`);
  out.push(`images: ${c.images.listed} listed, ${c.images.pairedAnalysed} analysed by both`);
  out.push('', 'Per finding: AUROC of each, candidate − live with a paired 95% patient-level bootstrap CI');
  out.push(
    table([
      ['finding', 'claimed (live/cand)', 'pos', 'neg', 'live', 'cand', 'diff', '95% CI', 'verdict'],
      ...c.findings.map((f) => [
        f.key,
        `${f.claimedLive ? 'yes' : 'no'}/${f.claimedCandidate ? 'yes' : 'no'}`,
        String(f.positives),
        String(f.negatives),
        n3(f.live),
        n3(f.candidate),
        s3(f.difference),
        ci(f.ci95),
        f.verdict,
      ]),
    ]),
  );
  out.push('', 'Subgroups (abnormality AUROC; underdiagnosis = diseased called "no finding")');
  out.push(
    table([
      ['subgroup', 'images', 'AUROC live', 'AUROC cand', 'underdx live', 'underdx cand'],
      ...c.subgroups.map((s) => [
        s.by === 'all' ? 'all' : `${s.by} ${s.group}`,
        String(s.images),
        n3(s.live.auroc),
        n3(s.candidate.auroc),
        pct(s.live.underdiagnosis),
        pct(s.candidate.underdiagnosis),
      ]),
    ]),
  );
  out.push(
    `gaps (largest − smallest subgroup AUROC): ${c.gaps.map((g) => `${g.by}: live ${n3(g.live)}, candidate ${n3(g.candidate)}`).join('; ')}`,
  );
  out.push('', `Promotion (${c.method.notWorse}; better: ${c.method.better}) on ${c.decision.judged.join(', ') || 'no claimed finding'}:`);
  out.push(
    c.decision.promote
      ? '  ALLOWED: not worse on any claimed finding and better on at least one'
      : `  REFUSED:\n${c.decision.reasons.map((r) => `  - ${r}`).join('\n')}`,
  );
  return out.join('\n');
}
