import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ModelCardInput } from '../models/model-card.ts';

/** Debian's python (python3-onnx); the pyenv python3 on PATH cannot see it. */
export const DEBIAN_PYTHON = process.env.READFIRST_PYTHON ?? '/usr/bin/python3';

export interface TinyExpected {
  input: number[];
  probs: number[];
  cam: number[];
  features: number[];
}

export interface TinyPackage {
  dir: string;
  size: number;
  expected: TinyExpected;
  card: ModelCardInput;
}

export interface TinyOptions {
  size?: number;
  seed?: number;
  /** Changes applied to the card before it is written. */
  card?: (card: ModelCardInput) => void;
}

const FINDINGS = [
  { key: 'pneumothorax', display: 'Pneumothorax', code: '36118008' },
  { key: 'effusion', display: 'Pleural effusion', code: '60046008' },
  { key: 'cardiomegaly', display: 'Cardiomegaly', code: '8186001' },
] as const;
const FEATURES = 4;

/** A valid card for the tiny model, following docs/model-package.md. */
export function tinyCard(size: number, sha256: string, features: readonly number[]): ModelCardInput {
  return {
    schemaVersion: 1,
    id: 'tiny-cxr',
    name: 'tiny test model',
    version: '0.0.1',
    sha256,
    licence: 'Apache-2.0',
    aiGenerated: true,
    applicability: { modalities: ['CR', 'DX'], bodyParts: ['CHEST'], viewPositions: ['PA', 'AP'], minRows: 64, minColumns: 64 },
    input: {
      name: 'image',
      channels: 1,
      height: size,
      width: size,
      resize: 'letterbox',
      window: 'dicom-voi-else-percentile',
      scale: 'unit',
      normalization: { type: 'fixed', mean: 0.5, std: 0.25 },
    },
    outputs: { probabilities: 'probs', heatmap: 'cam', features: 'features' },
    findings: FINDINGS.map((f, index) => ({
      key: f.key,
      index,
      display: f.display,
      code: { system: 'http://snomed.info/sct', code: f.code, display: f.display },
      claimed: true,
      operatingPoints: [
        { name: 'high-sensitivity', threshold: 0.3, sensitivity: 0.9, specificity: 0.5, n: 100 },
        { name: 'balanced', threshold: 0.5, sensitivity: 0.75, specificity: 0.8, n: 100 },
      ],
      evaluation: { internal: { auroc: 0.8, ci95: [0.7, 0.9], positives: 30, negatives: 70 } },
    })),
    ood: {
      output: 'features',
      method: 'diag-mahalanobis',
      mean: [...features],
      std: features.map(() => 1),
      threshold: 1e6,
    },
    intendedUse: 'Tests only.',
    limitations: ['Random weights.'],
    trainingData: { summary: 'none' },
    evaluation: { summary: 'none' },
  };
}

/**
 * Generates the tiny seeded model with python3-onnx into a fresh temporary package folder and
 * writes a matching card. `expected` holds numpy's outputs for its fixed input.
 */
export function makeTinyPackage(opts: TinyOptions = {}): TinyPackage {
  const size = opts.size ?? 32;
  const dir = mkdtempSync(join(tmpdir(), 'rf-tiny-model-'));
  const script = join(dirname(fileURLToPath(import.meta.url)), 'tiny_model.py');
  execFileSync(DEBIAN_PYTHON, [script, dir, String(size), String(FINDINGS.length), String(FEATURES), String(opts.seed ?? 7)], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as TinyExpected;
  const sha256 = createHash('sha256')
    .update(readFileSync(join(dir, 'model.onnx')))
    .digest('hex');
  const card = tinyCard(size, sha256, expected.features);
  opts.card?.(card);
  writeFileSync(join(dir, 'model.json'), JSON.stringify(card, null, 2));
  return { dir, size, expected, card };
}
