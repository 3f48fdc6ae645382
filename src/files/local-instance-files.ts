import { readFile, stat } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { ensureDir, syncFiles, writeFileAtomicSync, writeFileDurable } from './durable-write.ts';
import type { InstanceFiles, StoredFile } from './instance-files.ts';
import type { IngestJournal } from './journal/ingest-journal.ts';

/** The instance store's folder: `files.dir` when set (shared by a scaled-out deployment), else `<dataDir>/files`. */
export function instanceFilesDir(config: { dataDir: string; files: { dir: string } }): string {
  return resolve(config.files.dir || join(config.dataDir, 'files'));
}

/**
 * Instance files on a local folder, kept exactly as received, at
 * `<root>/<StudyInstanceUID>/<SeriesInstanceUID>/<SOPInstanceUID>.dcm`. UIDs are validated
 * (digits and dots) before they reach here, so paths cannot escape the root.
 */
export class LocalInstanceFiles implements InstanceFiles {
  readonly root: string;
  private journal: IngestJournal | undefined;
  /** Folders known to exist and be durable (created or seen by this process). */
  private readonly knownDirs = new Set<string>();
  constructor(root: string) {
    this.root = resolve(root);
  }

  /** From now on, `write` makes bytes durable through this journal instead of per-file syncs. */
  useJournal(journal: IngestJournal | undefined): void {
    this.journal = journal;
  }

  /** Absolute path of a stored file (for tools that need a file on disk). */
  absolutePath(instance: StoredFile): string {
    const p = resolve(join(this.root, ...instance.filePath.split('/')));
    if (!p.startsWith(this.root + sep)) throw new Error('instance path escapes the file store');
    return p;
  }

  async read(instance: StoredFile): Promise<Buffer> {
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
    const dir = dirname(abs);
    if (!this.knownDirs.has(dir)) {
      await ensureDir(dir, this.root);
      if (this.knownDirs.size > 10_000) this.knownDirs.clear();
      this.knownDirs.add(dir);
    }
    let fileDone!: (path: string) => void;
    let fileFailed!: (e: unknown) => void;
    const file = new Promise<string>((res, rej) => ((fileDone = res), (fileFailed = rej)));
    // The append copies the record into the journal and starts its fdatasync; the file is
    // written while that sync runs. If the file write fails, the segment is kept for replay.
    const durable = journal.append(filePath, tag, bytes, file);
    try {
      writeFileAtomicSync(abs, bytes);
      fileDone(abs);
    } catch (e) {
      this.knownDirs.delete(dir);
      fileFailed(e);
      await durable.catch(() => undefined);
      throw e;
    }
    await durable;
  }

  /** Writes and syncs the file unless it already holds exactly these bytes (journal replay). */
  async restore(filePath: string, bytes: Uint8Array): Promise<void> {
    const abs = this.absolutePath({ filePath });
    const existing = await readFile(abs).catch(() => undefined);
    if (existing?.equals(bytes)) await syncFiles([abs]);
    else await writeFileDurable(abs, bytes, this.root);
  }

  async size(instance: StoredFile): Promise<number | undefined> {
    try {
      return (await stat(this.absolutePath(instance))).size;
    } catch {
      return undefined;
    }
  }
}
