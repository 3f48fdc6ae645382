import { readFile, stat } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import type { InstanceFiles, InstanceRecord } from '../dicom/dicom-store.ts';
import { syncFiles, writeFileAtomic, writeFileDurable } from './durable-write.ts';
import type { IngestJournal } from './journal/ingest-journal.ts';

/**
 * Instance files on a local folder, kept exactly as received, at
 * `<root>/<StudyInstanceUID>/<SeriesInstanceUID>/<SOPInstanceUID>.dcm`. UIDs are validated
 * (digits and dots) before they reach here, so paths cannot escape the root.
 */
export class LocalInstanceFiles implements InstanceFiles {
  readonly root: string;
  private journal: IngestJournal | undefined;
  constructor(root: string) {
    this.root = resolve(root);
  }

  /** From now on, `write` makes bytes durable through this journal instead of per-file syncs. */
  useJournal(journal: IngestJournal | undefined): void {
    this.journal = journal;
  }

  /** Deterministic relative path of an instance (forward slashes, stored in the database). */
  static pathFor(studyUid: string, seriesUid: string, sopUid: string): string {
    return `${studyUid}/${seriesUid}/${sopUid}.dcm`;
  }

  absolutePath(instance: Pick<InstanceRecord, 'filePath'>): string {
    const p = resolve(join(this.root, ...instance.filePath.split('/')));
    if (!p.startsWith(this.root + sep)) throw new Error('instance path escapes the file store');
    return p;
  }

  async read(instance: Pick<InstanceRecord, 'filePath'>): Promise<Buffer> {
    return readFile(this.absolutePath(instance));
  }

  /**
   * Resolves only once the bytes are durable. With a journal: one journal append (group-committed
   * fdatasync) while the file is written in place, unsynced, at the same time; the journal's
   * sweeper syncs the file before the record is dropped. Without one, or for a payload larger
   * than a journal segment: the file and its folder are synced here.
   */
  async write(filePath: string, bytes: Uint8Array, tag = ''): Promise<void> {
    const abs = this.absolutePath({ filePath });
    const journal = this.journal;
    if (!journal || !journal.fits(filePath, tag, bytes.byteLength)) {
      await writeFileDurable(abs, bytes, this.root);
      return;
    }
    const file = writeFileAtomic(abs, bytes, this.root).then(() => abs);
    await Promise.all([journal.append(filePath, tag, bytes, file), file]);
  }

  /** Writes and syncs the file unless it already holds exactly these bytes (journal replay). */
  async restore(filePath: string, bytes: Uint8Array): Promise<void> {
    const abs = this.absolutePath({ filePath });
    const existing = await readFile(abs).catch(() => undefined);
    if (existing?.equals(bytes)) await syncFiles([abs]);
    else await writeFileDurable(abs, bytes, this.root);
  }

  async size(instance: Pick<InstanceRecord, 'filePath'>): Promise<number | undefined> {
    try {
      return (await stat(this.absolutePath(instance))).size;
    } catch {
      return undefined;
    }
  }
}
