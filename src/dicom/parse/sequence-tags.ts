import { DicomMetaDictionary } from './dcmjs.ts';

const cache = new Map<number, boolean>();

/**
 * Whether a tag is a sequence in the PS3.6 data dictionary (dcmjs's copy). Implicit VR data sets
 * do not say which elements are sequences (PS3.5 7.1.3), so a defined-length sequence there is
 * walked, and its depth bounded, only when the dictionary names it SQ.
 */
export function implicitSequenceTag(tag: number): boolean {
  let known = cache.get(tag);
  if (known === undefined) {
    const g = (tag >>> 16).toString(16).padStart(4, '0').toUpperCase();
    const e = (tag & 0xffff).toString(16).padStart(4, '0').toUpperCase();
    known = DicomMetaDictionary.dictionary[`(${g},${e})`]?.vr === 'SQ';
    // Bounded: private tags chosen by a sender must not grow it without end.
    if (cache.size < 20_000) cache.set(tag, known);
  }
  return known;
}
