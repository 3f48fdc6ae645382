import { createHash, randomUUID } from 'node:crypto';
import { join, resolve } from 'node:path';
import { writeFileDurable } from './durable-write.ts';

/** What is recorded beside a quarantined upload (`<id>.reason.json`) and in the store. */
export interface QuarantineEntry {
  id: string;
  at: number;
  via: string;
  /** Machine-readable reason, e.g. 'truncated'. */
  reason: string;
  message: string;
  sizeBytes: number;
  sha256: string;
  /** Relative to the quarantine root. */
  filePath: string;
  /** Calling AE title or source path, when known. */
  source: string | null;
  sopInstanceUid: string | null;
}

/**
 * The quarantine folder: refused uploads are kept byte for byte under `<root>/<YYYY-MM-DD>/<id>.dcm`
 * with a `.reason.json` sidecar, so a PACS administrator can inspect and resend them.
 */
export class Quarantine {
  readonly root: string;
  constructor(root: string) {
    this.root = resolve(root);
  }

  async put(bytes: Uint8Array, info: Omit<QuarantineEntry, 'id' | 'filePath' | 'sizeBytes' | 'sha256'>): Promise<QuarantineEntry> {
    const id = randomUUID();
    const day = new Date(info.at).toISOString().slice(0, 10);
    const entry: QuarantineEntry = {
      ...info,
      id,
      filePath: `${day}/${id}.dcm`,
      sizeBytes: bytes.byteLength,
      sha256: createHash('sha256').update(bytes).digest('hex'),
    };
    await writeFileDurable(join(this.root, day, `${id}.dcm`), bytes, this.root);
    await writeFileDurable(join(this.root, day, `${id}.reason.json`), Buffer.from(JSON.stringify(entry, null, 2)), this.root);
    return entry;
  }
}
