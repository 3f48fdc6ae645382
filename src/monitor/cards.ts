import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { discoverPackageDirs } from '../inference/models/model-package.ts';
import { modelCardSchema, type ModelCard } from '../inference/models/model-card.ts';

/** The model cards under the configured folders (their claims are what live figures are held to); unreadable cards are skipped. */
export async function loadCards(modelDirs: readonly string[]): Promise<ModelCard[]> {
  const cards: ModelCard[] = [];
  for (const dir of await discoverPackageDirs(modelDirs)) {
    const parsed = modelCardSchema.safeParse(JSON.parse(await readFile(join(dir, 'model.json'), 'utf8').catch(() => 'null')));
    if (parsed.success) cards.push(parsed.data);
  }
  return cards;
}
