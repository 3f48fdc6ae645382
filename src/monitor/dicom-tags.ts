import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DicomMessage, DicomMetaDictionary, toArrayBuffer } from '../dicom/parse/dcmjs.ts';

/**
 * Reads configured DICOM keywords from a stored instance's header (parsing stops before the pixel
 * data), for subgroup audits on any tag. Values are cached per file; multi-valued ones are joined by "\".
 */
export function tagReader(
  filesRoot: string,
  keywords: readonly string[],
): ((filePath: string) => Promise<Record<string, string>>) | undefined {
  if (keywords.length === 0) return undefined;
  const cache = new Map<string, Record<string, string>>();
  return async (filePath) => {
    const hit = cache.get(filePath);
    if (hit) return hit;
    const bytes = await readFile(join(filesRoot, ...filePath.split('/')));
    const natural = DicomMetaDictionary.naturalizeDataset(
      DicomMessage.readFile(toArrayBuffer(bytes), { untilTag: '7FE00010', includeUntilTagValue: false }).dict,
    );
    const out: Record<string, string> = {};
    for (const k of keywords) {
      const v = natural[k];
      // Strings and numbers only: person names and sequences are not subgroup labels.
      const text = (x: unknown): string => (typeof x === 'string' || typeof x === 'number' ? String(x) : '');
      const value = Array.isArray(v) ? v.map(text).join('\\') : text(v);
      if (value !== '') out[k] = value;
    }
    cache.set(filePath, out);
    return out;
  };
}
