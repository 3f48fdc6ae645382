import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { InferenceEngine } from '../inference/engine.ts';
import type { ModelPackage } from '../inference/models/model-package.ts';
import { scoreImageFile, viewFromLabel } from '../inference/score-file.ts';
import type { ScoredImage } from './evaluation.ts';
import type { LabelRow } from './labels-csv.ts';

export interface ScoreFolderOptions {
  /** Images in flight at once. */
  concurrency?: number;
  /** Progress line every this many images (to stderr); 0 for none. */
  progressEvery?: number;
}

/**
 * Runs one model package through the real engine (quality gate, preprocessing, ONNX Runtime) on
 * every row of a labelled folder (labels.csv + images), as the server would score those images.
 * A missing file is recorded, not thrown, so one bad row never stops an evaluation.
 */
export async function scoreLabelledFolder(
  pkg: ModelPackage,
  folder: string,
  rows: readonly LabelRow[],
  opts: ScoreFolderOptions = {},
): Promise<ScoredImage[]> {
  const engine = await InferenceEngine.start({ packages: [pkg], workers: 1, intraOpThreads: 2, maxBatch: 4, jobTimeoutMs: 60_000 });
  const scored = new Array<ScoredImage>(rows.length);
  const every = opts.progressEvery ?? 50;
  let next = 0;
  let done = 0;
  try {
    await Promise.all(
      Array.from({ length: Math.max(1, opts.concurrency ?? 3) }, async () => {
        while (next < rows.length) {
          const i = next++;
          const row = rows[i];
          if (!row) continue;
          const path = join(resolve(folder), row.file);
          if (!existsSync(path)) {
            scored[i] = { row, status: 'missing', probs: {} };
            continue;
          }
          const s = await scoreImageFile(engine, pkg.card.id, path, { viewPosition: viewFromLabel(row.view), patientAgeYears: row.age });
          const probs = Object.fromEntries([...s.findings, ...s.unclaimedFindings].map((f) => [f.key, f.probability]));
          scored[i] = {
            row,
            status: s.status,
            ...(s.gate?.reason ? { reason: s.gate.reason } : s.statusReason ? { reason: s.statusReason } : {}),
            probs,
          };
          if (every > 0 && ++done % every === 0)
            process.stderr.write(`${pkg.card.id}@${pkg.card.version}: scored ${done}/${rows.length}\n`);
        }
      }),
    );
  } finally {
    await engine.close();
  }
  return scored;
}
