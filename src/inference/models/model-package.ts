import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ReadfirstError, errorMessage } from '../../core/errors.ts';
import { describeCardIssues, modelCardSchema, type ModelCard } from './model-card.ts';

/** A validated model package: its card and the ONNX file whose hash matched the card. */
export interface ModelPackage {
  dir: string;
  onnxPath: string;
  card: ModelCard;
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function refuse(dir: string, why: string): ReadfirstError {
  return new ReadfirstError('config', `model package ${dir} refused: ${why}`, { dir });
}

/**
 * Loads one package folder (model.onnx + model.json, docs/model-package.md). Refuses, with a
 * message naming the folder and the problem, a package whose card is invalid or whose sha256
 * does not match model.onnx: a model that is not exactly the one evaluated must never run.
 */
export async function loadModelPackage(dirPath: string): Promise<ModelPackage> {
  const dir = resolve(dirPath);
  const cardPath = join(dir, 'model.json');
  const onnxPath = join(dir, 'model.onnx');
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(cardPath, 'utf8')) as unknown;
  } catch (e) {
    throw refuse(dir, `cannot read model.json (${errorMessage(e)})`);
  }
  const parsed = modelCardSchema.safeParse(raw);
  if (!parsed.success) throw refuse(dir, `invalid model card: ${describeCardIssues(parsed.error)}`);
  const card = parsed.data;
  try {
    if (!(await stat(onnxPath)).isFile()) throw new Error('not a file');
  } catch (e) {
    throw refuse(dir, `model.onnx missing (${errorMessage(e)})`);
  }
  const actual = await sha256File(onnxPath);
  if (actual !== card.sha256) throw refuse(dir, `sha256 of model.onnx is ${actual}, the card says ${card.sha256}`);
  return { dir, onnxPath, card };
}

/**
 * Finds packages under the configured folders: a folder holding model.json is a package;
 * otherwise each of its sub-folders holding model.json is. Missing folders are skipped.
 */
export async function discoverPackageDirs(modelDirs: readonly string[]): Promise<string[]> {
  const found: string[] = [];
  for (const d of modelDirs) {
    const dir = resolve(d);
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => null);
    if (!entries) continue;
    if (entries.some((e) => e.isFile() && e.name === 'model.json')) {
      found.push(dir);
      continue;
    }
    for (const e of entries) {
      if (!e.isDirectory()) continue;
      const sub = join(dir, e.name);
      const hasCard = await stat(join(sub, 'model.json')).then((s) => s.isFile(), () => false);
      if (hasCard) found.push(sub);
    }
  }
  return found.sort();
}
