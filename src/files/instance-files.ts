import { readFile, stat } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import type { InstanceFiles, InstanceRecord } from '../dicom/dicom-store.ts';
import { writeFileDurable } from './durable-write.ts';

/**
 * Instance files on a local folder, kept exactly as received, at
 * `<root>/<StudyInstanceUID>/<SeriesInstanceUID>/<SOPInstanceUID>.dcm`. UIDs are validated
 * (digits and dots) before they reach here, so paths cannot escape the root.
 */
export class LocalInstanceFiles implements InstanceFiles {
  readonly root: string;
  constructor(root: string) {
    this.root = resolve(root);
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

  /** Writes and fsyncs the file and its folder; resolves only once the bytes are durable. */
  async write(filePath: string, bytes: Uint8Array): Promise<void> {
    await writeFileDurable(this.absolutePath({ filePath }), bytes, this.root);
  }

  async size(instance: Pick<InstanceRecord, 'filePath'>): Promise<number | undefined> {
    try {
      return (await stat(this.absolutePath(instance))).size;
    } catch {
      return undefined;
    }
  }
}
