import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEBIAN_PYTHON, tinyCard } from './tiny-package.ts';

const KEYS = [
  'atelectasis',
  'cardiomegaly',
  'consolidation',
  'edema',
  'effusion',
  'emphysema',
  'fibrosis',
  'hernia',
  'infiltration',
  'mass',
  'nodule',
  'pleural_thickening',
  'pneumonia',
  'pneumothorax',
];
const FEATURES = 192;

/**
 * A benchmark stand-in for models/readfirst-cxr: the training architecture (CXRNet, 224 px,
 * 14 outputs, CAM and features) with seeded random weights, and a valid card. No OOD limit.
 */
export function makeStandinPackage(): string {
  const dir = mkdtempSync(join(tmpdir(), 'rf-standin-model-'));
  const script = join(dirname(fileURLToPath(import.meta.url)), 'standin_model.py');
  execFileSync(DEBIAN_PYTHON, [script, dir, String(KEYS.length)], { stdio: ['ignore', 'ignore', 'inherit'] });
  const sha256 = createHash('sha256')
    .update(readFileSync(join(dir, 'model.onnx')))
    .digest('hex');
  const card = tinyCard(224, sha256, new Array<number>(FEATURES).fill(0));
  const template = card.findings[0];
  if (!template) throw new Error('tiny card has no findings');
  card.id = 'standin-cxr';
  card.name = 'random-weight stand-in (benchmarks only)';
  card.applicability.minRows = 256;
  card.applicability.minColumns = 256;
  card.findings = KEYS.map((key, index) => ({ ...template, key, index, display: key, code: { ...template.code, display: key } }));
  if (card.ood) card.ood = { ...card.ood, threshold: 1e12 };
  writeFileSync(join(dir, 'model.json'), JSON.stringify(card, null, 2));
  return dir;
}
