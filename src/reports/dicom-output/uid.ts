import { createHash, randomUUID } from 'node:crypto';

/**
 * UIDs under the 2.25 root (PS3.5 B.2): a 128-bit number written in decimal, so readfirst needs
 * no registered organisation root for the objects it creates.
 */
function uidOf(hex32: string): string {
  return `2.25.${BigInt(`0x${hex32}`).toString(10)}`;
}

/** A fresh, random UID (a UUID as a 2.25 UID). */
export function newUid(): string {
  return uidOf(randomUUID().replaceAll('-', ''));
}

/**
 * A UID that is the same every time for the same parts (first 128 bits of their sha256). Used
 * where a peer must see one identity across runs: the model's device UID, and the output objects
 * of one analysis, so a re-run or a retried delivery never creates a second copy in the PACS.
 */
export function stableUid(...parts: readonly string[]): string {
  return uidOf(createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 32));
}
